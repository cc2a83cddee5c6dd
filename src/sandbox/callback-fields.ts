import type { PtsSandboxOrder } from './order.js';

/** The flat field set of B 4.2 / 4.5 for an order at its current status. */
export function callbackFields(order: PtsSandboxOrder): Record<string, unknown> {
  const fields: Record<string, unknown> = transactionStatusFields(order);
  if (order.errorMessage) fields.error_message = order.errorMessage;
  if (order.referenceNumber && order.version === 'v2') {
    fields.reference_number = order.referenceNumber;
  }
  return fields;
}

/** The signed core of callbacks and query answers (B 4.2, 4.3, 4.5, 4.6). */
export function transactionStatusFields(order: PtsSandboxOrder): Record<string, unknown> {
  return {
    user_id: order.userId,
    order_id: order.orderId,
    transaction_id: order.transactionId,
    channel: order.channel,
    submit_currency: order.currency,
    submit_amount: order.amount,
    accept_currency: order.acceptCurrency,
    accept_amount: order.acceptAmount,
    exchange_rate: order.exchangeRate,
    status: order.status,
    timestamp: order.statusTimestamp,
  };
}
