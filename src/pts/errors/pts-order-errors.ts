import { PtsError } from './pts-error.js';

/** No order with this id for the account. */
export class PtsOrderNotFoundError extends PtsError {
  override readonly name: string = 'PtsOrderNotFoundError';

  constructor(
    readonly orderId: string,
    readonly account: string,
  ) {
    super('order_not_found', `no order "${orderId}" for account "${account}"`);
  }
}

/** No stored callback with this id. */
export class PtsCallbackNotFoundError extends PtsError {
  override readonly name: string = 'PtsCallbackNotFoundError';

  constructor(readonly callbackId: string) {
    super('callback_not_found', `no stored callback ${callbackId}`);
  }
}

/** The caller's `orderId` is already used for this account (caught before PTS is asked). */
export class PtsDuplicateOrderError extends PtsError {
  override readonly name: string = 'PtsDuplicateOrderError';

  constructor(
    readonly orderId: string,
    readonly account: string,
  ) {
    super('duplicate_order', `order id "${orderId}" is already used for account "${account}"`);
  }
}

/** The same `Idempotency-Key` came with a different request body. */
export class PtsIdempotencyConflictError extends PtsError {
  override readonly name: string = 'PtsIdempotencyConflictError';

  constructor(
    readonly idempotencyKey: string,
    readonly orderId: string,
  ) {
    super(
      'idempotency_conflict',
      `Idempotency-Key was already used for order "${orderId}" with a different request; use a new key for a new order`,
    );
  }
}

/**
 * The order a failed create left behind (as `rejected` or `unknown`), so the caller learns its
 * id even when the call fails: an `unknown` order must be synced later.
 */
export interface PtsOrderContext {
  orderId: string;
  account: string;
  status: string;
}

const ORDER_CONTEXT = new WeakMap<object, PtsOrderContext>();

export function attachOrderContext<E>(error: E, context: PtsOrderContext): E {
  if (typeof error === 'object' && error !== null) ORDER_CONTEXT.set(error, context);
  return error;
}

export function orderContextOf(error: unknown): PtsOrderContext | undefined {
  return typeof error === 'object' && error !== null ? ORDER_CONTEXT.get(error) : undefined;
}
