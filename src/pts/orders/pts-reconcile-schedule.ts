import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PtsSettings } from '../options/pts-settings.js';
import { PtsJobs, PTS_JOB_QUEUES } from './pts-jobs.js';
import { PTS_ORDERS_SETTINGS, type PtsOrdersSettings } from './pts-orders-settings.js';
import type { PtsOrderKind, PtsOrderStatus } from './pts-order-status.js';
import type { PtsOrderFlag } from './pts-order-flags.js';
import { PtsOrderEntity } from './pts-order.entity.js';

/**
 * Orders that PTS may still move, so reconciliation asks about them (docs/reconciliation.md).
 * Never a subscription's `active`: PTS has no query for subscriptions (docs/protocol.md B4.11).
 */
export const PTS_RECONCILED_STATUSES: ReadonlySet<PtsOrderStatus> = new Set([
  'unknown',
  'waiting',
  'processing',
  'expired',
]);

/** Flag of an order whose schedule ran out without news: an operator decides. */
export const PTS_RECONCILE_EXHAUSTED: PtsOrderFlag = 'reconcile_exhausted';

/** Kinds of order PTS can be asked about; a subscription's news come by callback only. */
export function isReconciledKind(kind: PtsOrderKind): boolean {
  return kind !== 'subscription';
}

/**
 * A reconciliation wake-up: the order, and the step of its schedule it was sent for (the
 * `status_changed_at` it counts from, as exact text, and `reconcile_attempts`). A wake-up acts
 * only on its own step: one left over from an earlier step (the create's deadline, a schedule a
 * callback restarted) must not take an order that a failed query handed back for a retry after
 * a pause. Wake-ups without a step (enqueued by an older version) act on any due step.
 */
export interface PtsReconcileWakeUp {
  orderRef: string;
  since?: string;
  attempt?: number;
}

/** SQL for a timestamptz column as exact text (microseconds, UTC), as jobs and claims carry it. */
export function ptsExactTimeSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** What a create waits at most for PTS's answer beyond the request timeout. */
const CREATE_MARGIN_MS = 5000;

/**
 * When an order is next queried at PTS (docs/reconciliation.md). The due time lives in the
 * order row (`next_reconcile_at`); every time it is set, a wake-up job for that moment is
 * enqueued in the same transaction. A wake-up that finds the order not due does nothing, so
 * old wake-ups of a rescheduled order are harmless.
 */
@Injectable()
export class PtsReconcileSchedule {
  constructor(
    private readonly jobs: PtsJobs,
    private readonly ptsSettings: PtsSettings,
    @Inject(PTS_ORDERS_SETTINGS) private readonly settings: PtsOrdersSettings,
  ) {}

  /** A `created` order older than this lost its create (crash, lost connection). */
  get createDeadlineMs(): number {
    return this.ptsSettings.timeoutMs + CREATE_MARGIN_MS;
  }

  /** Scheduled queries one instance runs at the same time. */
  get concurrency(): number {
    return this.settings.reconcileConcurrency;
  }

  get delaysMs(): readonly number[] {
    return this.settings.reconcileDelaysMs;
  }

  /** How long a wake-up holds an order while it asks PTS (no second query meanwhile). */
  get leaseMs(): number {
    return this.ptsSettings.timeoutMs * this.ptsSettings.retry.attempts + 10_000;
  }

  /**
   * In the transaction of a status change (after `status_changed_at` was set): the schedule
   * starts again from this change, or ends for an order PTS will not move any more (or that
   * PTS cannot be asked about: subscriptions are never scheduled).
   */
  async afterMove(
    manager: EntityManager,
    orderRef: string,
    to: PtsOrderStatus,
    kind: PtsOrderKind,
  ): Promise<void> {
    const afterMs = this.firstDelayMs(to, kind);
    if (afterMs === null) await this.clear(manager, orderRef);
    else await this.plan(manager, orderRef, afterMs, 0);
  }

