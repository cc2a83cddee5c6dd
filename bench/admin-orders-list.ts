/**
 * `npm run bench:orders`: how fast `GET /admin/orders` answers with 100k orders in the table.
 *
 * Builds the service, then runs it as production does, as a child process (`node
 * dist/src/main.js`, against the built sandbox `node dist/src/sandbox/main.js`), like
 * bench:callbacks and bench:creates: loaded in-process under tsx, Nest cannot resolve its
 * providers (no decorator metadata, and a second @nestjs/core). The service gets a database of
 * the bench's own, `pts_bench_orders` on the server of `DATABASE_URL` (created at start,
 * dropped at the end), and runs the migrations at start; the bench then seeds the orders with
 * one INSERT ... SELECT and times each kind of page the console asks for over real HTTP. Prints
 * median, p95 and max per case and whether the p95 is under the budget. Never part of
 * `npm test`. `BENCH_ORDERS`, `BENCH_RUNS` change the size and the runs;
 * `BENCH_WITHOUT_SEARCH_INDEXES=1` drops the indexes of the search and flag filters first, to
 * show what they are for.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startSandboxProcess } from './e2e/sandbox-process.js';
import { freePort, NodeProcess, SERVICE_NODE_ARGS } from './e2e/node-process.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 100_000);
const BUDGET_MS = 200;
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const WARMUP = 5;
const KEY = `bench-admin-key-${randomBytes(8).toString('hex')}`;
const DATABASE = 'pts_bench_orders';

interface Case {
  name: string;
  /** The query of one request; `cursor` cases get a fresh cursor per run. */
  query: () => Record<string, string>;
  path?: string;
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error(
      `DATABASE_URL must point at a PostgreSQL server (a database ${DATABASE} is created and dropped there)`,
    );
    process.exitCode = 2;
    return;
  }
  const benchUrl = new URL(url);
  benchUrl.pathname = `/${DATABASE}`;
  const dir = mkdtempSync(join(tmpdir(), 'pts-bench-orders-'));
  console.log(
    `bench:orders: node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; logs in ${dir}`,
  );
  await sql(url, `DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await sql(url, `CREATE DATABASE ${DATABASE}`);
  const running: NodeProcess[] = [];
  let db: pg.Client | undefined;
  try {
    const sandbox = await startSandboxProcess(dir);
    running.push(sandbox.process);
    const sandboxUrl = sandbox.url;
    const { credentials } = sandbox;

    // The seeded orders belong to accounts `main` and `eu`; the environment always configures
    // a `default` account as well, and each account needs its own user id.
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const accountEnv = (prefix: string, userId: string) => ({
      [`PTS_${prefix}USER_ID`]: userId,
      [`PTS_${prefix}SAFECODE`]: credentials.safecode,
      [`PTS_${prefix}GUID`]: credentials.guid,
      [`PTS_${prefix}TRANSACTION_SECRET`]: credentials.transactionSecret,
      [`PTS_${prefix}MERCHANT_PRIVATE_KEY`]: credentials.merchantPrivateKeyPem,
      [`PTS_${prefix}GATEWAY_PUBLIC_KEY`]: credentials.gatewayPublicKeyPem,
    });
    const service = NodeProcess.start(
      resolve('dist/src/main.js'),
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: benchUrl.toString(),
        PTS_DATA_DIR: join(dir, 'service-data'),
        PTS_BASE_URL: sandboxUrl,
        PTS_ACCOUNTS: 'main,eu',
        ...accountEnv('', `${credentials.userId}8`),
        ...accountEnv('MAIN_', credentials.userId),
        ...accountEnv('EU_', `${credentials.userId}9`),
        PTS_CALLBACK_BASE_URL: base,
        ADMIN_API_KEYS: `admin:${KEY}`,
        ADMIN_RATE_LIMIT: '0',
        OPS_ACCESS: 'open',
        LOG_LEVEL: 'error',
      },
      join(dir, 'service.log'),
      SERVICE_NODE_ARGS,
    );
    running.push(service);
    // The service runs the migrations before it answers.
    await service.waitForHttp(`${base}/health`);

    db = new pg.Client({ connectionString: benchUrl.toString() });
    await db.connect();
    if (process.env.BENCH_WITHOUT_SEARCH_INDEXES === '1') {
      await db.query(`DROP INDEX ix_pts_orders_order_id`);
      await db.query(`DROP INDEX ix_pts_orders_flags`);
      console.log('dropped ix_pts_orders_order_id and ix_pts_orders_flags');
    }
    let started = performance.now();
    await seed(db, ORDERS);
    console.log(
      `seeded ${ORDERS} orders in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    // Cursors deep into the list, collected once: page 2, 20 and 100 of 50.
    const cursors = await walk(base, 100);
    const day = new Date(Date.now() - 7 * 86_400_000);
    const cases: Case[] = [
      { name: 'first page (50)', query: () => ({}) },
      { name: 'first page (200)', query: () => ({ limit: '200' }) },
      { name: 'page 2 (cursor)', query: () => ({ cursor: cursors[1] }) },
      { name: 'page 20 (cursor)', query: () => ({ cursor: cursors[19] }) },
      { name: 'page 100 (cursor)', query: () => ({ cursor: cursors[99] }) },
      { name: 'status=success', query: () => ({ status: 'success' }) },
      { name: 'status=unknown (rare)', query: () => ({ status: 'unknown' }) },
      {
        name: 'kind=withdraw&status=waiting',
        query: () => ({ kind: 'withdraw', status: 'waiting' }),
      },
      { name: 'account=eu', query: () => ({ account: 'eu' }) },
      { name: 'flag=amount_mismatch', query: () => ({ flag: 'amount_mismatch' }) },
      {
        name: 'flag + status, no match',
        query: () => ({ flag: 'amount_mismatch', status: 'created' }),
      },
      {
        name: 'one day (from/to)',
        query: () => ({
          from: day.toISOString(),
          to: new Date(day.getTime() + 86_400_000).toISOString(),
        }),
      },
      { name: 'search order id', query: () => ({ search: orderId(randomInt(ORDERS)) }) },
      {
        name: 'search transaction id',
        query: () => ({ search: transactionId(randomInt(ORDERS)) }),
      },
      { name: 'search, no match', query: () => ({ search: 'NOBODY-1' }) },
      { name: 'GET /admin/overview', path: '/admin/overview', query: () => ({}) },
    ];

    console.log(
      `\nGET /admin/orders with ${ORDERS} orders: ${RUNS} runs per case after ${WARMUP} warm-up, budget ${BUDGET_MS} ms (p95)\n`,
    );
    console.log(
      pad('case', 32) + pad('median', 10) + pad('p95', 10) + pad('max', 10) + 'items  verdict',
    );
    let failed = 0;
    for (const c of cases) {
      const times: number[] = [];
      let items = 0;
      for (let i = 0; i < WARMUP + RUNS; i++) {
        started = performance.now();
        const body = await get(base, c.path ?? '/admin/orders', c.query());
        const ms = performance.now() - started;
        if (i >= WARMUP) times.push(ms);
        items = Array.isArray(body.items) ? body.items.length : -1;
      }
      times.sort((a, b) => a - b);
      const p95 = times[Math.ceil(times.length * 0.95) - 1];
      const ok = p95 < BUDGET_MS;
      if (!ok) failed += 1;
      console.log(
        pad(c.name, 32) +
          pad(`${times[Math.floor(times.length / 2)].toFixed(1)} ms`, 10) +
          pad(`${p95.toFixed(1)} ms`, 10) +
          pad(`${times[times.length - 1].toFixed(1)} ms`, 10) +
          pad(items < 0 ? '-' : String(items), 7) +
          (ok ? 'ok' : 'OVER BUDGET'),
      );
    }
    const { rows: plans } = await db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, COSTS OFF) SELECT id FROM pts_orders WHERE flags @> ARRAY['amount_mismatch']::text[] ORDER BY created_at DESC, id DESC LIMIT 51`,
    );
    console.log(
      `\nplan of the flag filter:\n${plans.map((p) => `  ${p['QUERY PLAN']}`).join('\n')}`,
    );
    console.log(
      `\ndone; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    if (failed > 0) process.exitCode = 1;
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  } finally {
    await db?.end();
    for (const p of running.reverse()) await p.stop();
    await sql(url, `DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  }
}

function orderId(n: number): string {
  return `BENCH-${String(n).padStart(7, '0')}`;
}

function transactionId(n: number): string {
  return `P9${String(n).padStart(18, '0')}`;
}

/**
 * 100k orders over the last 30 days: four in five `main`, a fifth `eu`; one in ten a
 * withdrawal; statuses spread as a live service has them; one in a thousand flagged.
 */
async function seed(db: pg.Client, count: number): Promise<void> {
  await db.query(
    `INSERT INTO pts_orders (account, user_id, api_version, kind, order_id, transaction_id, status,
       pts_status, amount, currency, channel, flags, created_at, updated_at)
     SELECT CASE WHEN n % 5 = 0 THEN 'eu' ELSE 'main' END, '10001', 'v2',
       CASE WHEN n % 10 = 0 THEN 'withdraw' ELSE 'payment' END,
       'BENCH-' || lpad(n::text, 7, '0'), 'P9' || lpad(n::text, 18, '0'),
       (ARRAY['success','success','success','success','success','failed','waiting','expired','processing','rejected'])[1 + (n / 10) % 10],
       NULL, (100 + n % 900)::numeric + 0.5, 'PHP', 'QRPH',
       CASE WHEN n % 1000 = 7 THEN ARRAY['amount_mismatch'] ELSE '{}'::text[] END,
       now() - (n * interval '30 days' / $1), now() - (n * interval '30 days' / $1)
     FROM generate_series(1, $1) AS n`,
    [count],
  );
  // A handful in a status nobody filters by often.
  await db.query(
    `UPDATE pts_orders SET status = 'unknown' WHERE order_id IN (SELECT order_id FROM pts_orders WHERE kind = 'payment' ORDER BY order_id LIMIT 40)`,
  );
  await db.query(`ANALYZE pts_orders`);
}

async function walk(base: string, pages: number): Promise<string[]> {
  const cursors: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < pages; i++) {
    const body = await get(base, '/admin/orders', cursor ? { cursor } : {});
    cursors.push(cursor ?? '');
    cursor = body.nextCursor as string;
  }
  return cursors;
}

async function get(base: string, path: string, query: Record<string, string>) {
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(query)) if (v) url.searchParams.set(k, v);
  const res = await fetch(url, { headers: { Authorization: `Bearer ${KEY}` } });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function randomInt(max: number): number {
  return 1 + Math.floor(Math.random() * max);
}

function pad(text: string, width: number): string {
  return text.padEnd(width);
}

void main();
