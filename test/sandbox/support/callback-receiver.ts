import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCall {
  at: number;
  path: string;
  contentType: string | undefined;
  text: string;
  json: Record<string, unknown>;
}

export interface Reply {
  status?: number;
  contentType?: string;
  body: string;
}

/**
 * A merchant's endpoint in miniature: records every POST and answers what `reply` says
 * (default `SUCCESS`, text/plain, as A6 wants).
 */
export class CallbackReceiver {
  readonly calls: ReceivedCall[] = [];
  reply: (call: ReceivedCall) => Reply = () => ({ body: 'SUCCESS' });
  private waiters: (() => void)[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<CallbackReceiver> {
    const server = createServer();
    const receiver = new CallbackReceiver(server);
    server.on('request', (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          // recorded as text only
        }
        const call = {
          at: Date.now(),
          path: req.url ?? '',
          contentType: req.headers['content-type'],
          text,
          json,
        };
        receiver.calls.push(call);
        const reply = receiver.reply(call);
        res.writeHead(reply.status ?? 200, { 'Content-Type': reply.contentType ?? 'text/plain' });
        res.end(reply.body);
        for (const wake of receiver.waiters.splice(0)) wake();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Calls for one order, in arrival order. */
  for(orderId: string): ReceivedCall[] {
    return this.calls.filter((c) => c.json.order_id === orderId);
  }

  /** Resolves when `condition` holds; rejects after `timeoutMs`. */
  async waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `receiver: condition not met in ${timeoutMs} ms; calls: ${this.calls.map((c) => c.text).join(' | ')}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