  /**
   * How long after a move to `to` the order is first queried, or null when its schedule ends
   * (PTS will not move it any more, or cannot be asked: subscriptions are never scheduled).
   */
  firstDelayMs(to: PtsOrderStatus, kind: PtsOrderKind): number | null {
    if (!isReconciledKind(kind)) return null;
    if (to === 'created') return this.createDeadlineMs;
    return PTS_RECONCILED_STATUSES.has(to) ? this.delaysMs[0] : null;
  }

  private async clear(manager: EntityManager, orderRef: string): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(PtsOrderEntity)
      .set({ nextReconcileAt: null, reconcileAttempts: 0 })
      .where({ id: orderRef })
      .updateEntity(false)
      .execute();
  }

  /**
   * After a scheduled query found nothing new: the next delay, or the end of the schedule.
   * Returns false when the order changed meanwhile (its new schedule stands).
   */
  async advance(
    manager: EntityManager,
    orderRef: string,
    since: string,
    attempts: number,
  ): Promise<'scheduled' | 'exhausted' | 'changed'> {
    if (attempts < this.delaysMs.length) {
      const planned = await this.plan(manager, orderRef, this.delaysMs[attempts], attempts, since);
      return planned ? 'scheduled' : 'changed';
    }
    const done = await manager
      .createQueryBuilder()
      .update(PtsOrderEntity)
      .set({
        nextReconcileAt: null,
        reconcileAttempts: attempts,
        flags: () => 'CASE WHEN :flag = ANY(flags) THEN flags ELSE array_append(flags, :flag) END',
        updatedAt: () => 'now()',
      })
      .where('id = :orderRef AND status_changed_at = CAST(:since AS timestamptz)', {
        orderRef,
        since,
        flag: PTS_RECONCILE_EXHAUSTED,
      })
      .updateEntity(false)
      .execute();
    return done.affected ? 'exhausted' : 'changed';
  }

  /** Sets `next_reconcile_at` to `status_changed_at + afterMs` and enqueues its wake-up. */
  private async plan(
    manager: EntityManager,
    orderRef: string,
    afterMs: number,
    attempts: number,
    since?: string,
  ): Promise<boolean> {
    const update = manager
      .createQueryBuilder()
      .update(PtsOrderEntity)
      .set({
        // Counted by PostgreSQL from the stored time: exact to the microsecond.
        nextReconcileAt: () => 'status_changed_at + make_interval(secs => :afterSeconds)',
        reconcileAttempts: attempts,
      })
      .where({ id: orderRef })
      .setParameters({ afterSeconds: afterMs / 1000 })
      // Both times as exact text (the wake-up carries them), as PostgreSQL holds them.
      .returning(
        `${ptsExactTimeSql('next_reconcile_at')} AS due, ${ptsExactTimeSql('status_changed_at')} AS since`,
      )
      .updateEntity(false);
    if (since !== undefined) {
      update.andWhere('status_changed_at = CAST(:since AS timestamptz)', { since });
    }
    const rows = (await update.execute()).raw as { due: string; since: string }[];
    if (rows.length === 0) return false;
    const wakeUp: PtsReconcileWakeUp = { orderRef, since: rows[0].since, attempt: attempts };
    await this.jobs.send(
      manager,
      PTS_JOB_QUEUES.reconcile,
      wakeUp,
      this.wakeUpOptions(rows[0].due),
    );
    return true;
  }

  /** Options of a reconciliation wake-up due at `due` (exact text of PostgreSQL's time). */
  wakeUpOptions(due?: string) {
    return {
      startAfter: due,
      retryLimit: this.settings.reconcileRetryLimit,
      retryDelaySeconds: Math.max(1, Math.round(this.settings.reconcileRetryDelayMs / 1000)),
      retryBackoff: true,
      expireInSeconds: Math.ceil(this.leaseMs / 1000) + 30,
    };
  }
}
