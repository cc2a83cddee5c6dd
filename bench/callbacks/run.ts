/**
 * `npm run bench:callbacks [-- --quick]`: the callback path of the built service, end to end,
 * against a bare `node:http` + `pg` handler doing the same verification and transaction
 * (bench/callbacks/bare-callback-server.ts). Both run as child processes on database
 * `pts_bench` (dropped and created at start); a third process generates the load. Three paths:
 * applied (each callback moves a distinct `waiting` order to `success`), duplicate (the same
 * callbacks again) and rejected (bad signature); with 1k and 1M orders in the table. Then the
 * SQL statements per callback, counted on the wire in a separate pass. See bench/README.md.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { connectBenchDatabase, count, recreateBenchDatabase } from '../e2e/bench-database.js';
import {
  failureText,
  formatStats,
  interleave,
  ratio,
  type PhaseTiming,
  type Side,
  type SideStats,
} from '../e2e/interleave.js';
import { LoadDriver } from '../e2e/load-driver.js';
import { RssSampler, sleep } from '../e2e/node-process.js';
import {
  callbackBody,
  createBareTables,
  generateBenchKeys,
  seedOrders,
  type CallbackBenchKeys,
} from './callback-fixtures.js';
import {
  BARE_POOL_SIZE,
  logDir,
  startBare,
  startService,
  type RunningSide,
} from './callback-sides.js';
import { countStatements, printStatementCounts } from './statement-pass.js';

const QUICK = process.argv.includes('--quick');
const TIMING: PhaseTiming = QUICK
  ? { warmupMs: 500, sliceMs: 1000, rounds: 2, concurrency: 32 }
  : { warmupMs: 1000, sliceMs: 2500, rounds: 4, concurrency: 32 };
const SIZES = QUICK ? [1_000] : [1_000, 1_000_000];
/**
 * Orders the applied path may move, per side, on top of the size: each applied callback needs
 * a `waiting` order of its own, and the bare handler moves ~1,000 a second.
 */
const MOVABLE = QUICK ? 6_000 : 20_000;
const BAD_SIGNATURES = 200;
const DRAIN_CAP_MS = 60_000;

class CheckFailed extends Error {}

