import pg from 'pg';

/**
 * The PostgreSQL server the end-to-end benchmarks use; its database `pts_bench` (or
 * `BENCH_DATABASE`, so two benchmarks can run at once) is theirs: dropped and made anew.
 */
export const BENCH_SERVER = (
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432'
).replace(/\/+$/, '');
export const BENCH_DATABASE = process.env.BENCH_DATABASE ?? 'pts_bench';
if (!/^[a-z_][a-z0-9_]{0,62}$/.test(BENCH_DATABASE)) {
  throw new Error(`BENCH_DATABASE must be a plain lower-case identifier, got "${BENCH_DATABASE}"`);
}

export function benchDatabaseUrl(port?: number): string {
  const url = new URL(`${BENCH_SERVER}/${BENCH_DATABASE}`);
  if (port !== undefined) {
    url.hostname = '127.0.0.1';
    url.port = String(port);
  }
  return url.toString();
}

/** Drops `pts_bench` (ending its sessions) and creates it empty. */
export async function recreateBenchDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: `${BENCH_SERVER}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`);
  } finally {
    await admin.end();
  }
}

/** One connection to `pts_bench` for seeding and checks. */
export async function connectBenchDatabase(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: benchDatabaseUrl() });
  await client.connect();
  return client;
}

export async function count(
  client: pg.Client,
  sql: string,
  params: unknown[] = [],
): Promise<number> {
  const result = await client.query<{ n: string }>(sql, params);
  return Number(result.rows[0]?.n ?? 0);
}
