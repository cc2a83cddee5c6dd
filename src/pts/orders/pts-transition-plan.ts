import type { PtsOrderEntity } from './pts-order.entity.js';
import type { PtsOrderStatusEvent } from './pts-order-events.js';
import {
  decideTransition,
  type PtsOrderStatus,
  type PtsTransitionDecision,
} from './pts-order-status.js';
import type { PtsOrderPatch, PtsTransitionRequest } from './pts-order-transitions.js';
import { PTS_RECONCILE_EXHAUSTED } from './pts-reconcile-schedule.js';

/**
 * What a transition decides on and writes its event from. Patch columns left out (not read)
 * are filled with `COALESCE` in SQL; those read are compared here, so news that adds nothing
 * writes nothing.
 */
export type PtsOrderSnapshot = Pick<
  PtsOrderEntity,
  'id' | 'account' | 'orderId' | 'kind' | 'status' | 'flags' | 'amount' | 'currency'
> &
  Partial<Pick<PtsOrderEntity, keyof PtsOrderPatch>>;

/** What applying a request to an order writes (docs/protocol.md A8). */
export interface PtsTransitionPlan {
  decision: PtsTransitionDecision;
  from: PtsOrderStatus;
  to: PtsOrderStatus;
  /** Order columns (by property) to set. */
  set: Partial<Record<keyof PtsOrderPatch | 'status' | 'flags', unknown>>;
  /** Order columns (by property) to fill only where still null (not read, so unknown here). */
  fill: Partial<Record<keyof PtsOrderPatch, unknown>>;
  /** Whether the order row is written at all (a duplicate that adds nothing is not). */
  writes: boolean;
  /** The host event of a move. */
  event?: PtsOrderStatusEvent;
}

/** Fields that describe the status itself, so only a move may set them. */
const NEVER_FILLED = new Set<string>(['ptsStatus', 'errorCode', 'errorMessage']);

/** The rules of A8 applied to one order: pure, so callers decide before they write. */
export function planTransition(
  order: PtsOrderSnapshot,
  request: PtsTransitionRequest,
): PtsTransitionPlan {
  const from = order.status;
  const decision = decideTransition(from, request.to);
  const plan: PtsTransitionPlan = {
    decision,
    from,
    to: request.to,
    set: {},
    fill: {},
    writes: false,
  };
  const flags = new Set(order.flags);
  for (const flag of request.flags ?? []) flags.add(flag);
  if (decision === 'final-conflict') flags.add('conflicting_final_news');
  // A move restarts the schedule (or ends it): the order no longer waits for an operator.
  if (decision === 'apply') flags.delete(PTS_RECONCILE_EXHAUSTED);
  if (flags.size !== order.flags.length || order.flags.some((f) => !flags.has(f))) {
    plan.set.flags = [...flags];
  }
  const patch = request.patch ?? {};
  if (decision === 'apply') {
    plan.set.status = request.to;
    for (const [key, value] of Object.entries(patch)) {
      if (value !== undefined) plan.set[key as keyof PtsOrderPatch] = value;
    }
    plan.event = ptsStatusEvent(order, from, request);
  } else {
    // Older news does not move the order, but may fill what is still unknown (a callback
    // that overtook the create answer must not lose the transaction id or pay URL).
    for (const [name, value] of Object.entries(patch)) {
      const key = name as keyof PtsOrderPatch;
      if (value === undefined || value === null || NEVER_FILLED.has(key)) continue;
      if (key === 'lastQueriedAt') plan.set[key] = value;
      else if (!(key in order)) plan.fill[key] = value;
      else if (order[key] === null) plan.set[key] = value;
    }
  }
  plan.writes = Object.keys(plan.set).length > 0 || Object.keys(plan.fill).length > 0;
  return plan;
}

/** The host event of a move (`@OnPtsOrderStatus`): what the order says, with the news applied. */
export function ptsStatusEvent(
  order: PtsOrderSnapshot,
  from: PtsOrderStatus | null,
  request: PtsTransitionRequest,
): PtsOrderStatusEvent {
  const patch = request.patch ?? {};
  return {
    idempotencyKey: `${order.id}:${request.to}`,
    orderRef: order.id,
    orderId: order.orderId,
    account: order.account,
    kind: order.kind,
    status: request.to,
    previousStatus: from,
    cause: request.cause,
    transactionId: patch.transactionId ?? order.transactionId ?? null,
    ptsStatus: patch.ptsStatus ?? order.ptsStatus ?? null,
    amount: order.amount,
    currency: order.currency,
    acceptAmount: patch.acceptAmount ?? order.acceptAmount ?? null,
    acceptCurrency: patch.acceptCurrency ?? order.acceptCurrency ?? null,
    at: new Date().toISOString(),
  };
}