interface SizeResult {
  size: number;
  applied: SideStats[];
  duplicate: SideStats[];
  rejected: SideStats[];
  rss: { maxRssMb: number; hwmMb: number };
  outbox: { maxAfterSlice: number; atEnd: number; drainSeconds: number | undefined };
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(
    `bench:callbacks${QUICK ? ' --quick' : ''}: node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ` +
      `concurrency ${TIMING.concurrency}, ${TIMING.rounds} rounds of ${TIMING.sliceMs} ms per side after ${TIMING.warmupMs} ms warm-up; logs in ${logDir}`,
  );
  const keys = generateBenchKeys();
  let t = performance.now();
  const applied = Array.from({ length: MOVABLE }, (_, i) => callbackBody(keys, i + 1));
  console.log(`signed ${MOVABLE} callbacks in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  await recreateBenchDatabase();
  const db = await connectBenchDatabase();
  const driver = await LoadDriver.start(new URL('../e2e/http-load-child.ts', import.meta.url));
  const results: SizeResult[] = [];
  let running: RunningSide[] = [];
  try {
    // The service's migrations make the tables; then the bare copies.
    const first = await startService(keys);
    running = [first];
    await createBareTables(db);
    for (const [index, size] of SIZES.entries()) {
      if (running.length > 0) await Promise.all(running.map((r) => r.process.stop()));
      t = performance.now();
      await seedOrders(db, keys, MOVABLE + size);
      console.log(
        `\n=== ${size.toLocaleString('en')} orders (+ ${MOVABLE.toLocaleString('en')} to move): seeded ${(MOVABLE + size).toLocaleString('en')} per side in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
      const service = await startService(keys);
      const bare = await startBare(keys);
      running = [service, bare];
      results.push(await measureSize(db, driver, keys, service, bare, size, applied));
      if (index === 0) {
        await Promise.all(running.map((r) => r.process.stop()));
        running = [];
        // Orders past the movable ones are still `waiting`: the counting pass moves some.
        await countStatements(db, driver, keys, MOVABLE, size, async (servicePort, barePort) => {
          const s = await startService(keys, servicePort);
          const b = await startBare(keys, barePort);
          running = [s, b];
          return { service: s, bare: b };
        }).then(printStatementCounts);
        await Promise.all(running.map((r) => r.process.stop()));
        running = [];
      }
    }
    printSummary(results);
    console.log(
      `\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } catch (error) {
    if (error instanceof CheckFailed) {
      console.error(`\nCHECK FAILED: ${error.message}`);
      process.exitCode = 1;
    } else {
      throw error;
    }
  } finally {
    driver.stop();
    await Promise.all(running.map((r) => r.process.stop()));
    await db.end();
  }
}

async function measureSize(
  db: pg.Client,
  driver: LoadDriver,
  keys: CallbackBenchKeys,
  service: RunningSide,
  bare: RunningSide,
  size: number,
  applied: string[],
): Promise<SizeResult> {
  const json = { 'Content-Type': 'application/json' };
  const path = '/pts/callback/payment';
  const sides = (job: string): Side[] => [
    { name: 'service', driver, job: `service-${job}-${size}` },
    { name: 'bare', driver, job: `bare-${job}-${size}` },
  ];
  /** The load of one path for both sides: each side's bodies, the answer it must give. */
  const define = (
    job: string,
    bodies: (name: 'service' | 'bare') => string[],
    mode: 'once' | 'cycle',
    expect: { status: number; body: string },
  ) => {
    for (const [name, side] of [
      ['service', service],
      ['bare', bare],
    ] as const) {
      driver.define({
        kind: 'http',
        name: `${name}-${job}-${size}`,
        url: `${side.url}${path}`,
        headers: json,
        bodies: bodies(name),
        mode,
        expect,
      });
    }
  };
  /** Each side stored one callback row per answer, with this outcome. */
  const expectStored = async (outcome: string, served: [number, number]) => {
    for (const [i, schema] of (['public', 'bare'] as const).entries()) {
      await expectCount(
        db,
        `SELECT count(*) AS n FROM ${schema}.pts_callbacks WHERE outcome = '${outcome}'`,
        served[i],
        `${schema === 'public' ? 'service' : 'bare'} callbacks stored as ${outcome}`,
      );
    }
  };
  define('applied', () => applied, 'once', { status: 200, body: 'SUCCESS' });
  const rss = new RssSampler(service.process);
  rss.start();

  // Applied: each callback moves a distinct order waiting -> success.
  let maxAfterSlice = 0;
  let cpu = cpuMeter(db, service, bare);
  const appliedStats = await interleave(sides('applied'), TIMING, async (side) => {
    if (side.name === 'service') maxAfterSlice = Math.max(maxAfterSlice, await pending(db));
  });
  printPhase('applied', size, appliedStats, await cpu());
  check(appliedStats);
  const atEnd = await pending(db);
  const drainSeconds = await drain(db);
  console.log(
    `  outbox: ${maxAfterSlice} pending at most after a service slice, ${atEnd} at the end of the phase; ` +
      (drainSeconds === undefined
        ? `NOT drained within ${DRAIN_CAP_MS / 1000} s (${await pending(db)} left)`
        : `drained in ${drainSeconds.toFixed(1)} s`),
  );
  const [svc, bar] = appliedStats;
  await expectCount(
    db,
    `SELECT count(*) AS n FROM public.pts_orders WHERE status = 'success'`,
    svc.used,
    'service orders moved to success',
  );
  await expectCount(
    db,
    `SELECT count(*) AS n FROM bare.pts_orders WHERE status = 'success'`,
    bar.used,
    'bare orders moved to success',
  );
  await expectStored('applied', [svc.used, bar.used]);

  // Duplicates: the callbacks each side applied, sent again.
  const usedBy = { service: svc.used, bare: bar.used };
  define('duplicate', (name) => applied.slice(0, usedBy[name]), 'cycle', {
    status: 200,
    body: 'SUCCESS',
  });
  cpu = cpuMeter(db, service, bare);
  const duplicateStats = await interleave(sides('duplicate'), TIMING);
  printPhase('duplicate', size, duplicateStats, await cpu());
  check(duplicateStats);
  const [svcDup, barDup] = duplicateStats;
  await expectStored('duplicate', [
    svcDup.requests + svcDup.warmupRequests,
    barDup.requests + barDup.warmupRequests,
  ]);
  await expectCount(
    db,
    `SELECT count(*) AS n FROM public.pts_orders WHERE status = 'success'`,
    svc.used,
    'service orders in success after duplicates',
  );

  // Rejected: signed with a key nobody configured, for orders still waiting.
  const last = MOVABLE + size;
  const bad = Array.from({ length: BAD_SIGNATURES }, (_, i) =>
    callbackBody(keys, last - i, keys.impostor),
  );
  define('rejected', () => bad, 'cycle', { status: 401, body: 'FAILED' });
  const waitingBefore = await count(
    db,
    `SELECT count(*) AS n FROM public.pts_orders WHERE status = 'waiting'`,
  );
  cpu = cpuMeter(db, service, bare);
  const rejectedStats = await interleave(sides('rejected'), TIMING);
  printPhase('rejected', size, rejectedStats, await cpu());
  check(rejectedStats);
  const [svcRej, barRej] = rejectedStats;
  await expectStored('rejected', [
    svcRej.requests + svcRej.warmupRequests,
    barRej.requests + barRej.warmupRequests,
  ]);
  await expectCount(
    db,
    `SELECT count(*) AS n FROM public.pts_orders WHERE status = 'waiting'`,
    waitingBefore,
    'service orders still waiting after bad signatures',
  );

  const memory = rss.stop();
  console.log(
    `  service RSS: max sampled ${memory.maxRssMb.toFixed(0)} MB, high-water mark (VmHWM) ${memory.hwmMb.toFixed(0)} MB`,
  );
  return {
    size,
    applied: appliedStats,
    duplicate: duplicateStats,
    rejected: rejectedStats,
    rss: memory,
    outbox: { maxAfterSlice, atEnd, drainSeconds },
  };
}

async function pending(db: pg.Client): Promise<number> {
  return count(
    db,
    `SELECT count(*) AS n FROM public.pts_outbox WHERE delivered_at IS NULL AND dead_at IS NULL`,
  );
}

/** Seconds until no event is pending, or undefined after DRAIN_CAP_MS. */
async function drain(db: pg.Client): Promise<number | undefined> {
  const start = performance.now();
  while (performance.now() - start < DRAIN_CAP_MS) {
    if ((await pending(db)) === 0) return (performance.now() - start) / 1000;
    await sleep(250);
  }
  return undefined;
}

function check(stats: SideStats[]): void {
  for (const s of stats) {
    const failure = failureText(s);
    if (failure) throw new CheckFailed(failure);
    if (s.requests === 0) throw new CheckFailed(`${s.side} answered nothing`);
  }
}

async function expectCount(
  db: pg.Client,
  sql: string,
  expected: number,
  what: string,
): Promise<void> {
  const actual = await count(db, sql);
  if (actual !== expected) throw new CheckFailed(`${what}: ${actual}, expected ${expected}`);
}

/**
 * CPU time each side's process used from now until the returned function is called: with the
 * answers of a phase, CPU ms per callback, which the neighbours disturb far less than req/s.
 * The service's includes its background work (outbox, pg-boss) during the phase.
 */
function cpuMeter(db: pg.Client, service: RunningSide, bare: RunningSide): () => Promise<CpuUse> {
  const start = [service.process.cpuMs(), bare.process.cpuMs()];
  const backendsAtStart = backendCpu(db);
  return async () => {
    const node: [number, number] = [
      service.process.cpuMs() - start[0],
      bare.process.cpuMs() - start[1],
    ];
    const before = await backendsAtStart;
    const after = await backendCpu(db);
    const postgres: [number, number] = [0, 0];
    for (const [pid, { side, ms }] of after) {
      postgres[side === 'bare' ? 1 : 0] += ms - (before.get(pid)?.ms ?? 0);
    }
    return { node, postgres };
  };
}

/** CPU ms of each side's process and of the PostgreSQL backends serving it: [service, bare]. */
interface CpuUse {
  node: [number, number];
  postgres: [number, number];
}

/**
 * CPU used so far by each PostgreSQL backend of the bench database (same host: /proc), by
 * side: the bare handler's pool names itself `pts-bench-bare`, the rest is the service's.
 * A backend that ends during a phase takes its CPU with it (pools keep theirs open).
 */
async function backendCpu(db: pg.Client): Promise<Map<number, { side: string; ms: number }>> {
  const { rows } = await db.query<{ pid: number; application_name: string }>(
    `SELECT pid, application_name FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  const cpu = new Map<number, { side: string; ms: number }>();
  for (const { pid, application_name } of rows) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * 10;
      cpu.set(pid, { side: application_name === 'pts-bench-bare' ? 'bare' : 'service', ms });
    } catch {
      // ended meanwhile
    }
  }
  return cpu;
}

