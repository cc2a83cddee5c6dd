import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

/** The pg client a TypeORM query runner hands out, as far as a named query needs it. */
interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/** Statement texts given a name at most; past this, texts run unnamed (as TypeORM runs them). */
const MAX_NAMED = 200;
const names = new Map<string, string>();

/**
 * Runs one statement of the callback path as a named prepared statement: PostgreSQL parses
 * and analyses its text once per connection, not on every callback. For the few texts the
 * hot path sends over and over (a callback's snapshot, its row, the combined write: a handful
 * of shapes each), parsing was a good part of the server's work per callback
 * (docs/reconciliation.md, "The callback path's statements"). Runs on `manager`'s connection
 * (its transaction) or on one of the pool's for this statement alone; rows as pg returns them.
 * The texts name their columns, so a migration that adds columns leaves them valid (PostgreSQL
 * re-plans them by itself). A named statement lives in its server session: a pooler between
 * us and PostgreSQL must keep one session per connection (PgBouncer in transaction mode only
 * from 1.21 with `max_prepared_statements`), as the job engine's advisory lock also needs.
 */
export async function queryPrepared<T>(
  dataSource: DataSource,
  manager: EntityManager,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const name = nameOf(text);
  if (name === undefined) return manager.query(text, values);
  const own = manager.queryRunner === undefined || manager.queryRunner.isReleased;
  const runner = own ? dataSource.createQueryRunner() : manager.queryRunner;
  try {
    const client = (await runner.connect()) as PgClient;
    const result = await client.query({ name, text, values });
    return result.rows as T[];
  } finally {
    if (own) await runner.release();
  }
}

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `pts_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    names.set(text, name);
  }
  return name;
}
