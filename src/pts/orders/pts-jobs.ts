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
import { PtsHostChecks } from '../host/pts-host-checks.js';
import { PtsJobSql, type PtsJobRowOptions } from './pts-job-sql.js';
import { PtsJobWorker } from './pts-job-worker.js';
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
  private readonly workers = new Map<PtsJobQueue, PtsJobWorker[]>();
  private started = false;
  private readonly timers: NodeJS.Timeout[] = [];
  readonly schema: string;
  /** SQL for job rows written by our own statements (data-modifying CTEs). */
  readonly sql: PtsJobSql;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PTS_ORDERS_SETTINGS) private readonly settings: PtsOrdersSettings,
    private readonly hostChecks: PtsHostChecks,
  ) {
    const hostSchema = (dataSource.options as { schema?: string }).schema;
    this.schema = settings.jobsSchema ?? (hostSchema ? `${hostSchema}_jobs` : 'pts_jobs');
    this.sql = new PtsJobSql(this.schema, (queue, options) => this.pgBossOptions(queue, options));
    this.boss = new PgBoss({
      db: { executeSql: (text, values) => this.execute(text, values) },
      schema: this.schema,
      // Finished jobs are kept a day for inspection, then archived and later dropped.
      archiveCompletedAfterSeconds: 86_400,
      deleteAfterDays: 7,
      maintenanceIntervalSeconds: 60,
      // Periodic jobs are sent by `every()`: pg-boss's cron runs on its own `work()` loop (see
      // PtsJobWorker for why that is avoided).
      schedule: false,
    });
    this.boss.on('error', (error: Error) => this.logger.warn(`job engine: ${error.message}`));
  }

  /** Installs or upgrades the job schema (under pg-boss's advisory lock) and the queues. */
  async onModuleInit(): Promise<void> {
    // Nest runs the init hooks side by side: without this wait, a host refused at boot (no
    // migrations, no raw body) would be left with pg-boss's timers running, and its process
    // would never exit.
    await this.hostChecks.passed();
    // pg-boss 10 is not safe against itself here: two instances installing the schema or
    // creating a queue (a partition) at the same moment collide or deadlock. One at a time.
    const lock = this.dataSource.createQueryRunner();
    await lock.query(`SELECT pg_advisory_lock(hashtext($1))`, [`pts_jobs_setup:${this.schema}`]);
    try {
      await this.boss.start();
      for (const name of Object.values(PTS_JOB_QUEUES)) {
        if (await this.boss.getQueue(name)) continue;
        await this.boss.createQueue(name, {
          name,
          policy: SHORT_QUEUES.includes(name) ? 'short' : 'standard',
        });
      }
    } finally {
      await lock
        .query(`SELECT pg_advisory_unlock(hashtext($1))`, [`pts_jobs_setup:${this.schema}`])
        .catch(() => undefined);
      await lock.release();
    }
    this.started = true;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const timer of this.timers) clearInterval(timer);
    // Jobs in flight finish before the DataSource closes.
    await Promise.all([...this.workers.values()].flat().map((w) => w.stop()));
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

  /**
   * A job of `queue` once per `seconds` across all instances: every instance offers one per
   * period, and pg-boss keeps one per time slot (`singletonSeconds`).
   */
  every(queue: PtsJobQueue, seconds: number): void {
    if (this.settings.dispatchIntervalMs <= 0) return;
    const offer = () => {
      if (!this.started) return;
      this.boss
        .send(queue, {}, { singletonKey: queue, singletonSeconds: seconds, retryLimit: 0 })
        .catch((error: Error) => this.logger.warn(`${queue}: ${error.message}`));
    };
    const timer = setInterval(offer, Math.min(seconds, 60) * 1000);
    timer.unref();
    this.timers.push(timer);
    offer();
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
    const workers = this.workers.get(queue) ?? [];
    for (let i = 0; i < (options.workers ?? 1); i++) {
      const worker = new PtsJobWorker(
        this.boss,
        queue,
        options.batchSize,
        this.settings.dispatchIntervalMs,
        handler as (jobs: PtsJob<object>[]) => Promise<void>,
        (message) => this.logger.warn(message),
      );
      workers.push(worker);
      worker.start();
    }
    this.workers.set(queue, workers);
  }

  /** Tells this instance's workers of `queue` to look now (after a commit that enqueued). */
  notify(queue: PtsJobQueue): void {
    for (const worker of this.workers.get(queue) ?? []) worker.notify();
  }

  private pgBossOptions(queue: PtsJobQueue, options: PtsJobSendOptions): PtsJobRowOptions {
    // A delivery that crashed is retried once its lease has run out.
    const expireInSeconds =
      queue === PTS_JOB_QUEUES.events ? Math.ceil(this.settings.dispatchLeaseMs / 1000) + 30 : 300;
    return {
      startAfter: options.startAfter,
      retryLimit: options.retryLimit ?? 8,
      retryDelay: Math.max(1, Math.round(options.retryDelaySeconds ?? 5)),
      retryBackoff: options.retryBackoff ?? true,
      expireInSeconds: options.expireInSeconds ?? expireInSeconds,
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
