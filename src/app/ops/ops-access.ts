import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { AdminKeyRing, type AdminApiKey } from '../admin/admin-auth.guard.js';

/**
 * Who may read `/metrics` and `/docs` (docs/hardening.md): they show business volume and the
 * whole admin surface, so not the public callback port.
 * - `port`: only on a listener of their own (`OPS_PORT`), which serves nothing else but
 *   `/health`; the main port answers 404 for them.
 * - `key`: on the main port, for an admin or viewer key (`Authorization: Bearer <key>`, or
 *   HTTP Basic with the key as password, which a browser asks for on `/docs`).
 * - `open`: anyone (the sandbox mode's default: it listens on loopback only).
 */
export type OpsAccess =
  { mode: 'open' } | { mode: 'key' } | { mode: 'port'; port: number; host?: string };

const OPS_PATH = /^\/(metrics|docs)(\/|$|\?)/;
const OPS_LISTENER = Symbol('pts-ops-listener');

type OpsRequest = IncomingMessage & { [OPS_LISTENER]?: true };

export function opsAccessMiddleware(access: OpsAccess, keys: readonly AdminApiKey[]) {
  const ring = new AdminKeyRing(keys);
  return (req: Request, res: Response, next: NextFunction): void => {
    const onOpsListener = (req as OpsRequest)[OPS_LISTENER] === true;
    const opsPath = OPS_PATH.test(req.originalUrl);
    if (access.mode === 'port') {
      const allowed = onOpsListener
        ? opsPath || /^\/health(\/|$|\?)/.test(req.originalUrl)
        : !opsPath;
      if (!allowed) {
        res.status(404).json({
          statusCode: 404,
          error: 'Not Found',
          message: `Cannot ${req.method} ${req.path}`,
        });
        return;
      }
      return next();
    }
    if (!opsPath || access.mode === 'open') return next();
    const key = keyOf(req.headers.authorization);
    if (key !== undefined && ring.roleOf(key)) return next();
    if (req.originalUrl.startsWith('/docs'))
      res.setHeader('WWW-Authenticate', 'Basic realm="pts admin", charset="UTF-8"');
    res.status(401).json({
      statusCode: 401,
      error: 'Unauthorized',
      message:
        'send an admin or viewer key as `Authorization: Bearer <key>` (or as the password of HTTP Basic)',
    });
  };
}

function keyOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/**
 * Starts the operations listener of `OpsAccess` mode `port`: the same application, another
 * port, where `/metrics`, `/docs` and `/health` are served and nothing else.
 */
export async function listenOps(
  app: NestExpressApplication,
  port: number,
  host = '127.0.0.1',
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const express = app.getHttpAdapter().getInstance() as (
    req: IncomingMessage,
    res: unknown,
  ) => void;
  const server = createServer((req, res) => {
    (req as OpsRequest)[OPS_LISTENER] = true;
    express(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