function printPhase(phase: string, size: number, [service, bare]: SideStats[], cpu: CpuUse): void {
  const perAnswer = (ms: number, stats: SideStats) => ms / (stats.requests + stats.warmupRequests);
  console.log(`\n  ${phase} (${size.toLocaleString('en')} orders)`);
  console.log(
    `    service  ${formatStats(service)}  per round ${service.perRound.map((r) => r.toFixed(0)).join(' ')}`,
  );
  console.log(
    `    bare     ${formatStats(bare)}  per round ${bare.perRound.map((r) => r.toFixed(0)).join(' ')}`,
  );
  console.log(
    `    service / bare: req/s ${ratio(service.rps, bare.rps)}, p50 ${ratio(service.p50, bare.p50)}x, p99 ${ratio(service.p99, bare.p99)}x` +
      (service.exhausted || bare.exhausted ? '  (ran out of orders to move: slice cut short)' : ''),
  );
  const line = (what: string, [s, b]: [number, number]) => {
    const serviceMs = perAnswer(s, service);
    const bareMs = perAnswer(b, bare);
    return `${what} service ${serviceMs.toFixed(2)} ms, bare ${bareMs.toFixed(2)} ms (bare / service ${ratio(bareMs, serviceMs)})`;
  };
  console.log(`    CPU per callback: ${line('node', cpu.node)}; ${line('postgres', cpu.postgres)}`);
}

