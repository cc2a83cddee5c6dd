import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PtsGatewayError } from '../errors/pts-error.js';
import { PtsOrderMetrics } from '../metrics/pts-order-metrics.js';
import { PtsJobs, PTS_JOB_QUEUES, type PtsJob } from './pts-jobs.js';
import { PtsOrderEntity } from './pts-order.entity.js';
import { PtsOutboxEntity } from './pts-outbox.entity.js';
import { PtsOrderSync } from './pts-order-sync.js';
import { PtsOrderTransitions } from './pts-order-transitions.js';
import {
  isReconciledKind,
  PtsReconcileSchedule,
  PTS_RECONCILED_STATUSES,
  ptsExactTimeSql,
  type PtsReconcileWakeUp,
} from './pts-reconcile-schedule.js';

interface Claimed {
  kind: PtsOrderEntity['kind'];
  status: PtsOrderEntity['status'];
  attempts: number;
  /** `status_changed_at` as exact text: the schedule the claim belongs to. */
  since: string;
}

/** Wake-ups overdue by more than this were lost (e.g. a job that gave up): the sweep resends. */
const LOST_AFTER_MS = 10 * 60_000;
const SWEEP_BATCH = 1000;

/**
 * Reconciliation (docs/reconciliation.md): at each due time of an order's schedule, one
 * instance claims the order (a lease, so no second query runs meanwhile), asks PTS, and applies
 * the answer through the state machine (history cause `reconcile`). News restarts the schedule
 * from the change; no news moves on to the next delay; after the last one the order is flagged
 * `reconcile_exhausted` for an operator. A `created` order that reaches its due time lost its
 * create and becomes `unknown`. A query that fails is retried by the job engine with backoff;
 * when the retries are used up the schedule moves on all the same.
 */
