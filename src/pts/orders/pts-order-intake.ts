import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import {
  isPtsOutcomeUnknown,
  PtsError,
  PtsGatewayError,
  PtsInvalidRequestError,
} from '../errors/pts-error.js';
import { PtsDuplicateOrderError, PtsIdempotencyConflictError } from '../errors/pts-order-errors.js';
import { generatePtsOrderId, PTS_ORDER_ID_PATTERN } from './pts-order-id.js';
import type { PtsCreatedRow, PtsNewOrder } from './pts-order-writer.js';
import { PtsOrderEntity } from './pts-order.entity.js';
import { PtsOrderTransitions, type PtsTransitionRequest } from './pts-order-transitions.js';

export type { PtsNewOrder } from './pts-order-writer.js';

/**
 * A create's row: new (with its row version and deadline wake-up), or the earlier order of an
 * idempotent retry.
 */
export type PtsStoredOrder =
  ({ fresh: true } & PtsCreatedRow) | { fresh: false; order: PtsOrderEntity };

/** The order id a caller gave, checked, or a generated one (sortable, URL-safe; A9). */
export function checkedOrderId(orderId: string | undefined): string {
  if (orderId !== undefined && !PTS_ORDER_ID_PATTERN.test(orderId)) {
    throw new PtsInvalidRequestError({
      code: 'invalid_order_id',
      message: 'orderId must be 1 to 64 characters of letters, digits, "_" and "-"',
      field: 'orderId',
    });
  }
  return orderId ?? generatePtsOrderId();
}

/**
 * What payments, withdrawals and subscriptions share when they create an order: it is stored as
 * `created`, committed, before its request leaves (A8).
 */
@Injectable()
export class PtsOrderIntake {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transitions: PtsOrderTransitions,
  ) {}

  /**
   * Stores the order as `created` with its first history row and event, committed before the
   * request leaves (A8): one statement (`PtsOrderWriter.insertCreated`), or, when `alongside`
   * writes rows that belong to it, one transaction holding both. A fresh order comes with its
   * row version and deadline wake-up, for the checked move that follows
   * (`PtsOrderTransitions.moveFrom`).
   * When its order id or idempotency key is taken: a retry with the same key and request gets
   * the earlier order (`fresh: false`); any other is `PtsIdempotencyConflictError` or
   * `PtsDuplicateOrderError`.
   */
  async insertCreated(
    values: PtsNewOrder,
    alongside?: (manager: EntityManager, orderRef: string) => Promise<void>,
  ): Promise<PtsStoredOrder> {
    const inserted = alongside
      ? await this.dataSource.transaction(async (manager) => {
          const created = await this.transitions.insertCreated(manager, values);
          if (created) await alongside(manager, created.order.id);
          return created;
        })
      : await this.transitions.insertCreated(this.dataSource.manager, values);
    if (inserted) return { ...inserted, fresh: true };
    if (values.idempotencyKey !== null) {
      const previous = await this.dataSource.getRepository(PtsOrderEntity).findOneBy({
        account: values.account,
        idempotencyKey: values.idempotencyKey,
      });
      if (previous) {
        if (
          previous.requestFingerprint !== values.requestFingerprint ||
          previous.kind !== values.kind
        ) {
          throw PtsIdempotencyConflictError.forKey(values.idempotencyKey, previous.orderId);
        }
        return { order: previous, fresh: false };
      }
    }
    throw PtsDuplicateOrderError.forOrder(values.orderId, values.account);
  }
}

/**
 * The move that ends a failed create: `unknown` when it may have reached PTS
 * (`isPtsOutcomeUnknown`), else `rejected`, with the PTS or error code and the message kept on
 * the order. `code` is for the caller's log line.
 */
export function failedCreate(
  error: unknown,
  message: string,
): { request: PtsTransitionRequest; code: string } {
  const unknown = isPtsOutcomeUnknown(error);
  const code =
    error instanceof PtsGatewayError
      ? error.ptsCode
      : error instanceof PtsError
        ? error.code
        : 'internal';
  return {
    code,
    request: {
      to: unknown ? 'unknown' : 'rejected',
      cause: unknown ? 'gateway_no_answer' : 'gateway_rejected',
      detail: message.slice(0, 500),
      patch: { errorCode: code.slice(0, 16), errorMessage: message.slice(0, 2000) },
    },
  };
}
