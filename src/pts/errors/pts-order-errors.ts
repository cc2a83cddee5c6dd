import { PtsError } from './pts-error.js';

/** No order with this id for the account. */
export class PtsOrderNotFoundError extends PtsError {
  declare readonly orderId: string;
  declare readonly account: string;

  static forOrder(orderId: string, account: string): PtsOrderNotFoundError {
    return new PtsOrderNotFoundError({
      code: 'order_not_found',
      message: `no order "${orderId}" for account "${account}"`,
      orderId,
      account,
    });
  }
}

/** No stored callback with this id. */
export class PtsCallbackNotFoundError extends PtsError {
  declare readonly callbackId: string;

  static forCallback(callbackId: string): PtsCallbackNotFoundError {
    return new PtsCallbackNotFoundError({
      code: 'callback_not_found',
      message: `no stored callback ${callbackId}`,
      callbackId,
    });
  }
}

/** The caller's `orderId` is already used for this account (caught before PTS is asked). */
export class PtsDuplicateOrderError extends PtsError {
  declare readonly orderId: string;
  declare readonly account: string;

  static forOrder(orderId: string, account: string): PtsDuplicateOrderError {
    return new PtsDuplicateOrderError({
      code: 'duplicate_order',
      message: `order id "${orderId}" is already used for account "${account}"`,
      orderId,
      account,
    });
  }
}

/** The same `Idempotency-Key` came with a different request body. */
export class PtsIdempotencyConflictError extends PtsError {
  declare readonly idempotencyKey: string;
  declare readonly orderId: string;

  static forKey(idempotencyKey: string, orderId: string): PtsIdempotencyConflictError {
    return new PtsIdempotencyConflictError({
      code: 'idempotency_conflict',
      message: `Idempotency-Key was already used for order "${orderId}" with a different request; use a new key for a new order`,
      idempotencyKey,
      orderId,
    });
  }
}
