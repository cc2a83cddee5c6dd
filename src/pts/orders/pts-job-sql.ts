import type { PtsJobQueue, PtsJobSendOptions } from './pts-jobs.js';

/** A job's settings as pg-boss stores them, options and defaults resolved (`PtsJobs`). */
export interface PtsJobRowOptions {
  startAfter?: string | number;
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
  expireInSeconds: number;
}

/**
 * A job no worker has taken, compared as text: so the planner cannot match pg-boss's partial
 * index of waiting jobs (`state < 'active'`) and finds the one row by its primary key. With
 * statistics taken on an empty queue, a cached plan otherwise scans that index whole, every
 * waiting wake-up of the queue, on each move.
 */
const NOT_TAKEN = "j.state::text = 'created'";

/**
 * SQL for the pg-boss job rows our own statements write, read or move (data-modifying CTEs), so
 * that a wake-up goes with the change it serves in one round trip. The rows are the ones
 * pg-boss's own `send` writes (its `insertJob` for pg-boss 10, pinned in package.json).
 */
export class PtsJobSql {
  constructor(
    private readonly schema: string,
    private readonly options: (queue: PtsJobQueue, options: PtsJobSendOptions) => PtsJobRowOptions,
  ) {}

  /**
   * SQL that enqueues one job of `queue` per row of `source`, for a data-modifying CTE: a
   * wake-up written by the same statement as the change it serves, so it costs no round trip
   * of its own (docs/reconciliation.md, "The callback path's statements"). The row is the one
   * pg-boss's own `send` writes (its `insertJob` for pg-boss 10, pinned in package.json), with
   * the queue's policy, dead letter and retention looked up the same way.
   * `data`, `startAfter` and `id` are SQL expressions over `source` (start: now when absent;
   * id: pg-boss's default, a random UUID).
   */
  insertSql(
    queue: PtsJobQueue,
    source: { from: string; data: string; startAfter?: string; where?: string; id?: string },
    options: PtsJobSendOptions = {},
  ): string {
    if (typeof options.startAfter === 'string') {
      throw new Error('PtsJobs.insertSql takes its start as an SQL expression (source.startAfter)');
    }
    const o = this.options(queue, options);
    const start =
      source.startAfter ??
      (options.startAfter === undefined
        ? 'now()'
        : `now() + ${Number(options.startAfter)} * interval '1 second'`);
    const delay = o.retryBackoff ? Math.max(o.retryDelay, 1) : o.retryDelay;
    return `INSERT INTO ${this.schema}.job (${source.id ? 'id, ' : ''}name, data, start_after, dead_letter, expire_in,
              keep_until, retry_limit, retry_delay, retry_backoff, policy)
       SELECT ${source.id ? `${source.id}, ` : ''}q.name, ${source.data}, ${start}, q.dead_letter,
              ${Number(o.expireInSeconds)} * interval '1 second',
              ${this.keepUntilSql(start)},
              ${Number(o.retryLimit)}, ${Number(delay)}, ${o.retryBackoff ? 'true' : 'false'}, q.policy
         FROM ${source.from} JOIN ${this.schema}.queue q ON q.name = '${queue}'
        ${source.where ? `WHERE ${source.where}` : ''}
       ON CONFLICT DO NOTHING`;
  }

  /**
   * SQL that moves a job of `queue` that no worker has taken yet (state `created`) to a new
   * start and data, for a data-modifying CTE; `RETURNING id`, so nothing comes back when the
   * job was taken meanwhile (the caller then enqueues a new one). A wake-up that is replaced
   * this way never runs for nothing, and no second row is written. `id`, `data` and
   * `startAfter` are SQL expressions over `source`. Retry settings stay as the job was sent.
   */
  rescheduleSql(
    queue: PtsJobQueue,
    source: { from: string; id: string; data: string; startAfter: string },
  ): string {
    return `UPDATE ${this.schema}.job j SET data = ${source.data}, start_after = ${source.startAfter},
              keep_until = ${this.keepUntilSql(source.startAfter)}
         FROM ${source.from} JOIN ${this.schema}.queue q ON q.name = '${queue}'
        WHERE j.name = '${queue}' AND j.id = ${source.id} AND ${NOT_TAKEN}
       RETURNING j.id`;
  }

  /**
   * SQL that selects a job of `queue` no worker has taken yet and locks it to the end of the
   * transaction, for a CTE: pg-boss's fetch skips locked jobs, so whatever the same statement
   * writes is committed before any worker can take the job and look for it. Nothing when a
   * worker has it already (after waiting for that worker's fetch to commit).
   */
  heldSql(queue: PtsJobQueue, id: string): string {
    return `SELECT j.id FROM ${this.schema}.job j WHERE j.name = '${queue}' AND j.id = ${id} AND ${NOT_TAKEN} FOR UPDATE OF j`;
  }

  /** SQL that deletes a job of `queue` no worker has taken yet (`id`: an SQL expression). */
  cancelSql(queue: PtsJobQueue, id: string): string {
    return `DELETE FROM ${this.schema}.job j WHERE j.name = '${queue}' AND j.id = ${id} AND ${NOT_TAKEN}`;
  }

  /** When pg-boss may drop a job that was never taken: its queue's retention after its start. */
  private keepUntilSql(start: string): string {
    return `${start} + COALESCE(q.retention_minutes * interval '1 minute', interval '14 days')`;
  }
}
