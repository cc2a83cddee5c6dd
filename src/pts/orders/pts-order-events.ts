import { SetMetadata } from '@nestjs/common';
import type { PtsTransitionCause } from './pts-order-history.entity.js';
import type { PtsOrderKind, PtsOrderStatus } from './pts-order-status.js';

export const PTS_ORDER_STATUS_EVENT = 'order.status';

/**
 * What a host handler receives when an order reaches a status: after the change is committed,
 * at least once. `idempotencyKey` is the same on every redelivery of the same change.
 */
export interface PtsOrderStatusEvent {
  idempotencyKey: string;
  orderRef: string;
  orderId: string;
  account: string;
  kind: PtsOrderKind;
  status: PtsOrderStatus;
  previousStatus: PtsOrderStatus | null;
  cause: PtsTransitionCause;
  transactionId: string | null;
  ptsStatus: string | null;
  /** Decimal strings, as stored (A7). */
  amount: string;
  currency: string;
  acceptAmount: string | null;
  acceptCurrency: string | null;
  /** ISO time of the change. */
  at: string;
}

export const PTS_ORDER_STATUS_HANDLER = 'pts:order-status-handler';

/**
 * Marks a provider method as a handler of order status changes:
 * `@OnPtsOrderStatus('success')`, several statuses, or none for every status.
 * A handler that throws gets the event again later, with backoff.
 */
export const OnPtsOrderStatus = (...statuses: PtsOrderStatus[]): MethodDecorator =>
  SetMetadata(PTS_ORDER_STATUS_HANDLER, statuses);
