import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from './support/test-database.js';

describe('migrations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('migrations');
  });

  afterAll(async () => {
    await db.drop();
  });

  it('builds the schema inside the test schema, not in public', async () => {
    const rows: { table_schema: string }[] = await db.dataSource.query(
      `SELECT table_schema FROM information_schema.tables WHERE table_name = 'pts_schema_info'`,
    );
    expect(rows.map((r) => r.table_schema)).toContain(db.settings.schema);
  });

  it('leaves nothing for the entities to change: migrations and entities describe one schema', async () => {
    const pending = await db.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('reverts every migration down to an empty schema and applies them again', async () => {
    const count = db.dataSource.migrations.length;
    for (let i = 0; i < count; i++) {
      await db.dataSource.undoLastMigration({ transaction: 'each' });
    }
    const left: { table_name: string }[] = await db.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name <> 'pts_migrations'`,
      [db.settings.schema],
    );
    expect(left).toEqual([]);
    const applied = await db.dataSource.runMigrations({ transaction: 'each' });
    expect(applied).toHaveLength(count);
  });
});

describe('npm run migration:run / migration:revert through ormconfig.ts', () => {
  it('applies every migration and reverts the last one', async () => {
    const schema = `t_ormconfig_${Date.now()}`;
    const url = testDatabaseUrl();
    const admin = await createTestDatabase('ormconfig');
    await admin.dataSource.query(`CREATE SCHEMA "${schema}"`);
    const env = { ...process.env, DATABASE_URL: url, DATABASE_SCHEMA: schema };
    const cli = (command: string) =>
      spawnSync('npx', ['tsx', './node_modules/typeorm/cli.js', command, '-d', 'ormconfig.ts'], {
        env,
        encoding: 'utf8',
      });
    try {
      const run = cli('migration:run');
      expect(run.status, run.stderr).toBe(0);
      const applied = await admin.dataSource.query<{ name: string }[]>(
        `SELECT name FROM "${schema}".pts_migrations ORDER BY id`,
      );
      expect(applied).toHaveLength(admin.dataSource.migrations.length);
      const revert = cli('migration:revert');
      expect(revert.status, revert.stderr).toBe(0);
      const left = await admin.dataSource.query<{ name: string }[]>(
        `SELECT name FROM "${schema}".pts_migrations ORDER BY id`,
      );
      expect(left).toHaveLength(applied.length - 1);
    } finally {
      await admin.dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.drop();
    }
  }, 60_000);
});
