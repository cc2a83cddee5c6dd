import type { DataSource, MigrationInterface } from 'typeorm';
import { PTS_MIGRATIONS, PTS_MIGRATIONS_TABLE } from '../../../migrations/index.js';

/**
 * Names of the module's migrations that the database has not run. A migration counts as run
 * when the host DataSource's migrations table or `pts_migrations` (the service's and
 * `pts migrate`'s) lists it.
 */
export async function missingPtsMigrations(dataSource: DataSource): Promise<string[]> {
  const { schema, database } = dataSource.options as { schema?: string; database?: string };
  const tables = [
    ...new Set([dataSource.options.migrationsTableName ?? 'migrations', PTS_MIGRATIONS_TABLE]),
  ];
  const applied = new Set<string>();
  const runner = dataSource.createQueryRunner();
  try {
    for (const table of tables) {
      const path = dataSource.driver.buildTableName(table, schema, database);
      if (!(await runner.hasTable(path))) continue;
      const rows = await dataSource
        .createQueryBuilder(runner)
        .select('m.name', 'name')
        .from(path, 'm')
        .getRawMany<{ name: string }>();
      for (const row of rows) applied.add(row.name);
    }
  } finally {
    await runner.release();
  }
  return PTS_MIGRATIONS.map(migrationName).filter((name) => !applied.has(name));
}

function migrationName(migration: new () => MigrationInterface): string {
  return new migration().name ?? migration.name;
}
