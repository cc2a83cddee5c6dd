import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL for fault injection: `cut()` drops every connection and
 * refuses new ones (the database is "down" for the app), `restore()` serves again on the same
 * port. `freeze()` keeps every connection open and accepts new ones but forwards nothing (a
 * hung database or a silent network: no error ever arrives), `thaw()` forwards what was held
 * back and carries on. Loopback only.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  /** Extra delay on every chunk, both ways: a slow database. */
  latencyMs = 0;
  private frozen?: (() => void)[];

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static forUrl(url: string): TcpProxy {
    const parsed = new URL(url);
    return new TcpProxy(parsed.hostname, Number(parsed.port || 5432));
  }

  /** The same URL, through the proxy. */
  proxiedUrl(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  async start(): Promise<void> {
    await this.listen(this.port);
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restore(): Promise<void> {
    if (!this.server) await this.listen(this.port);
  }

  async stop(): Promise<void> {
    this.thaw();
    await this.cut();
  }

  freeze(): void {
    this.frozen ??= [];
  }

  /** Delivers what was held back, in order, and forwards again. */
  thaw(): void {
    const held = this.frozen ?? [];
    this.frozen = undefined;
    for (const deliver of held) deliver();
  }

  private listen(port: number): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
      this.sockets.add(client);
      this.sockets.add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      const forward = (from: Socket, to: Socket) =>
        from.on('data', (chunk: Buffer) => {
          const deliver = () => {
            if (this.latencyMs === 0) {
              if (to.writable) to.write(chunk);
            } else setTimeout(() => to.writable && to.write(chunk), this.latencyMs);
          };
          if (this.frozen) this.frozen.push(deliver);
          else deliver();
        });
      forward(client, upstream);
      forward(upstream, client);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        if (typeof address === 'object' && address) this.port = address.port;
        resolve();
      });
    });
  }
}
