import { SetMetadata } from '@nestjs/common';
import type { PtsOrderStatus } from '../orders/pts-order-status.js';

export const PTS_SUBSCRIPTION_PAYMENT_EVENT = 'subscription.payment';

/**
 * What a host handler receives when a payment of a subscription reaches a status (a charge
 * made, failed, ...): after the change is committed, at least once. `idempotencyKey` is
 * `<order uuid>:payment:<payment_transaction_id>:<status>`, the same on every redelivery.
 */
export interface PtsSubscriptionPaymentEvent {
  idempotencyKey: string;
  orderRef: string;
  /** The subscription's order id. */
  orderId: string;
  account: string;
  /** PTS's id of this payment (`payment_transaction_id`). */
  paymentTransactionId: string;
  /** `success` for a payment made; `failed`, `processing`, ... as for orders (A10.3). */
  status: PtsOrderStatus;
  previousStatus: PtsOrderStatus | null;
  /** The PTS transaction status (B5.1), e.g. `2000`. */
  ptsStatus: string;
  /** Decimal strings as PTS sent them (A7). */
  amount: string;
  currency: string;
  /** null when PTS sent none (a failed payment). */
  acceptAmount: string | null;
  acceptCurrency: string | null;
  /** Successful payments of the subscription so far, this one included. */
  paymentsMade: number;
  /** ISO time PTS gave for the payment, when it gave one. */
  paidAt: string | null;
  /** ISO time of the change. */
  at: string;
}

export const PTS_SUBSCRIPTION_PAYMENT_HANDLER = 'pts:subscription-payment-handler';

/**
 * Marks a provider method as a handler of subscription payments:
 * `@OnPtsSubscriptionPayment('success')`, several statuses, or none for every status.
 * A handler that throws gets the event again later, with backoff (like `@OnPtsOrderStatus`).
 */
export const OnPtsSubscriptionPayment = (...statuses: PtsOrderStatus[]): MethodDecorator =>
  SetMetadata(PTS_SUBSCRIPTION_PAYMENT_HANDLER, statuses);
