/**
 * `npm run bench:creates [-- --quick]`: `POST /admin/payments` on the built service against the
 * built sandbox, both child processes (`node dist/src/main.js`, `node dist/src/sandbox/main.js`
 * with its state file, as `npm start` runs it), against a bare client
 * (bench/creates/bare-create-client.ts) that seals the same create request and posts it to the
 * same sandbox with keep-alive. Interleaved slices; req/s, p50, p99 and the ratio, and req/s per
 * round to show whether creates slow down as the sandbox's state grows. See bench/README.md.
 *
 * `--profile`: the service runs under `node --cpu-prof`, its `.cpuprofile` in `<logDir>/profiles`,
 * written when it exits; `tsx bench/e2e/cpu-profile-summary.ts <file>` summarises it.
 */
import { statSync, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  benchDatabaseUrl,
  connectBenchDatabase,
  count,
  recreateBenchDatabase,
} from '../e2e/bench-database.js';
import {
  failureText,
  formatStats,
  interleave,
  ratio,
  type PhaseTiming,
} from '../e2e/interleave.js';
import { CpuLedger, postgresCpuMs, processCpuMs } from '../e2e/cpu-ledger.js';
import { LoadDriver } from '../e2e/load-driver.js';
import { startSandboxProcess } from '../e2e/sandbox-process.js';
import { freePort, NodeProcess, RssSampler, SERVICE_NODE_ARGS } from '../e2e/node-process.js';

const QUICK = process.argv.includes('--quick');
const PROFILE = process.argv.includes('--profile');
const TIMING: PhaseTiming = QUICK
  ? { warmupMs: 500, sliceMs: 1000, rounds: 2, concurrency: 32 }
  : { warmupMs: 1000, sliceMs: 3000, rounds: 8, concurrency: 32 };
const ADMIN_KEY = `bench-admin-key-${process.pid}-0123456789`;

