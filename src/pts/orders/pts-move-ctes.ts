import type { PtsJobs } from './pts-jobs.js';
import { PTS_JOB_QUEUES } from './pts-jobs.js';
import { PTS_ORDER_STATUS_EVENT } from './pts-order-events.js';
import type { PtsOrderStatus } from './pts-order-status.js';
import type { PtsTransitionRequest } from './pts-order-transitions.js';
import type { PtsReconcileSchedule } from './pts-reconcile-schedule.js';
import type { PtsTransitionPlan } from './pts-transition-plan.js';

/** A transition's plan, or a new order's first record (`from` null: its `created` row). */
export type PtsWrittenPlan = Omit<PtsTransitionPlan, 'from'> & { from: PtsOrderStatus | null };

/** The move being written, and the named parameters of its statement (added to here). */
export interface PtsMoveStatement {
  plan: PtsWrittenPlan;
  request: PtsTransitionRequest;
  params: Record<string, unknown>;
  /** SQL for the history row's `callback_id`. */
  callbackId: string;
}

/** The wake-ups of a move (docs/reconciliation.md, "A create's statements"). */
export interface PtsMoveWakeUps {
  /** Whether the new status is reconciled (a next wake-up at `next_reconcile_at`). */
  scheduled: boolean;
  /** A reconciliation wake-up still waiting: moved to the new due time, or deleted. */
  wakeUp?: string;
  /** The id a new reconciliation wake-up gets (default: pg-boss's). */
  newWakeUp?: string;
  /** An event wake-up still waiting: held, it delivers this event too. */
  eventWakeUp?: string;
  /** The id a new event wake-up gets (default: pg-boss's). */
  newEventWakeUp?: string;
}

/**
 * What a move writes besides the order row, as CTEs over `moved` (the order row as written,
 * with `id`, `next_reconcile_at` and `since`): its history row, its outbox event, the event's
 * wake-up and, when the new status is reconciled, its next reconciliation wake-up. A wake-up
 * still waiting from the order's create is reused rather than sent again: the reconciliation
 * one is moved to the new due time (a new one only if a worker took it meanwhile) or deleted
 * when the schedule ends; the event one is held by the statement and delivers this event too
 * (a new one only if a worker took it meanwhile).
 */
export function ptsMoveCtes(
  jobs: PtsJobs,
  schedule: PtsReconcileSchedule,
  move: PtsMoveStatement,
  wakeUps: PtsMoveWakeUps,
): string[] {
  const { plan, request, params, callbackId } = move;
  params.from = plan.from;
  params.to = plan.to;
  params.cause = request.cause;
  params.detail = request.detail ?? null;
  params.callbackId = request.callbackId ?? null;
  params.eventType = PTS_ORDER_STATUS_EVENT;
  params.eventKey = plan.event!.idempotencyKey;
  params.payload = JSON.stringify(plan.event);
  const ctes = [
    `history AS (
       INSERT INTO pts_order_history (order_ref, from_status, to_status, cause, callback_id, detail)
       SELECT moved.id, :from::text, :to::text, :cause::text, ${callbackId}, :detail::text FROM moved)`,
    `outbox AS (
       INSERT INTO pts_outbox (order_ref, event_type, idempotency_key, payload)
       SELECT moved.id, :eventType::text, :eventKey::text, :payload::jsonb FROM moved
       ON CONFLICT (idempotency_key) DO NOTHING)`,
  ];
  if (wakeUps.eventWakeUp !== undefined) {
    params.eventWakeUp = wakeUps.eventWakeUp;
    ctes.push(
      `event_wake_up AS (${jobs.sql.heldSql(PTS_JOB_QUEUES.events, ':eventWakeUp::uuid')})`,
    );
  }
  if (wakeUps.newEventWakeUp !== undefined) params.newEventWakeUp = wakeUps.newEventWakeUp;
  ctes.push(
    `event_job AS (${jobs.sql.insertSql(PTS_JOB_QUEUES.events, {
      from: 'moved',
      data: "jsonb_build_object('orderRef', moved.id)",
      id: wakeUps.newEventWakeUp === undefined ? undefined : ':newEventWakeUp::uuid',
      where:
        wakeUps.eventWakeUp === undefined ? undefined : 'NOT EXISTS (SELECT 1 FROM event_wake_up)',
    })})`,
  );
  if (wakeUps.wakeUp !== undefined) params.wakeUp = wakeUps.wakeUp;
  if (!wakeUps.scheduled) {
    if (wakeUps.wakeUp !== undefined) {
      ctes.push(
        `wake_up_cancelled AS (${jobs.sql.cancelSql(PTS_JOB_QUEUES.reconcile, ':wakeUp::uuid')})`,
      );
    }
    return ctes;
  }
  // PtsReconcileWakeUp: the step it was sent for (docs/reconciliation.md).
  const next = {
    from: 'moved',
    data: "jsonb_build_object('orderRef', moved.id, 'since', moved.since, 'attempt', 0)",
    startAfter: 'moved.next_reconcile_at',
  };
  let where: string | undefined;
  if (wakeUps.wakeUp !== undefined) {
    ctes.push(
      `wake_up_moved AS (${jobs.sql.rescheduleSql(PTS_JOB_QUEUES.reconcile, { ...next, id: ':wakeUp::uuid' })})`,
    );
    where = 'NOT EXISTS (SELECT 1 FROM wake_up_moved)';
  }
  if (wakeUps.newWakeUp !== undefined) params.newWakeUp = wakeUps.newWakeUp;
  ctes.push(
    `reconcile_job AS (${jobs.sql.insertSql(
      PTS_JOB_QUEUES.reconcile,
      { ...next, where, id: wakeUps.newWakeUp === undefined ? undefined : ':newWakeUp::uuid' },
      schedule.wakeUpOptions(),
    )})`,
  );
  return ctes;
}
