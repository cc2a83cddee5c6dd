import pg from 'pg';

/** pg-boss's own statements: on the job schema alone. */
const JOB_ENGINE_ONLY = (sql: string) =>
  /\bpts_jobs\./.test(sql) && !/\bpts_(orders|outbox|callbacks)\b/.test(sql);

let collector: string[] | undefined;

// Patched when this module is imported, before the test starts its service: the service's
// clients (TimedPgClient) bind `query` when they are created.
const client = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
const query = client.query;
client.query = function (this: unknown, ...args: unknown[]) {
  if (collector) {
    const q = args[0];
    collector.push(typeof q === 'string' ? q : ((q as { text?: string }).text ?? ''));
  }
  return query.apply(this, args);
};

/**
 * Every statement this process sends to PostgreSQL while `fn` runs, counted at `pg`'s client
 * (each `query` call is one statement on the wire), whitespace folded. Import this module
 * before the service starts. Meant for services whose job workers are off
 * (`dispatchIntervalMs: 0`), so that nothing else is sending but pg-boss's own maintenance,
 * which may run at any moment: its statements (on the job schema alone) are left out. Ours
 * that write job rows name an order table too, and stay.
 */
export async function statementsDuring<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; sql: string[] }> {
  const sent: string[] = [];
  collector = sent;
  try {
    const result = await fn();
    const sql = sent.map((s) => s.replace(/\s+/g, ' ').trim());
    return { result, sql: sql.filter((s) => !JOB_ENGINE_ONLY(s)) };
  } finally {
    collector = undefined;
  }
}
