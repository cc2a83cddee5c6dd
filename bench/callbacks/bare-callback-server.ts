/**
 * The baseline of bench/callbacks: a bare `node:http` + `pg` callback handler doing the same
 * work as the service's callback path and nothing else. It reads the body, parses it, builds the
 * sign string by hand (signed keys sorted by byte order, `key=value` joined by `&`, null or
 * absent as `key=`, then the safecode: docs/protocol.md A3), verifies it with node:crypto, and
 * in one transaction locks the order, moves it, and stores the raw callback:
 * `BEGIN; SELECT ... FOR UPDATE; UPDATE; INSERT; COMMIT`, then answers `SUCCESS`. A duplicate
 * runs the same transaction without the UPDATE; a bad signature stores the callback as
 * rejected (one INSERT) and answers 401 `FAILED`, the order untouched. It works on its own
 * copies of the tables (schema `bare`). No framework, no ORM, no history, no outbox.
 *
 * Environment: BARE_PORT, BARE_DATABASE_URL, BARE_POOL_SIZE, BARE_USER_ID, BARE_SAFECODE,
 * BARE_GATEWAY_PUBLIC_KEY (PEM), BARE_ACCOUNT.
 */
import { createHash, createPublicKey, createVerify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';

const SIGNED = [
  'user_id',
  'order_id',
  'transaction_id',
  'channel',
  'submit_currency',
  'submit_amount',
  'accept_currency',
  'accept_amount',
  'exchange_rate',
  'status',
  'timestamp',
];
const MAX_BODY = 64 * 1024;

const env = process.env;
const userId = env.BARE_USER_ID!;
const safecode = env.BARE_SAFECODE!;
const account = env.BARE_ACCOUNT!;
const gatewayKey = createPublicKey(env.BARE_GATEWAY_PUBLIC_KEY!);
const pool = new pg.Pool({
  connectionString: env.BARE_DATABASE_URL,
  max: Number(env.BARE_POOL_SIZE ?? 20),
  options: '-c search_path=bare',
  // The bench tells its PostgreSQL backends from the service's by this name (CPU per side).
  application_name: 'pts-bench-bare',
});

/** JSON.parse turns `100.5000000000` into 100.5; the sign string needs the text as received. */
const NUMBER_RE = /"([A-Za-z0-9_]+)"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*[,}]/g;

function signString(fields: Record<string, unknown>, numbers: Map<string, string>): string {
  const keys = [...SIGNED].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: string[] = [];
  for (const key of keys) {
    const value = fields[key];
    if (value === null || value === undefined) parts.push(`${key}=`);
    else if (typeof value === 'number') parts.push(`${key}=${numbers.get(key) ?? String(value)}`);
    else parts.push(`${key}=${scalar(value)}`);
  }
  parts.push(safecode);
  return parts.join('&');
}

function scalar(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '';
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return reply(res, 413, 'FAILED');
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  const text = bytes.toString('utf8');
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return reply(res, 400, 'FAILED');
  }
  const numbers = new Map<string, string>();
  for (const match of text.matchAll(NUMBER_RE)) numbers.set(match[1], match[2]);
  const orderId = typeof fields.order_id === 'string' ? fields.order_id : '';
  const headers = JSON.stringify({
    'content-type': req.headers['content-type'],
    'content-length': req.headers['content-length'],
  });
  const row = [
    'paymentCallback',
    req.socket.remoteAddress ?? null,
    headers,
    text,
    bytes.length,
    createHash('sha256').update(bytes).digest('hex'),
    account,
    orderId,
  ];
  const sign = typeof fields.sign === 'string' ? fields.sign : '';
  const verified =
    scalar(fields.user_id) === userId &&
    createVerify('sha256')
      .update(signString(fields, numbers))
      .verify(gatewayKey, Buffer.from(sign, 'base64'));
  if (!verified) {
    await pool.query(
      `INSERT INTO pts_callbacks (kind, remote_address, headers, raw_body, body_bytes, body_sha256,
         account, order_id, pts_status, signature_valid, outcome, reason, http_status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, false, 'rejected', 'signature does not verify', 401)`,
      [...row, scalar(fields.status).slice(0, 4)],
    );
    return reply(res, 401, 'FAILED');
  }
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const found = await client.query<{
      id: string;
      status: string;
      amount: string;
      currency: string;
    }>(
      `SELECT id, status, amount, currency FROM pts_orders
        WHERE account = $1 AND order_id = $2 AND kind = 'payment' FOR UPDATE`,
      [account, orderId],
    );
    const order = found.rows[0];
    let outcome = 'rejected';
    let status = 404;
    if (order) {
      status = 200;
      const to = fields.status === '2000' ? 'success' : undefined;
      const matches =
        numbers.get('submit_amount') !== undefined &&
        Number(numbers.get('submit_amount')) === Number(order.amount) &&
        fields.submit_currency === order.currency;
      if (to && matches && order.status !== to && !FINAL.has(order.status)) {
        await client.query(
          `UPDATE pts_orders SET status = $2, pts_status = $3, transaction_id = $4,
                  submit_amount = $5, submit_currency = $6, accept_amount = $7,
                  accept_currency = $8, exchange_rate = $9, status_changed_at = now(),
                  updated_at = now()
            WHERE id = $1`,
          [
            order.id,
            to,
            fields.status,
            fields.transaction_id,
            numbers.get('submit_amount'),
            fields.submit_currency,
            numbers.get('accept_amount'),
            fields.accept_currency,
            numbers.get('exchange_rate'),
          ],
        );
        outcome = 'applied';
      } else {
        outcome = 'duplicate';
      }
    }
    await client.query(
      `INSERT INTO pts_callbacks (kind, remote_address, headers, raw_body, body_bytes, body_sha256,
         account, order_id, order_ref, pts_status, signature_valid, number_rendering, outcome,
         http_status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, true, 'raw', $11, $12)`,
      [...row, order?.id ?? null, scalar(fields.status).slice(0, 4), outcome, status],
    );
    await client.query('COMMIT');
    reply(res, status, status === 200 ? 'SUCCESS' : 'FAILED');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const FINAL = new Set(['success', 'failed', 'rejected', 'error']);

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
  res.end(body);
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return reply(res, 200, 'ok');
  if (req.method !== 'POST' || req.url !== '/pts/callback/payment')
    return reply(res, 404, 'FAILED');
  handle(req, res).catch((error: unknown) => {
    console.error(error);
    if (!res.headersSent) reply(res, 500, 'FAILED');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(env.BARE_PORT), '127.0.0.1', () => console.log('bare callback server ready'));
process.on('SIGINT', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
