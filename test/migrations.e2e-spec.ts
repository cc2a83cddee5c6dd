import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

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
