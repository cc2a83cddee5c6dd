import type { Socket } from 'node:net';
import { Client, type ClientConfig } from 'pg';

/**
 * A `pg` client that drops its connection when a query times out on the client side
 * (`query_timeout`). pg keeps such a connection, with the abandoned statement (and perhaps an
 * open transaction) still queued on it: once the network came back, the next user of the pooled
 * connection would run inside that transaction. Closing it lets the server roll back and the
 * pool open a fresh one. Also gives a single connect its own timeout (`ptsConnectTimeoutMs`),
 * apart from the pool's wait.
 */
export class TimedPgClient extends Client {
  constructor(config: ClientConfig & { ptsConnectTimeoutMs?: number }) {
    super({
      ...config,
      connectionTimeoutMillis: config.ptsConnectTimeoutMs || config.connectionTimeoutMillis,
    });
    const query = this.query.bind(this) as (...args: unknown[]) => unknown;
    const abandon = (error: unknown) => {
      if (error instanceof Error && error.message === 'Query read timeout') {
        (this as unknown as { connection: { stream: Socket } }).connection.stream.destroy();
      }
    };
    Object.defineProperty(this, 'query', {
      value: (...args: unknown[]): unknown => {
        const last = args.at(-1);
        if (typeof last === 'function') {
          args[args.length - 1] = (error: unknown, ...rest: unknown[]) => {
            abandon(error);
            return (last as (...a: unknown[]) => unknown)(error, ...rest);
          };
        }
        const result = query(...args);
        if (result instanceof Promise) {
          return result.catch((error: unknown) => {
            abandon(error);
            throw error;
          });
        }
        return result;
      },
    });
  }
}
