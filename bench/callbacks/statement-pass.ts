import type pg from 'pg';
import { BENCH_SERVER } from '../e2e/bench-database.js';
import type { LoadDriver } from '../e2e/load-driver.js';
import { sleep } from '../e2e/node-process.js';
import { PgStatementCounter, type StatementCounts } from '../e2e/pg-statement-counter.js';
import { callbackBody, type CallbackBenchKeys } from './callback-fixtures.js';
import type { RunningSide } from './callback-sides.js';

const APPLIED = 300;
const IDLE_MS = 2000;
const AFTER_MS = 3000;
const SLICE_MS = 1500;

interface PathCounts {
  path: string;
  served: number;
  windowMs: number;
  /** Statements per second with no load at all: the job engine's polling. */
  idle: StatementCounts;
  during: StatementCounts;
  /** The AFTER_MS after the load: outbox delivery and whatever else it left behind. */
  after: StatementCounts;
}

export interface StatementPass {
  sides: { side: string; paths: PathCounts[] }[];
}

/**
 * The SQL statements per callback, counted on the wire: each side is restarted with its pool
 * going through a PgStatementCounter (bench/e2e/pg-statement-counter.ts), and runs each path
 * alone while the other side idles: a quiet window first (background rate), the load, then a
 * quiet window after it (work the load left behind). Not a throughput measurement: the proxy
 * adds a hop to every round trip, so the timed phases run without it.
 */
export async function countStatements(
  db: pg.Client,
  driver: LoadDriver,
  keys: CallbackBenchKeys,
  movable: number,
  size: number,
  start: (
    servicePort: number,
    barePort: number,
  ) => Promise<{ service: RunningSide; bare: RunningSide }>,
): Promise<StatementPass> {
  const server = new URL(BENCH_SERVER);
  const target = { host: server.hostname, port: Number(server.port || 5432) };
  const counters = {
    service: await PgStatementCounter.start(target),
    bare: await PgStatementCounter.start(target),
  };
  const applied = Array.from({ length: APPLIED }, (_, i) => callbackBody(keys, movable + 1 + i));
  const bad = Array.from({ length: 100 }, (_, i) =>
    callbackBody(keys, movable + size - i, keys.impostor),
  );
  const sides: StatementPass['sides'] = [];
  try {
    const running = await start(counters.service.port, counters.bare.port);
    for (const side of ['service', 'bare'] as const) {
      const counter = counters[side];
      const url = `${running[side].url}/pts/callback/payment`;
      const paths: PathCounts[] = [];
      for (const path of ['applied', 'duplicate', 'rejected'] as const) {
        const job = `count-${side}-${path}`;
        driver.define({
          kind: 'http',
          name: job,
          url,
          headers: { 'Content-Type': 'application/json' },
          bodies: path === 'rejected' ? bad : applied,
          mode: path === 'applied' ? 'once' : 'cycle',
          expect:
            path === 'rejected'
              ? { status: 401, body: 'FAILED' }
              : { status: 200, body: 'SUCCESS' },
        });
        counter.reset();
        await sleep(IDLE_MS);
        const idle = counter.snapshot();
        counter.reset();
        const result = await driver.slice(job, path === 'applied' ? 120_000 : SLICE_MS, 32);
        const during = counter.snapshot();
        counter.reset();
        await sleep(AFTER_MS);
        const after = counter.snapshot();
        if (result.failed > 0) {
          throw new Error(`statement pass, ${side} ${path}: ${result.failures.join(' | ')}`);
        }
        paths.push({ path, served: result.ok, windowMs: result.wallMs, idle, during, after });
      }
      sides.push({ side, paths });
    }
    const moved = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM public.pts_orders WHERE status = 'success' AND order_id > $1`,
      [`BENCH-${String(movable).padStart(8, '0')}`],
    );
    if (Number(moved.rows[0].n) !== APPLIED) {
      throw new Error(
        `statement pass: ${moved.rows[0].n} service orders moved, expected ${APPLIED}`,
      );
    }
  } finally {
    await counters.service.close();
    await counters.bare.close();
  }
  return { sides };
}

export function printStatementCounts(pass: StatementPass): void {
  console.log(
    `\n=== SQL statements per callback (counted on the wire, separate pass; Q messages + Execute, BEGIN/COMMIT included)`,
  );
  for (const { side, paths } of pass.sides) {
    for (const p of paths) {
      const per = (n: number) => (n / p.served).toFixed(2);
      const idleRate = (p.idle.total / IDLE_MS) * 1000;
      console.log(
        `  ${side.padEnd(7)} ${p.path.padEnd(9)} n=${p.served}: ${per(p.during.inCallbackTransactions)} in the callback's transaction` +
          ` (${p.during.callbackTransactions} transactions); other during the load ${per(p.during.other)}` +
          ` (idle rate ${idleRate.toFixed(1)}/s would give ${per((idleRate * p.windowMs) / 1000)}); after it (${AFTER_MS / 1000} s) ${per(p.after.total)}` +
          `; total ${per(p.during.total + p.after.total)}`,
      );
    }
  }
  for (const { side, paths } of pass.sides) {
    for (const p of paths) {
      console.log(`\n  ${side} ${p.path}: one callback's transaction:`);
      for (const s of p.during.sample) console.log(`    ${s}`);
      const other = [...p.during.otherByText, ...p.after.otherByText].slice(0, 6);
      if (other.length > 0) {
        console.log(`  other statements (during load, then after), most frequent:`);
        for (const [text, n] of other) console.log(`    ${String(n).padStart(5)}  ${text}`);
      }
    }
  }
}
