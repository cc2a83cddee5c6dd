import { Injectable } from '@nestjs/common';
import type { EntityManager, QueryDeepPartialEntity } from 'typeorm';
import type { PtsTransactionStatusCode } from '../protocol/pts-codes.js';
import {
  decideTransition,
  PTS_STATUS_BY_TRANSACTION_STATUS,
  type PtsOrderStatus,
  type PtsTransitionDecision,
} from '../orders/pts-order-status.js';
import { PtsJobs, PTS_JOB_QUEUES } from '../orders/pts-jobs.js';
import { PtsOutboxEntity } from '../orders/pts-outbox.entity.js';
import type { PtsOrderSnapshot } from '../orders/pts-transition-plan.js';
import { PtsSubscriptionEntity } from './pts-subscription.entity.js';
import { PtsSubscriptionPaymentEntity } from './pts-subscription-payment.entity.js';
import {
  PTS_SUBSCRIPTION_PAYMENT_EVENT,
  type PtsSubscriptionPaymentEvent,
} from './pts-subscription-events.js';

/** A payment a subscribe callback reports, and what it means for its row (A10.3). */
export interface PtsReportedPayment {
  /** PTS's `payment_transaction_id`. */
  id: string;
  ptsStatus: PtsTransactionStatusCode;
  /** The row's status; null when the payment is new. */
  from: PtsOrderStatus | null;
  to: PtsOrderStatus;
  decision: PtsTransitionDecision;
}

/** What a subscribe callback says about a payment; null where PTS signed null or "". */
export interface PtsPaymentNews {
  submitAmount: string;
  submitCurrency: string;
  acceptAmount: string | null;
  acceptCurrency: string | null;
  exchangeRate: string | null;
  /** PTS's time of the payment (`last_payment_at`, else the callback's `timestamp`). */
  paidAt: Date | null;
}

/**
 * One payment of a subscription (`pts_subscription_payments`): read under its lock before the
 * callback is decided, then recorded with the subscription's count of payments made and its
 * host event, in the callback's transaction.
 */
@Injectable()
export class PtsSubscriptionPaymentRecorder {
  constructor(private readonly jobs: PtsJobs) {}

  /** The payment's row (locked, `FOR UPDATE`, when it exists) and what the report does to it. */
  async read(
    manager: EntityManager,
    orderRef: string,
    id: string,
    ptsStatus: PtsTransactionStatusCode,
  ): Promise<PtsReportedPayment> {
    const to = PTS_STATUS_BY_TRANSACTION_STATUS[ptsStatus];
    const existing = await manager
      .getRepository(PtsSubscriptionPaymentEntity)
      .createQueryBuilder('p')
      .select('p.status')
      .where('p.orderRef = :orderRef AND p.paymentTransactionId = :id', { orderRef, id })
      .setLock('pessimistic_write')
      .getOne();
    const from = existing?.status ?? null;
    return {
      id,
      ptsStatus,
      from,
      to,
      decision: from === null ? 'apply' : decideTransition(from, to),
    };
  }

  /** Records or moves the payment (decided by `read`) and writes its host event. */
  async record(
    manager: EntityManager,
    order: Pick<PtsOrderSnapshot, 'id' | 'orderId' | 'account'>,
    callbackId: string,
    payment: PtsReportedPayment,
    news: PtsPaymentNews,
  ): Promise<void> {
    const orderRef = order.id;
    const { id, ptsStatus, from, to } = payment;
    if (from === null) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(PtsSubscriptionPaymentEntity)
        .values({
          orderRef,
          paymentTransactionId: id.slice(0, 64),
          status: to,
          ptsStatus,
          submitAmount: news.submitAmount,
          submitCurrency: news.submitCurrency,
          acceptAmount: news.acceptAmount,
          acceptCurrency: news.acceptCurrency,
          exchangeRate: news.exchangeRate,
          paidAt: news.paidAt,
          callbackId,
        })
        .updateEntity(false)
        .execute();
    } else {
      // What this callback did not say (null) keeps what an earlier one said.
      await manager
        .createQueryBuilder()
        .update(PtsSubscriptionPaymentEntity)
        .set({
          status: to,
          ptsStatus,
          callbackId,
          updatedAt: () => 'now()',
          ...(news.paidAt !== null && { paidAt: news.paidAt }),
          ...(news.acceptAmount !== null && { acceptAmount: news.acceptAmount }),
          ...(news.acceptCurrency !== null && { acceptCurrency: news.acceptCurrency }),
          ...(news.exchangeRate !== null && { exchangeRate: news.exchangeRate }),
        })
        .where({ orderRef, paymentTransactionId: id })
        .updateEntity(false)
        .execute();
    }
    const paymentsMade = await this.countPaymentsMade(manager, orderRef);
    const event: PtsSubscriptionPaymentEvent = {
      idempotencyKey: `${orderRef}:payment:${id}:${to}`,
      orderRef,
      orderId: order.orderId,
      account: order.account,
      paymentTransactionId: id,
      status: to,
      previousStatus: from,
      ptsStatus,
      amount: news.submitAmount,
      currency: news.submitCurrency,
      acceptAmount: news.acceptAmount,
      acceptCurrency: news.acceptCurrency,
      paymentsMade,
      paidAt: news.paidAt?.toISOString() ?? null,
      at: new Date().toISOString(),
    };
    const outbox: Pick<PtsOutboxEntity, 'orderRef' | 'eventType' | 'idempotencyKey' | 'payload'> = {
      orderRef,
      eventType: PTS_SUBSCRIPTION_PAYMENT_EVENT,
      idempotencyKey: event.idempotencyKey.slice(0, 160),
      payload: { ...event },
    };
    await manager
      .createQueryBuilder()
      .insert()
      .into(PtsOutboxEntity)
      // jsonb `payload`: TypeORM's deep-partial type cannot say the nulls inside it.
      .values(outbox as QueryDeepPartialEntity<PtsOutboxEntity>)
      // The same event again (its idempotency key taken) is written once.
      .orIgnore()
      .updateEntity(false)
      .execute();
    // Its wake-up job in the same transaction: delivered after the order's earlier events.
    await this.jobs.send(manager, PTS_JOB_QUEUES.events, { orderRef });
  }

  /** Sets `payments_made` to the payments that reached `success` and returns it: one statement. */
  private async countPaymentsMade(manager: EntityManager, orderRef: string): Promise<number> {
    const successes = manager
      .createQueryBuilder()
      .subQuery()
      .select('count(*)')
      .from(PtsSubscriptionPaymentEntity, 'p')
      .where('p.orderRef = :orderRef AND p.status = :success');
    const result = await manager
      .createQueryBuilder()
      .update(PtsSubscriptionEntity)
      .set({ paymentsMade: () => successes.getQuery() })
      .where({ orderRef })
      .setParameters({ orderRef, success: 'success' })
      .returning(['paymentsMade'])
      .updateEntity(false)
      .execute();
    const rows = result.raw as { payments_made: number }[];
    return Number(rows[0]?.payments_made ?? 0);
  }
}
