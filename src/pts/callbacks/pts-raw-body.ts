import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PtsIpAllowList } from './pts-ip-allow-list.js';
import { PTS_DEFAULT_SETTINGS } from '../options/pts-settings.js';

/** A callback body as it arrived: the bytes (up to the cap) and how many there were. */
export interface PtsRawBody {
  bytes: Buffer;
  /** Bytes on the wire, including any beyond the cap. */
  totalBytes: number;
  truncated: boolean;
  /** SHA-256 (hex) of every byte on the wire; absent when the body was not read. */
  sha256?: string;
}

type RequestWithBody = IncomingMessage & {
  ptsRawBody?: PtsRawBody;
  rawBody?: Buffer;
  body?: unknown;
  _body?: boolean;
};

/** Past this many bytes beyond the cap the connection is cut rather than read on. */
const DISCARD_FACTOR = 32;

/**
 * Reads a request body as raw bytes, keeping at most `limitBytes` (the rest is counted and
 * discarded, so an oversized callback is still stored, truncated, and answered). Marks the
 * request as read so that body parsers mounted later leave it alone.
 */
export function readPtsRawBody(req: IncomingMessage, limitBytes: number): Promise<PtsRawBody> {
  const request = req as RequestWithBody;
  if (request.ptsRawBody) return Promise.resolve(request.ptsRawBody);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const hash = createHash('sha256');
    let kept = 0;
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      hash.update(chunk);
      if (kept < limitBytes) {
        const part = chunk.subarray(0, limitBytes - kept);
        chunks.push(part);
        kept += part.length;
      }
      if (total > limitBytes * DISCARD_FACTOR) {
        req.off('data', onData);
        req.destroy();
        reject(
          new Error(`callback body over ${limitBytes * DISCARD_FACTOR} bytes; connection cut`),
        );
      }
    };
    req.on('data', onData);
    req.once('error', reject);
    req.once('end', () => {
      const body: PtsRawBody = {
        bytes: Buffer.concat(chunks),
        totalBytes: total,
        truncated: total > limitBytes,
        sha256: hash.digest('hex'),
      };
      request.ptsRawBody = body;
      request._body = true;
      resolve(body);
    });
  });
}

/**
 * The raw body of a request, however the host app read it: our middleware's
 * (`ptsRawBodyMiddleware`), Nest's `rawBody: true`, or the still unread stream. Undefined when
 * a body parser consumed the stream without keeping the bytes: then exact number text (A4) is
 * gone and the callback cannot be verified.
 */
export async function ptsRawBodyOf(
  req: IncomingMessage,
  limitBytes: number,
): Promise<PtsRawBody | undefined> {
  const request = req as RequestWithBody;
  if (request.ptsRawBody) return request.ptsRawBody;
  if (Buffer.isBuffer(request.rawBody)) {
    const bytes = request.rawBody;
    return {
      bytes: bytes.subarray(0, limitBytes),
      totalBytes: bytes.length,
      truncated: bytes.length > limitBytes,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
  }
  if (!request._body && request.readable && !request.readableEnded) {
    return readPtsRawBody(req, limitBytes);
  }
  // A parser that read nothing (no body, or a content type it ignores) leaves an empty body.
  if (request.readableEnded && (request.body === undefined || isEmptyObject(request.body))) {
    return { bytes: Buffer.alloc(0), totalBytes: 0, truncated: false };
  }
  return undefined;
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

/**
 * Express middleware for the callback paths, to mount before any body parser:
 * `app.use('/pts', ptsRawBodyMiddleware(limit, allowedIps))`. Keeps the exact bytes for
 * verification (A4). Given the allow-list (`callbackAllowedIps`), it leaves the body of a sender
 * outside it unread: the guard refuses such a request without ever reading what it sent.
 */
export function ptsRawBodyMiddleware(
  limitBytes = PTS_DEFAULT_SETTINGS.callbackBodyLimitBytes,
  allowedIps: readonly string[] = [],
) {
  const allowList = new PtsIpAllowList(allowedIps);
  // Named: the module's boot check recognises it in the host's middleware stack.
  return function ptsRawBody(
    req: IncomingMessage,
    _res: unknown,
    next: (error?: unknown) => void,
  ): void {
    if (req.method !== 'POST') return next();
    const ip = (req as IncomingMessage & { ip?: string }).ip ?? req.socket.remoteAddress;
    if (!allowList.allows(ip)) return next();
    readPtsRawBody(req, limitBytes).then(() => next(), next);
  };
}

/** A request's declared `Content-Length`, for the record of a body that was never read. */
export function declaredBodyLength(req: IncomingMessage): number {
  const length = Number(req.headers['content-length']);
  return Number.isSafeInteger(length) && length > 0 ? Math.min(length, 2 ** 31 - 1) : 0;
}
