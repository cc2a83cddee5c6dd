import type { DataSourceOptions } from 'typeorm';
import { PTS_ENTITIES, PTS_MIGRATIONS, PTS_MIGRATIONS_TABLE } from 'pts-nest';
import { TimedPgClient } from './timed-pg-client.js';

/**
 * How long the service waits for PostgreSQL before it answers 503 (docs/hardening.md).
 * Zero switches one off.
 */
export interface DatabaseTimeouts {
  /** One TCP connect plus PostgreSQL's start-up exchange. */
  connectMs: number;
  /** Waiting for a connection of the pool (a free one, or a new one), connect included. */
  poolWaitMs: number;
  /** `statement_timeout` on the server; the client gives up 500 ms later (frozen network). */
  statementMs: number;
  /** `idle_in_transaction_session_timeout`: a transaction left open is ended by the server. */
  idleInTransactionMs: number;
}

/**
 * The service's defaults: with a frozen database a request fails after at most 3.5 s, inside
 * the 5 s a gateway typically waits for a callback's answer, so that it retries rather than
 * counting a timeout.
 */
export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = {
  connectMs: 2000,
  poolWaitMs: 2000,
  statementMs: 3000,
  // Above the longest gateway round trip made inside a transaction: the v1 token refresh
  // holds its advisory lock across two requests of `timeoutMs` (10 s by default) each.
  idleInTransactionMs: 60_000,
};

/** Connections of the service's pool (`DB_POOL_SIZE`), shared by requests and jobs. */
export const DEFAULT_DATABASE_POOL_SIZE = 10;

/** How much longer than `statement_timeout` the client waits for an answer that never comes. */
const CLIENT_GRACE_MS = 500;

export interface DatabaseSettings {
  url: string;
  /** A PostgreSQL schema other than `public` (each test file gets its own). */
  schema?: string;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
  poolSize?: number;
  /**
   * Absent: no timeouts, as migrations need (an index build or the migration lock may take
   * long). The service always sets them (see `AppModule`).
   */
  timeouts?: Partial<DatabaseTimeouts>;
}

/**
 * The one place that turns database settings into TypeORM options: `ormconfig.ts`, the service
 * and the tests all call it. `synchronize` is off everywhere; the schema is
 * what the migrations build.
 */
export function buildDataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  const serverOptions: string[] = [];
  // With a schema, unqualified names resolve there first.
  if (settings.schema) serverOptions.push(`-c search_path=${settings.schema},public`);
  const timeouts = settings.timeouts;
  const extra: Record<string, unknown> = {
    max: settings.poolSize ?? DEFAULT_DATABASE_POOL_SIZE,
    keepAlive: true,
  };
  if (timeouts) {
    const { connectMs, poolWaitMs, statementMs, idleInTransactionMs } = {
      ...DEFAULT_DATABASE_TIMEOUTS,
      ...timeouts,
    };
    serverOptions.push(
      `-c statement_timeout=${statementMs}`,
      `-c idle_in_transaction_session_timeout=${idleInTransactionMs}`,
    );
    Object.assign(extra, {
      // pg-pool applies this to the whole wait for a client; the client's own connect
      // timeout is set by TimedPgClient.
      connectionTimeoutMillis: poolWaitMs,
      Client: TimedPgClient,
      ptsConnectTimeoutMs: connectMs,
      // A frozen network never delivers the server's statement_timeout error: give up here.
      query_timeout: statementMs > 0 ? statementMs + CLIENT_GRACE_MS : undefined,
    });
  }
  if (serverOptions.length > 0) extra.options = serverOptions.join(' ');
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
    extra,
  };
}