@Injectable()
export class PtsOrderReconciler implements OnApplicationBootstrap {
  private readonly logger = new Logger('PtsReconciler');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: PtsJobs,
    private readonly schedule: PtsReconcileSchedule,
    private readonly orderSync: PtsOrderSync,
    private readonly transitions: PtsOrderTransitions,
    private readonly metrics: PtsOrderMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.work<PtsReconcileWakeUp>(
      PTS_JOB_QUEUES.reconcile,
      { batchSize: 1, workers: this.schedule.concurrency },
      async ([job]) => this.wake(job),
    );
    await this.jobs.work<{ lostAfterMs?: number }>(
      PTS_JOB_QUEUES.sweep,
      { batchSize: 1 },
      async ([job]) => {
        await this.sweep(job.data.lostAfterMs ?? LOST_AFTER_MS);
      },
    );
    this.jobs.every(PTS_JOB_QUEUES.sweep, 60);
    // At start-up: whatever came due while no instance ran (interrupted creates above all).
    await this.jobs.sendNow(PTS_JOB_QUEUES.sweep, { lostAfterMs: 0 });
    this.jobs.notify(PTS_JOB_QUEUES.sweep);
  }

  /** One wake-up of one order. Throws to have the job engine retry it with backoff. */
  async wake(job: PtsJob<PtsReconcileWakeUp>): Promise<void> {
    const { orderRef } = job.data;
    const claimed = await this.claim(job.data);
    if (!claimed) return;
    if (claimed.status === 'created' && isReconciledKind(claimed.kind)) {
      await this.transitions.move(orderRef, {
        to: 'unknown',
        cause: 'interrupted',
        detail: 'the create got no answer (the service stopped or lost the connection)',
      });
      this.metrics.reconciles.inc({ outcome: 'interrupted_create' });
      return;
    }
    // A subscription has no query at PTS (docs/protocol.md B4.11): never asked, never moved here.
    if (!isReconciledKind(claimed.kind) || !PTS_RECONCILED_STATUSES.has(claimed.status)) {
      await this.dataSource
        .createQueryBuilder()
        .update(PtsOrderEntity)
        .set({ nextReconcileAt: null })
        .where('id = :orderRef AND status = :status', { orderRef, status: claimed.status })
        .execute();
      return;
    }
    const order = await this.dataSource.getRepository(PtsOrderEntity).findOneByOrFail({
      id: orderRef,
    });
    try {
      const result = await this.orderSync.query(order, 'reconcile');
      if (result.decision === 'apply') {
        this.metrics.reconciles.inc({ outcome: 'moved' });
        return;
      }
      this.metrics.reconciles.inc({ outcome: 'no_news' });
    } catch (error) {
      const notFoundYet = error instanceof PtsGatewayError && error.ptsCode === '1002';
      if (!notFoundYet && job.retryCount < job.retryLimit) {
        this.metrics.reconciles.inc({ outcome: 'retry' });
        await this.release(orderRef, claimed);
        this.logger.warn(
          `query of ${order.kind} ${order.orderId} failed (try ${job.retryCount + 1} of ${job.retryLimit + 1}), retried later: ${describe(error)}`,
        );
        throw error;
      }
      this.metrics.reconciles.inc({ outcome: notFoundYet ? 'not_found' : 'failed' });
      this.logger.warn(`query of ${order.kind} ${order.orderId}: ${describe(error)}`);
    }
    await this.advance(order, claimed);
  }

  /**
   * Interrupted creates and overdue orders whose wake-up was lost get a wake-up now; pending
   * host events whose delivery was lost get theirs. Cheap: index range scans, batched.
   */
  async sweep(lostAfterMs: number): Promise<{ orders: number; events: number }> {
    const lostSecs = lostAfterMs / 1000;
    const orders = await this.dataSource
      .getRepository(PtsOrderEntity)
      .createQueryBuilder('o')
      .select('o.id', 'id')
      .addSelect(ptsExactTimeSql('o.status_changed_at'), 'since')
      .addSelect('o.reconcile_attempts', 'attempt')
      .where('o.next_reconcile_at < now() - make_interval(secs => :lostSecs)', { lostSecs })
      .orderBy('o.next_reconcile_at')
      .limit(SWEEP_BATCH)
      .getRawMany<{ id: string; since: string; attempt: number }>();
    await this.jobs.sendMany(
      PTS_JOB_QUEUES.reconcile,
      orders.map((o): PtsReconcileWakeUp => ({
        orderRef: o.id,
        since: o.since,
        attempt: o.attempt,
      })),
      this.schedule.wakeUpOptions(),
    );
    const due = await this.dataSource
      .getRepository(PtsOutboxEntity)
      .createQueryBuilder('e')
      .select('e.order_ref', 'orderRef')
      .where('e.delivered_at IS NULL AND e.dead_at IS NULL')
      .andWhere('e.available_at < now() - make_interval(secs => :lostSecs)', { lostSecs })
      .orderBy('e.available_at')
      .limit(SWEEP_BATCH)
      .getRawMany<{ orderRef: string }>();
    // One wake-up per order: its delivery takes all of its pending events.
    const events = [...new Set(due.map((e) => e.orderRef))];
    await this.jobs.sendMany(
      PTS_JOB_QUEUES.events,
      events.map((orderRef) => ({ orderRef })),
    );
    if (orders.length > 0) this.jobs.notify(PTS_JOB_QUEUES.reconcile);
    if (events.length > 0) this.jobs.notify(PTS_JOB_QUEUES.events);
    return { orders: orders.length, events: events.length };
  }

  /**
   * Takes the order for one query if it is due, at the step the wake-up was sent for, and no
   * other query holds it.
   */
  private async claim(wakeUp: PtsReconcileWakeUp): Promise<Claimed | undefined> {
    // Hand-written because it is the claim: one atomic conditional UPDATE that takes the lease
    // and answers with the step it took it at (`status_changed_at` as exact text, microseconds
    // a `Date` would lose), which the release and the schedule compare against.
    const rows = await this.dataSource.query<Claimed[]>(
      `WITH claimed AS (
         UPDATE pts_orders SET next_reconcile_at = now() + make_interval(secs => $2)
          WHERE id = $1 AND next_reconcile_at <= now()
            AND ($3::timestamptz IS NULL
                 OR (status_changed_at = $3::timestamptz AND reconcile_attempts = $4::integer))
          RETURNING kind, status, reconcile_attempts, status_changed_at)
       SELECT kind, status, reconcile_attempts AS attempts, ${ptsExactTimeSql('status_changed_at')} AS since
         FROM claimed`,
      [wakeUp.orderRef, this.schedule.leaseMs / 1000, wakeUp.since ?? null, wakeUp.attempt ?? 0],
    );
    return rows[0];
  }

  /** A failed try hands the order back, due now, for the engine's retry (same step). */
  private async release(orderRef: string, claimed: Claimed): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update(PtsOrderEntity)
      .set({ nextReconcileAt: () => 'now()' })
      .where('id = :orderRef AND next_reconcile_at > now()', { orderRef })
      .andWhere('status_changed_at = CAST(:since AS timestamptz)', { since: claimed.since })
      .andWhere('reconcile_attempts = :attempts', { attempts: claimed.attempts })
      .execute();
  }

  private async advance(order: PtsOrderEntity, claimed: Claimed): Promise<void> {
    const outcome = await this.dataSource.transaction((manager) =>
      this.schedule.advance(manager, order.id, claimed.since, claimed.attempts + 1),
    );
    if (outcome === 'exhausted') {
      this.metrics.reconciles.inc({ outcome: 'exhausted' });
      this.logger.warn(
        `${order.kind} ${order.orderId} (${order.account}) is still ${order.status} after the last scheduled query: flagged reconcile_exhausted for an operator`,
      );
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
