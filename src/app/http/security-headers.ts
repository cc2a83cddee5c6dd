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
  return helmet({
    contentSecurityPolicy: {
      directives: {
        'upgrade-insecure-requests': null,
        'frame-ancestors': ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
  });
}

/** Admin answers carry orders and callbacks: no cache may keep them. */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}
