import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import PgBoss from 'pg-boss';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { PTS_ORDERS_SETTINGS, type PtsOrdersSettings } from './pts-orders-settings.js';

/** The module's job queues (pg-boss queue names). */
export const PTS_JOB_QUEUES = {
  /** Wake-ups of one order's reconciliation (`{ orderRef }`), at its `next_reconcile_at`. */
  reconcile: 'pts-order-reconcile',
  /** Wake-ups of one order's host-event delivery (`{ orderRef }`). */
  events: 'pts-order-events',
  /** Safety net and start-up pass: interrupted creates, lost wake-ups. */
  sweep: 'pts-sweep',
  /** Deletes and compacts what should not grow forever. */
  retention: 'pts-retention',
} as const;

export type PtsJobQueue = (typeof PTS_JOB_QUEUES)[keyof typeof PTS_JOB_QUEUES];

export interface PtsJob<T> {
  id: string;
  data: T;
  retryCount: number;
  retryLimit: number;
}

export interface PtsJobSendOptions {
  /**
   * When the job may start (default: now): an ISO time ending in `Z` (as PostgreSQL wrote it,
   * so the job is never due before the row it serves), or seconds from the database's now.
   */
  startAfter?: string | number;
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  /** A job still active after this long is taken as crashed and retried. */
  expireInSeconds?: number;
  /** At most one job with this key waits in the queue (for `short` queues). */
  singletonKey?: string;
}

export interface PtsJobWorkOptions {
  batchSize: number;
  /** Workers of this queue in this instance. */
  workers?: number;
}

const SHORT_QUEUES: readonly PtsJobQueue[] = [PTS_JOB_QUEUES.sweep, PTS_JOB_QUEUES.retention];

/**
 * pg-boss on the host's own TypeORM DataSource (no second pool, the host's TLS and credentials):
 * jobs persist in PostgreSQL, a job runs on one instance at a time, and a job enqueued with
 * `send(manager, ...)` is part of that transaction, so it exists exactly when the change that
 * asked for it was committed. Its tables live in a schema of their own (`jobsSchema`).
 */
