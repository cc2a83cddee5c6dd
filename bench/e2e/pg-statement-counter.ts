import { createServer, connect, type Server, type Socket } from 'node:net';

/** What went through the counter since the last `reset()`. */
export interface StatementCounts {
  /** Simple-protocol queries (`Q`, one per message even if it holds several) + `Execute`s. */
  total: number;
  /** Statements of transactions that stored a callback (`INSERT INTO pts_callbacks`). */
  inCallbackTransactions: number;
  /** Those transactions (an autocommit INSERT counts as one). */
  callbackTransactions: number;
  /** Everything else: the job engine's polling, outbox delivery, maintenance. */
  other: number;
  /** The statements of one callback transaction, in order (first seen after the reset). */
  sample: string[];
  /** `other` by statement (first 70 characters), most frequent first. */
  otherByText: [string, number][];
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const STORES_CALLBACK = /INSERT INTO\s+"?pts_callbacks"?/i;

/**
 * A PostgreSQL wire-protocol TCP proxy (node:net) that counts the statements its clients send:
 * simple `Q` messages and extended-protocol `E` (Execute) messages, BEGIN and COMMIT included.
 * It reads only the client's side of the stream and forwards every byte unchanged. Statements
 * are grouped into transactions per connection, so that the work of a callback (its
 * transaction) can be told from background work on the same pool.
 */
export class PgStatementCounter {
  private counts = emptyCounts();
  private readonly otherTexts = new Map<string, number>();
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(target: { host: string; port: number }): Promise<PgStatementCounter> {
    const server = createServer();
    const counter = new PgStatementCounter(server);
    server.on('connection', (client) => counter.relay(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return counter;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  reset(): void {
    this.counts = emptyCounts();
    this.otherTexts.clear();
  }

  snapshot(): StatementCounts {
    return {
      ...this.counts,
      sample: [...this.counts.sample],
      otherByText: [...this.otherTexts.entries()].sort((a, b) => b[1] - a[1]),
    };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket, target: { host: string; port: number }): void {
    const server = connect(target.port, target.host);
    this.sockets.add(client).add(server);
    const end = () => {
      client.destroy();
      server.destroy();
      this.sockets.delete(client);
      this.sockets.delete(server);
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
    server.pipe(client);
    const parser = new FrontendParser((text) => this.statement(parser, text));
    client.on('data', (chunk: Buffer) => {
      server.write(chunk);
      parser.push(chunk);
    });
  }

  private statement(connection: FrontendParser, text: string): void {
    this.counts.total += 1;
    const head = text.trimStart().slice(0, 20).toUpperCase();
    if (head.startsWith('BEGIN') || head.startsWith('START TRANSACTION')) {
      connection.transaction = [text];
      return;
    }
    if (connection.transaction) {
      connection.transaction.push(text);
      if (head.startsWith('COMMIT') || head.startsWith('ROLLBACK') || head.startsWith('END')) {
        this.finish(connection.transaction);
        connection.transaction = undefined;
      }
      return;
    }
    this.finish([text]);
  }

  private finish(statements: string[]): void {
    if (statements.some((s) => STORES_CALLBACK.test(s))) {
      this.counts.inCallbackTransactions += statements.length;
      this.counts.callbackTransactions += 1;
      if (this.counts.sample.length === 0) this.counts.sample = statements.map(shorten);
    } else {
      this.counts.other += statements.length;
      for (const s of statements) {
        const key = shorten(s);
        this.otherTexts.set(key, (this.otherTexts.get(key) ?? 0) + 1);
      }
    }
  }
}

function emptyCounts() {
  return {
    total: 0,
    inCallbackTransactions: 0,
    callbackTransactions: 0,
    other: 0,
    sample: [] as string[],
  };
}

function shorten(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 70);
}

/** The client half of the protocol: the start-up exchange, then typed messages. */
class FrontendParser {
  transaction: string[] | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private readonly statements = new Map<string, string>();
  private readonly portals = new Map<string, string>();

  constructor(private readonly onStatement: (text: string) => void) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (!this.started) {
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        if (this.buffer.length < length) return;
        const code = this.buffer.readInt32BE(4);
        this.buffer = this.buffer.subarray(length);
        if (code !== SSL_REQUEST && code !== GSS_REQUEST && code !== CANCEL_REQUEST) {
          this.started = true;
        }
        continue;
      }
      if (this.buffer.length < 5) return;
      const length = this.buffer.readInt32BE(1);
      if (this.buffer.length < 1 + length) return;
      const type = String.fromCharCode(this.buffer[0]);
      this.message(type, this.buffer.subarray(5, 1 + length));
      this.buffer = this.buffer.subarray(1 + length);
    }
  }

  private message(type: string, payload: Buffer): void {
    if (type === 'Q') {
      this.onStatement(cstrings(payload, 1)[0]);
    } else if (type === 'P') {
      const [name, text] = cstrings(payload, 2);
      this.statements.set(name, text);
    } else if (type === 'B') {
      const [portal, statement] = cstrings(payload, 2);
      this.portals.set(portal, statement);
    } else if (type === 'E') {
      const [portal] = cstrings(payload, 1);
      this.onStatement(this.statements.get(this.portals.get(portal) ?? '') ?? '(unknown)');
    }
  }
}

function cstrings(payload: Buffer, count: number): string[] {
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const zero = payload.indexOf(0, at);
    const stop = zero < 0 ? payload.length : zero;
    out.push(payload.toString('utf8', at, stop));
    at = stop + 1;
  }
  return out;
}