function printSummary(results: SizeResult[]): void {
  console.log(
    `\n=== summary (bare pool ${BARE_POOL_SIZE}; the service's pool is its default, see bench/README.md)`,
  );
  console.log(
    '| orders | path | service req/s | bare req/s | ratio req/s | service p50 / p99 ms | bare p50 / p99 ms | p50 ratio | p99 ratio |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    for (const [path, [s, b]] of [
      ['applied', r.applied],
      ['duplicate', r.duplicate],
      ['rejected', r.rejected],
    ] as const) {
      console.log(
        `| ${label(r.size)} | ${path} | ${s.rps.toFixed(0)} | ${b.rps.toFixed(0)} | **${ratio(s.rps, b.rps)}** | ` +
          `${s.p50.toFixed(1)} / ${s.p99.toFixed(1)} | ${b.p50.toFixed(1)} / ${b.p99.toFixed(1)} | ${ratio(s.p50, b.p50)} | ${ratio(s.p99, b.p99)} |`,
      );
    }
  }
  if (results.length === 2) {
    const [small, large] = results;
    console.log(`\np99 with ${label(large.size)} orders / p99 with ${label(small.size)} orders:`);
    for (const path of ['applied', 'duplicate', 'rejected'] as const) {
      console.log(
        `  ${path.padEnd(9)} service ${ratio(large[path][0].p99, small[path][0].p99)}, bare ${ratio(large[path][1].p99, small[path][1].p99)}`,
      );
    }
  }
  for (const r of results) {
    console.log(
      `${label(r.size)}: service RSS max ${r.rss.maxRssMb.toFixed(0)} MB, VmHWM ${r.rss.hwmMb.toFixed(0)} MB; ` +
        `outbox after applied: ${r.outbox.atEnd} pending, ` +
        (r.outbox.drainSeconds === undefined
          ? 'not drained in 60 s'
          : `drained in ${r.outbox.drainSeconds.toFixed(1)} s`),
    );
  }
}

function label(size: number): string {
  return size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`;
}

void main();
