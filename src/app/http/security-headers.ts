import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

/**
 * Security headers on every answer (helmet): nosniff, frame-ancestors, HSTS, no
 * `X-Powered-By`, and a Content-Security-Policy that the OpenAPI UI at `/docs` works under: its
 * scripts are files of the same origin (`script-src 'self'`), its styles partly inline
 * (`style-src 'unsafe-inline'`, helmet's default), its icons data URLs. Without
 * `upgrade-insecure-requests`, so that the UI also loads over plain HTTP on localhost.
 */
export function securityHeaders() {
  const headers = helmetHeaders(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'upgrade-insecure-requests': null,
          'frame-ancestors': ["'none'"],
        },
      },
      frameguard: { action: 'deny' },
    }),
  );
  // Helmet's dozen nested middlewares, once per request, cost more than the headers they set.
  return function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
    for (const [name, value] of headers) res.setHeader(name, value);
    res.removeHeader('X-Powered-By');
    next();
  };
}

/**
 * The headers a helmet middleware sets, recorded once: with these options they depend on
 * nothing in the request (no CSP nonce), so every answer gets the same ones.
 */
function helmetHeaders(middleware: ReturnType<typeof helmet>): [string, string][] {
  const headers: [string, string][] = [];
  const recorder = {
    setHeader: (name: string, value: string) => headers.push([name, value]),
    removeHeader: () => undefined,
  };
  let done = false;
  const fake = (value: object) => value as never;
  middleware(fake({}), fake(recorder), (error) => {
    if (error) throw new Error('helmet refused its own options', { cause: error });
    done = true;
  });
  if (!done) throw new Error('helmet did not call next() synchronously');
  return headers;
}

/** Admin answers carry orders and callbacks: no cache may keep them. */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}
