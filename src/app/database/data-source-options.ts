import type { DataSourceOptions } from 'typeorm';
import { PTS_ENTITIES, PTS_MIGRATIONS, PTS_MIGRATIONS_TABLE } from 'pts-nest';

export interface DatabaseSettings {
  url: string;
  /** A PostgreSQL schema other than `public` (each test file gets its own). */
  schema?: string;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
  poolSize?: number;
}

/**
 * The one place that turns database settings into TypeORM options: `ormconfig.ts`, the service
 * and the tests all call it (style.md rule 8). `synchronize` is off everywhere; the schema is
 * what the migrations build.
 */
export function buildDataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    schema: settings.schema,
    applicationName: settings.applicationName ?? 'pts-service',
    entities: [...PTS_ENTITIES],
    migrations: [...PTS_MIGRATIONS],
    migrationsTableName: PTS_MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: {
      max: settings.poolSize ?? 10,
      // With a schema, unqualified names resolve there first.
      ...(settings.schema ? { options: `-c search_path=${settings.schema},public` } : {}),
    },
  };
}
