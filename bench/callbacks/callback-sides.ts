import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchDatabaseUrl } from '../e2e/bench-database.js';
import { freePort, NodeProcess, SERVICE_NODE_ARGS } from '../e2e/node-process.js';
import type { CallbackBenchKeys } from './callback-fixtures.js';

export const SERVICE_ENTRY = resolve('dist/src/main.js');
const BARE_ENTRY = resolve('bench/callbacks/bare-callback-server.ts');
export const BARE_POOL_SIZE = Number(process.env.BENCH_BARE_POOL ?? 20);
/**
 * `--profile`: the service runs under `node --cpu-prof`, one `.cpuprofile` per service process
 * in `<logDir>/profiles`, written when it exits; `tsx bench/e2e/cpu-profile-summary.ts <file>`
 * sums it up. The profiler costs the service some CPU: ratios of a profiled run are not results.
 */
export const PROFILE = process.argv.includes('--profile');

export const logDir = mkdtempSync(join(tmpdir(), 'pts-bench-callbacks-'));

export interface RunningSide {
  process: NodeProcess;
  url: string;
}

/**
 * The built service (`node dist/src/main.js`) as production runs it: PTS_BASE_URL and the
 * account's credentials set, so no sandbox and no embedded PostgreSQL. The gateway URL points
 * at a closed port: the callback path never calls PTS. Rate limits off (one client sends
 * everything), log level as default (`info`: a line per callback, into a file).
 */
export async function startService(
  keys: CallbackBenchKeys,
  databasePort?: number,
): Promise<RunningSide> {
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: benchDatabaseUrl(databasePort),
    PTS_DATA_DIR: join(logDir, 'service-data'),
    PTS_BASE_URL: 'http://127.0.0.1:9',
    PTS_USER_ID: keys.userId,
    PTS_SAFECODE: keys.safecode,
    PTS_GUID: keys.guid,
    PTS_TRANSACTION_SECRET: keys.transactionSecret,
    PTS_MERCHANT_PRIVATE_KEY: keys.merchantPrivateKeyPem,
    PTS_GATEWAY_PUBLIC_KEY: keys.gatewayPublicKeyPem,
    PTS_CALLBACK_BASE_URL: `http://127.0.0.1:${port}`,
    ADMIN_API_KEYS: `admin:bench-admin-key-${process.pid}-0123456789`,
    CALLBACK_RATE_LIMIT: '0',
    ADMIN_RATE_LIMIT: '0',
    OPS_ACCESS: 'open',
    // BENCH_SERVICE_POOL: the service's DB_POOL_SIZE (unset: its default, 10).
    ...(process.env.BENCH_SERVICE_POOL ? { DB_POOL_SIZE: process.env.BENCH_SERVICE_POOL } : {}),
  };
  const process_ = NodeProcess.start(SERVICE_ENTRY, env, join(logDir, 'service.log'), [
    ...SERVICE_NODE_ARGS,
    ...(PROFILE ? ['--cpu-prof', '--cpu-prof-dir', join(logDir, 'profiles')] : []),
  ]);
  const url = `http://127.0.0.1:${port}`;
  await process_.waitForHttp(`${url}/health`);
  return { process: process_, url };
}

/** bench/callbacks/bare-callback-server.ts in a process of its own. */
export async function startBare(
  keys: CallbackBenchKeys,
  databasePort?: number,
): Promise<RunningSide> {
  const port = await freePort();
  const env: Record<string, string> = {
    BARE_PORT: String(port),
    BARE_DATABASE_URL: benchDatabaseUrl(databasePort),
    BARE_POOL_SIZE: String(BARE_POOL_SIZE),
    BARE_USER_ID: keys.userId,
    BARE_ACCOUNT: keys.account,
    BARE_SAFECODE: keys.safecode,
    BARE_GATEWAY_PUBLIC_KEY: keys.gatewayPublicKeyPem,
  };
  const process_ = NodeProcess.start(BARE_ENTRY, env, join(logDir, 'bare.log'), [
    '--import',
    'tsx',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await process_.waitForHttp(`${url}/health`);
  return { process: process_, url };
}
