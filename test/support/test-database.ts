import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { inject } from 'vitest';
import { ptsExactTimeSql } from '../../src/pts/orders/pts-reconcile-schedule.js';
import {
  buildDataSourceOptions,
  type DatabaseSettings,
} from '../../src/app/database/data-source-options.js';

export interface TestDatabase {
  /** Settings for the app under test: the server URL and this file's own schema. */
  settings: DatabaseSettings;
  /** A DataSource on the migrated schema, for assertions. */
  dataSource: DataSource;
  /** Drops the schema and closes the DataSource. */
  drop(): Promise<void>;
}

/** The PostgreSQL server of this run (see test/global-setup.ts). */
export function testDatabaseUrl(): string {
  return inject('databaseUrl');
}

/**
 * A fresh schema built by running every migration, so each test file starts clean and the
 * migrations are exercised by every run.
 */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const url = testDatabaseUrl();
  const schema = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await adminQuery(url, `CREATE SCHEMA "${schema}"`);
  const settings: DatabaseSettings = { url, schema, poolSize: 5 };
  const dataSource = new DataSource(buildDataSourceOptions(settings));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return {
    settings,
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await adminQuery(url, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      // The module's job tables (pg-boss) live beside it, in `<schema>_jobs`.
      await adminQuery(url, `DROP SCHEMA IF EXISTS "${schema}_jobs" CASCADE`);
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A time column of one order as the exact text the reconciliation wake-ups carry (`since`,
 * `ptsExactTimeSql`): microseconds, UTC, `Z`.
 */
export async function exactTimeOf(
  db: DataSource,
  orderRef: string,
  column: 'created_at' | 'status_changed_at',
): Promise<string> {
  const [{ at }] = await db.query<{ at: string }[]>(
    `SELECT ${ptsExactTimeSql(column)} AS at FROM pts_orders WHERE id = $1`,
    [orderRef],
  );
  return at;
}
