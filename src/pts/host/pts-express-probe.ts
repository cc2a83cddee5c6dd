import { Readable } from 'node:stream';

/** What the module reads of an Express 5 application's router. */
interface ExpressLayer {
  name: string;
  handle: (req: unknown, res: unknown, next: (error?: unknown) => void) => unknown;
  route?: { methods?: Record<string, boolean> };
  match(path: string): boolean;
}

/** Function names of the body parsers of `express` / `body-parser` (as Nest itself looks them up). */
const BODY_PARSERS = new Set(['jsonParser', 'urlencodedParser', 'textParser', 'rawParser']);
/** The name of the function `ptsRawBodyMiddleware()` returns. */
const PTS_RAW_BODY = 'ptsRawBody';

function layersOf(expressApp: unknown): ExpressLayer[] | undefined {
  const app = expressApp as { router?: { stack?: unknown }; _router?: { stack?: unknown } };
  const stack = app?.router?.stack ?? app?._router?.stack;
  return Array.isArray(stack) ? (stack as ExpressLayer[]) : undefined;
}

/** Whether an Express app (Nest's `HttpAdapterHost.httpAdapter.getInstance()`) is one. */
export function isExpressApp(expressApp: unknown): boolean {
  return layersOf(expressApp) !== undefined;
}

/** Whether the app routes `POST path` to a handler (the callback routes are where we think). */
export function expressRoutesPost(expressApp: unknown, path: string): boolean {
  return (layersOf(expressApp) ?? []).some(
    (layer) => layer.route?.methods?.post === true && layer.match(path),
  );
}

/**
 * Why a JSON callback posted to `path` would reach the module without its exact bytes, or
 * undefined when it would keep them. Walks the app's middleware in order: our raw-body
 * middleware first is fine; a body parser first is fed a small JSON request to see whether it
 * keeps the raw bytes (Nest's `rawBody: true`) or only the parsed object.
 */
export async function expressRawBodyProblem(
  expressApp: unknown,
  path: string,
): Promise<string | undefined> {
  for (const layer of layersOf(expressApp) ?? []) {
    if (layer.route || !layer.match(path)) continue;
    if (layer.name === PTS_RAW_BODY) return undefined;
    if (!BODY_PARSERS.has(layer.name)) continue;
    const outcome = await feedJson(layer, path);
    if (outcome === 'kept') return undefined;
    if (outcome === 'lost') {
      return `the body parser \`${layer.name}\` reads callbacks to ${path} before PtsModule and keeps no raw bytes`;
    }
  }
  return undefined;
}

/** Runs one body parser on a tiny JSON POST: did it keep the bytes, drop them, or pass? */
async function feedJson(layer: ExpressLayer, path: string): Promise<'kept' | 'lost' | 'untouched'> {
  const bytes = Buffer.from('{"probe":1}');
  const parsed: { body?: unknown; rawBody?: unknown } = {};
  // A readable stream, not a duplex: on-finished takes anything writable for a response.
  const req = Object.assign(Readable.from([bytes]), parsed, {
    method: 'POST',
    url: path,
    originalUrl: path,
    headers: { 'content-type': 'application/json', 'content-length': String(bytes.length) },
    // What on-finished looks at to tell an unread request from a finished one.
    complete: false,
    upgrade: false,
    socket: { readable: true },
  });
  const passed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 2000);
    try {
      void layer.handle(req, {}, (error?: unknown) => {
        clearTimeout(timer);
        resolve(error === undefined);
      });
    } catch {
      clearTimeout(timer);
      resolve(false);
    }
  });
  if (!passed || req.body === undefined) return 'untouched';
  return Buffer.isBuffer(req.rawBody) ? 'kept' : 'lost';
}