@Injectable()
export class PtsJobs implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('PtsJobs');
  private readonly boss: PgBoss;
  private readonly workerIds = new Map<PtsJobQueue, string[]>();
  private started = false;
  readonly schema: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PTS_ORDERS_SETTINGS) private readonly settings: PtsOrdersSettings,
  ) {
    const hostSchema = (dataSource.options as { schema?: string }).schema;
    this.schema = settings.jobsSchema ?? (hostSchema ? `${hostSchema}_jobs` : 'pts_jobs');
    this.boss = new PgBoss({
      db: { executeSql: (text, values) => this.execute(text, values) },
      schema: this.schema,
      // Finished jobs are kept a day for inspection, then archived and later dropped.
      archiveCompletedAfterSeconds: 86_400,
      deleteAfterDays: 7,
      maintenanceIntervalSeconds: 60,
    });
    this.boss.on('error', (error: Error) => this.logger.warn(`job engine: ${error.message}`));
  }

  /** Installs or upgrades the job schema (under pg-boss's advisory lock) and the queues. */
  async onModuleInit(): Promise<void> {
    await this.boss.start();
    for (const name of Object.values(PTS_JOB_QUEUES)) {
      await this.boss.createQueue(name, {
        name,
        policy: SHORT_QUEUES.includes(name) ? 'short' : 'standard',
      });
    }
    this.started = true;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    // Jobs in flight finish (or are handed back as failed, to be retried) before the
    // DataSource closes.
    await this.boss.stop({ graceful: true, close: false, wait: true, timeout: 10_000 });
  }

  /** Enqueues a job in the caller's transaction. */
  async send(
    manager: EntityManager,
    queue: PtsJobQueue,
    data: object,
    options: PtsJobSendOptions = {},
  ): Promise<void> {
    const runner = manager.queryRunner;
    if (!runner) throw new Error('PtsJobs.send needs a transaction (manager.queryRunner)');
    await this.boss.send(queue, data, {
      ...this.pgBossOptions(queue, options),
      db: { executeSql: (text, values) => structured(runner, text, values) },
    });
  }

  /** Enqueues a job on its own. */
  async sendNow(queue: PtsJobQueue, data: object, options: PtsJobSendOptions = {}): Promise<void> {
    await this.boss.send(queue, data, this.pgBossOptions(queue, options));
  }

  /** Many jobs of one queue in one statement (the sweep). */
  async sendMany(queue: PtsJobQueue, items: object[], options: PtsJobSendOptions = {}) {
    if (items.length === 0) return;
    const base = this.pgBossOptions(queue, options);
    await this.boss.insert(
      items.map((data) => ({
        name: queue,
        data,
        retryLimit: base.retryLimit,
        retryDelay: base.retryDelay,
        retryBackoff: base.retryBackoff,
        expireInSeconds: base.expireInSeconds,
      })),
    );
  }

  /** Runs a cron schedule (UTC) once across all instances. */
  async schedule(queue: PtsJobQueue, cron: string): Promise<void> {
    await this.boss.schedule(queue, cron, {}, { tz: 'UTC' });
  }

  /**
   * Runs `handler` for jobs of `queue` on this instance. A handler that throws fails its batch:
   * pg-boss retries those jobs with their retry settings.
   */
  async work<T extends object>(
    queue: PtsJobQueue,
    options: PtsJobWorkOptions,
    handler: (jobs: PtsJob<T>[]) => Promise<void>,
  ): Promise<void> {
    if (this.settings.dispatchIntervalMs <= 0) return;
    const ids: string[] = [];
    for (let i = 0; i < (options.workers ?? 1); i++) {
      const id = await this.boss.work<T>(
        queue,
        {
          batchSize: options.batchSize,
          includeMetadata: true,
          pollingIntervalSeconds: this.settings.dispatchIntervalMs / 1000,
        },
        async (jobs) => {
          await handler(
            jobs.map((j) => ({
              id: j.id,
              data: j.data,
              retryCount: j.retryCount,
              retryLimit: j.retryLimit,
            })),
          );
          // A full batch: there is likely more; fetch again without waiting for the poll.
          if (jobs.length === options.batchSize) this.boss.notifyWorker(id);
        },
      );
      ids.push(id);
    }
    this.workerIds.set(queue, [...(this.workerIds.get(queue) ?? []), ...ids]);
  }

  /** Tells this instance's workers of `queue` to look now (after a commit that enqueued). */
  notify(queue: PtsJobQueue): void {
    for (const id of this.workerIds.get(queue) ?? []) this.boss.notifyWorker(id);
  }

  /** Jobs of a queue by state, for metrics and tests. */
  async counts(queue: PtsJobQueue): Promise<Record<string, number>> {
    const rows = await this.dataSource.query<{ state: string; n: string }[]>(
      `SELECT state, count(*) AS n FROM ${this.schema}.job WHERE name = $1 GROUP BY state`,
      [queue],
    );
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  private pgBossOptions(queue: PtsJobQueue, options: PtsJobSendOptions) {
    // A delivery that crashed is retried once its lease has run out.
    const expireInSeconds =
      queue === PTS_JOB_QUEUES.events ? Math.ceil(this.settings.dispatchLeaseMs / 1000) + 30 : 300;
    return {
      startAfter: options.startAfter,
      retryLimit: options.retryLimit ?? 8,
      retryDelay: Math.max(1, Math.round(options.retryDelaySeconds ?? 5)),
      retryBackoff: options.retryBackoff ?? true,
      expireInSeconds: options.expireInSeconds ?? expireInSeconds,
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
    };
  }

  /** pg-boss's statements through a connection of the DataSource's pool. */
  private async execute(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await structured(runner, text, values);
    } catch (error) {
      // pg-boss sends some maintenance as one `BEGIN; ...; COMMIT;` text: never hand a
      // connection back to the pool inside a failed transaction.
      if (/\bBEGIN\b/.test(text)) await runner.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }
}

async function structured(
  runner: QueryRunner,
  text: string,
  values?: unknown[],
): Promise<{ rows: unknown[] }> {
  const result = await runner.query(text, values, true);
  return { rows: (result as { records?: unknown[] }).records ?? [] };
}
