import type { PtsTransactionStatusCode } from '../protocol/pts-codes.js';

/** Order states of docs/protocol.md A8. */
export const PTS_ORDER_STATUSES = [
  'created',
  'waiting',
  'processing',
  'success',
  'failed',
  'error',
  'expired',
  'rejected',
  'unknown',
  // Subscriptions (docs/subscriptions.md): accepted and charging, then switched off for good.
  'active',
  'disabled',
] as const;

export type PtsOrderStatus = (typeof PTS_ORDER_STATUSES)[number];

export type PtsOrderKind = 'payment' | 'withdraw' | 'subscription';

/** Final states never change again (A8). */
export const PTS_FINAL_STATUSES: ReadonlySet<PtsOrderStatus> = new Set([
  'success',
  'failed',
  'rejected',
  'disabled',
]);

/** The order status a PTS transaction status means (B 5.1 -> A8). */
export const PTS_STATUS_BY_TRANSACTION_STATUS: Readonly<
  Record<PtsTransactionStatusCode, PtsOrderStatus>
> = {
  '0000': 'waiting',
  '1000': 'processing',
  '2000': 'success',
  '3000': 'failed',
  '4000': 'error',
  '5000': 'expired',
};

/**
 * How far along an order is. A status never moves to a lower rank (A8: `processing` never
 * returns to `waiting`); equal ranks do not replace each other (`error` and `expired` are both
 * "stopped, may still end"), and only `expired`/`error` may still turn into an end.
 */
const RANK: Readonly<Record<PtsOrderStatus, number>> = {
  created: 0,
  unknown: 1,
  waiting: 2,
  processing: 3,
  error: 4,
  expired: 4,
  success: 5,
  failed: 5,
  rejected: 5,
  active: 2,
  disabled: 5,
};

/** What applying `to` to an order in `from` means. */
export type PtsTransitionDecision =
  /** Move the order. */
  | 'apply'
  /** Already there: nothing to do, safely acknowledged. */
  | 'duplicate'
  /** Older news (out of order): recorded, not applied. */
  | 'stale'
  /** The order is final and this disagrees: recorded, flagged, never applied. */
  | 'final-conflict';

/** The one place the transition rules of A8 live. */
export function decideTransition(from: PtsOrderStatus, to: PtsOrderStatus): PtsTransitionDecision {
  if (from === to) return 'duplicate';
  if (PTS_FINAL_STATUSES.has(from)) {
    // A step on the way (1000 after 2000) is out-of-order news; another end is a conflict.
    return PTS_FINAL_STATUSES.has(to) ? 'final-conflict' : 'stale';
  }
  if (to === 'created') return 'stale';
  // `rejected` and `unknown` come only from our own create call, never from PTS news.
  if (to === 'rejected') return from === 'created' || from === 'unknown' ? 'apply' : 'stale';
  if (to === 'unknown') return from === 'created' ? 'apply' : 'stale';
  return RANK[to] > RANK[from] ? 'apply' : 'stale';
}

export function isFinalStatus(status: PtsOrderStatus): boolean {
  return PTS_FINAL_STATUSES.has(status);
}