async function main(): Promise<void> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'pts-bench-creates-'));
  console.log(
    `bench:creates${QUICK ? ' --quick' : ''}${PROFILE ? ' --profile' : ''}: node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ` +
      `concurrency ${TIMING.concurrency}, ${TIMING.rounds} rounds of ${TIMING.sliceMs} ms per side after ${TIMING.warmupMs} ms warm-up; logs in ${dir}`,
  );
  await recreateBenchDatabase();
  const running: NodeProcess[] = [];
  const drivers: LoadDriver[] = [];
  try {
    const sandbox = await startSandboxProcess(dir);
    running.push(sandbox.process);
    const sandboxUrl = sandbox.url;
    const { credentials } = sandbox;

    const port = await freePort();
    const serviceUrl = `http://127.0.0.1:${port}`;
    const service = NodeProcess.start(
      resolve('dist/src/main.js'),
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: benchDatabaseUrl(),
        PTS_DATA_DIR: join(dir, 'service-data'),
        PTS_BASE_URL: sandboxUrl,
        PTS_USER_ID: credentials.userId,
        PTS_SAFECODE: credentials.safecode,
        PTS_GUID: credentials.guid,
        PTS_TRANSACTION_SECRET: credentials.transactionSecret,
        PTS_MERCHANT_PRIVATE_KEY: credentials.merchantPrivateKeyPem,
        PTS_GATEWAY_PUBLIC_KEY: credentials.gatewayPublicKeyPem,
        PTS_CALLBACK_BASE_URL: serviceUrl,
        ADMIN_API_KEYS: `admin:${ADMIN_KEY}`,
        CALLBACK_RATE_LIMIT: '0',
        ADMIN_RATE_LIMIT: '0',
        OPS_ACCESS: 'open',
        // Keeps the reconciliation queries (first one a minute after each create by default)
        // out of the measurement: only the create path is timed.
        PTS_RECONCILE_DELAYS: '1h',
      },
      join(dir, 'service.log'),
      [
        ...SERVICE_NODE_ARGS,
        ...(PROFILE ? ['--cpu-prof', '--cpu-prof-dir', join(dir, 'profiles')] : []),
      ],
    );
    running.push(service);
    await service.waitForHttp(`${serviceUrl}/health`);

    const load = await LoadDriver.start(new URL('../e2e/http-load-child.ts', import.meta.url));
    const bare = await LoadDriver.start(new URL('./bare-create-client.ts', import.meta.url));
    drivers.push(load, bare);
    load.define({
      kind: 'http',
      name: 'service-create',
      url: `${serviceUrl}/admin/payments`,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_KEY}` },
      bodies: [JSON.stringify({ amount: '100.50', currency: 'PHP', channel: 'QRPH' })],
      mode: 'cycle',
      expect: { status: 201 },
    });
    bare.define({
      kind: 'sealed-create',
      name: 'bare-create',
      sandboxUrl,
      ...credentials,
      callbackUrl: `${serviceUrl}/pts/callback/payment`,
    });

    const serviceRss = new RssSampler(service);
    const sandboxRss = new RssSampler(sandbox.process);
    serviceRss.start();
    sandboxRss.start();
    const cpu = new CpuLedger([
      { name: 'service', cpuMs: () => service.cpuMs() },
      { name: 'sandbox', cpuMs: () => sandbox.process.cpuMs() },
      { name: 'load generator', cpuMs: () => processCpuMs(load.pid) },
      { name: 'bare client', cpuMs: () => processCpuMs(bare.pid) },
      { name: 'PostgreSQL', cpuMs: postgresCpuMs },
    ]);
    const stats = await interleave(
      [
        { name: 'service', driver: load, job: 'service-create' },
        { name: 'bare', driver: bare, job: 'bare-create' },
      ],
      TIMING,
      async (side, _result, round) => {
        if (round < 0) cpu.reset();
        else cpu.charge(side.name);
      },
    );
    const [s, b] = stats;
    for (const side of stats) {
      const failure = failureText(side);
      if (failure) throw new Error(`CHECK FAILED: ${failure}`);
    }
    const db = await connectBenchDatabase();
    const waiting = await count(
      db,
      `SELECT count(*) AS n FROM pts_orders WHERE status = 'waiting'`,
    );
    await db.end();
    if (waiting !== s.requests + s.warmupRequests) {
      throw new Error(
        `CHECK FAILED: ${waiting} orders waiting, the service answered ${s.requests + s.warmupRequests} creates`,
      );
    }
    const stateBytes = statSync(join(dir, 'sandbox', 'state.json')).size;
    const svcMem = serviceRss.stop();
    const sbxMem = sandboxRss.stop();

    console.log(
      `\n  POST /admin/payments (service) vs sealed create (bare client), both to the sandbox`,
    );
    console.log(`    service  ${formatStats(s)}`);
    console.log(`    bare     ${formatStats(b)}`);
    console.log(
      `    service / bare: req/s ${ratio(s.rps, b.rps)}, p50 ${ratio(s.p50, b.p50)}x, p99 ${ratio(s.p99, b.p99)}x`,
    );
    console.log(
      `    req/s per round (in order): service ${s.perRound.map((r) => r.toFixed(0)).join(' ')}`,
    );
    console.log(
      `                                bare    ${b.perRound.map((r) => r.toFixed(0)).join(' ')}`,
    );
    const trend = (r: number[]) => ratio(r.at(-1)!, r[0]);
    console.log(
      `    last round / first round: service ${trend(s.perRound)}, bare ${trend(b.perRound)}; ` +
        `sandbox orders at the end ${(s.requests + s.warmupRequests + b.requests + b.warmupRequests).toLocaleString('en')}, state file ${(stateBytes / 1024).toFixed(0)} KB`,
    );
    console.log(`    CPU ms per create, service side: ${cpu.perRequest('service', s.requests)}`);
    console.log(`    CPU ms per create, bare side:    ${cpu.perRequest('bare', b.requests)}`);
    console.log(
      `    RSS max / VmHWM: service ${svcMem.maxRssMb.toFixed(0)} / ${svcMem.hwmMb.toFixed(0)} MB, sandbox ${sbxMem.maxRssMb.toFixed(0)} / ${sbxMem.hwmMb.toFixed(0)} MB`,
    );
    console.log(
      `\n| creates | service req/s | bare req/s | ratio req/s | service p50 / p99 ms | bare p50 / p99 ms | p50 ratio | p99 ratio |`,
    );
    console.log('|---|---|---|---|---|---|---|---|');
    console.log(
      `| POST /admin/payments | ${s.rps.toFixed(0)} | ${b.rps.toFixed(0)} | **${ratio(s.rps, b.rps)}** | ${s.p50.toFixed(1)} / ${s.p99.toFixed(1)} | ` +
        `${b.p50.toFixed(1)} / ${b.p99.toFixed(1)} | ${ratio(s.p50, b.p50)} | ${ratio(s.p99, b.p99)} |`,
    );
    console.log(
      `\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  } finally {
    for (const driver of drivers) driver.stop();
    for (const p of running.reverse()) await p.stop();
  }
}

void main();
