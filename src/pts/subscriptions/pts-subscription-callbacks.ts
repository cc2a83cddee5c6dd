import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { PtsCallbackOutcome } from '../callbacks/pts-callback.entity.js';
import type { PtsAccount } from '../options/pts-accounts.js';
import { isPtsTransactionStatusCode } from '../protocol/pts-codes.js';
import type { PtsJsonObject } from '../protocol/pts-json.js';
import { decimalText, idText, signedText, statusText } from '../protocol/pts-message.js';
import type { PtsVerification } from '../protocol/pts-signer.js';
import {
  decideTransition,
  PTS_STATUS_BY_TRANSACTION_STATUS,
  type PtsOrderStatus,
} from '../orders/pts-order-status.js';
import { PtsJobs, PTS_JOB_QUEUES } from '../orders/pts-jobs.js';
import { PtsOrderTransitions } from '../orders/pts-order-transitions.js';
import { describeMismatch, patchFromResult } from '../orders/pts-order-sync.js';
import {
  PTS_SUBSCRIPTION_PAYMENT_EVENT,
  type PtsSubscriptionPaymentEvent,
} from './pts-subscription-events.js';

/** What the callback processor records for a callback (its `store`). */
export interface PtsSubscriptionCallbackRecord {
  account?: string;
  orderId?: string;
  orderRef?: string;
  ptsStatus?: string;
  verification?: PtsVerification;
  outcome: PtsCallbackOutcome;
  httpStatus: number;
  reason?: string;
}

/** What a subscribe callback says about a payment; null where PTS signed null or "". */
interface PaymentNews {
  submitAmount: string;
  submitCurrency: string;
  acceptAmount: string | null;
  acceptCurrency: string | null;
  exchangeRate: string | null;
}

export type PtsStoreCallback = (
  manager: EntityManager,
  record: PtsSubscriptionCallbackRecord,
) => Promise<string>;

export interface PtsSubscriptionCallbackVerdict {
  callbackId: string;
  outcome: PtsCallbackOutcome;
  httpStatus: number;
  reason?: string;
  /** True when something was committed that host handlers should hear about. */
  moved: boolean;
}

/**
 * The subscribe callback (B4.11), verified and stored by the callback processor like every
 * callback (A6, A10.5), applied here: the subscription's state (`enabled`, payment times) and
 * the payment it reports, each payment's status moving by the rules of A10.3 and every move
 * written with its host event in the same transaction.
 */
@Injectable()
export class PtsSubscriptionCallbacks {
  private readonly logger = new Logger('PtsSubscriptionCallbacks');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transitions: PtsOrderTransitions,
    private readonly jobs: PtsJobs,
  ) {}

  /** Null `ptsStatus` is fine: a callback may report only `enabled`, without a payment. */
  async apply(
    account: PtsAccount,
    message: PtsJsonObject,
    verification: PtsVerification,
    store: PtsStoreCallback,
  ): Promise<PtsSubscriptionCallbackVerdict> {
    const orderId = message.order_id as string;
    const paymentStatus = statusText(message.payment_status);
    // Signed fields PTS sent as null or "" are null here (docs/protocol.md A5); a payment made
    // (2000) has what it needs, checked after verification.
    const paymentId = signedText(message.payment_transaction_id) ?? undefined;
    const verdict = await this.dataSource.transaction(async (manager) => {
      const order = await this.transitions.lockByOrderId(
        manager,
        account.name,
        orderId,
        'subscription',
      );
      const callbackId = await store(manager, {
        account: account.name,
        orderId,
        orderRef: order?.id,
        ptsStatus: paymentStatus,
        verification,
        outcome: 'rejected',
        httpStatus: 404,
        reason: `no subscription ${orderId} for account ${account.name}`,
      });
      const finish = async (
        outcome: PtsCallbackOutcome,
        httpStatus: number,
        reason: string,
        moved = false,
      ): Promise<PtsSubscriptionCallbackVerdict> => {
        await manager.query(
          `UPDATE pts_callbacks SET outcome = $2, reason = $3, http_status = $4 WHERE id = $1`,
          [callbackId, outcome, reason, httpStatus],
        );
        return { callbackId, outcome, httpStatus, reason, moved };
      };
      if (!order) {
        return {
          callbackId,
          outcome: 'rejected' as const,
          httpStatus: 404,
          moved: false,
          reason: 'unknown subscription',
        };
      }
      if ((paymentId === undefined) !== (paymentStatus === undefined)) {
        return finish('rejected', 400, 'payment_transaction_id and payment_status come together');
      }
      if (paymentStatus !== undefined && !isPtsTransactionStatusCode(paymentStatus)) {
        return finish('rejected', 400, `payment_status ${paymentStatus} is not a PTS status`);
      }
      const amount = (value: unknown) => (signedText(value) === null ? null : decimalText(value)!);
      const news = {
        transactionId: signedText(message.transaction_id),
        submitAmount: amount(message.submit_amount),
        submitCurrency: signedText(message.submit_currency),
        acceptAmount: amount(message.accept_amount),
        acceptCurrency: signedText(message.accept_currency),
        exchangeRate: amount(message.exchange_rate),
      };
      const mismatch = describeMismatch(order, account, {
        userId: idText(message.user_id),
        submitAmount: news.submitAmount ?? undefined,
        submitCurrency: news.submitCurrency ?? undefined,
      });
      if (mismatch) {
        await this.transitions.apply(manager, order.id, {
          to: order.status,
          cause: 'callback',
          callbackId,
          flags: ['amount_mismatch'],
        });
        return finish('mismatch', 200, mismatch);
      }

      const enabled = message.enabled === true;
      const state = await this.transitions.apply(manager, order.id, {
        to: enabled ? 'active' : 'disabled',
        cause: enabled ? 'callback' : 'subscription_disabled',
        callbackId,
        detail: enabled ? 'subscribe callback: enabled' : 'subscribe callback: disabled at PTS',
        patch: patchFromResult(news),
      });
      await manager.query(
        `UPDATE pts_subscriptions SET
            subscribe_at = COALESCE($2, subscribe_at),
            last_payment_at = GREATEST(last_payment_at, $3),
            next_payment_at = CASE WHEN $5 THEN COALESCE($4, next_payment_at) ELSE NULL END,
            enabled = CASE WHEN $5 THEN enabled ELSE false END,
            disabled_at = CASE WHEN $5 THEN disabled_at ELSE COALESCE(disabled_at, now()) END
          WHERE order_ref = $1`,
        [
          order.id,
          unixTime(message.subscribe_at),
          unixTime(message.last_payment_at),
          unixTime(message.next_payment_at),
          enabled && state.order.status !== 'disabled',
        ],
      );

      let paymentNote = '';
      let paymentMoved = false;
      if (paymentId !== undefined && paymentStatus !== undefined) {
        const to = PTS_STATUS_BY_TRANSACTION_STATUS[paymentStatus];
        const result = await this.payment(
          manager,
          order.id,
          callbackId,
          paymentId,
          paymentStatus,
          to,
          {
            // Each payment charges the subscription's amount; PTS's own figures win when sent.
            submitAmount: news.submitAmount ?? order.amount,
            submitCurrency: news.submitCurrency ?? order.currency,
            acceptAmount: news.acceptAmount,
            acceptCurrency: news.acceptCurrency,
            exchangeRate: news.exchangeRate,
          },
          message,
        );
        paymentMoved = result.moved;
        paymentNote = `payment ${paymentId} ${result.note}`;
      }
      const moved = state.decision === 'apply' || paymentMoved;
      const stateNote =
        state.decision === 'apply'
          ? `${state.from} -> ${state.order.status}`
          : `subscription ${state.order.status}`;
      const reason = [stateNote, paymentNote].filter(Boolean).join('; ');
      if (moved) return finish('applied', 200, reason, true);
      const stale =
        state.decision === 'stale' ||
        state.decision === 'final-conflict' ||
        /^payment \S+ (stale|final-conflict)/.test(paymentNote);
      return finish(stale ? 'ignored' : 'duplicate', 200, reason);
    });
    this.logger.log(
      `subscribeCallback ${account.name}/${orderId}${paymentStatus ? ` ${paymentStatus}` : ''}: ${verdict.outcome}${verdict.reason ? ` (${verdict.reason})` : ''}`,
    );
    return verdict;
  }

  /** Records or moves one payment; an applied move writes its host event. */
  private async payment(
    manager: EntityManager,
    orderRef: string,
    callbackId: string,
    paymentId: string,
    ptsStatus: string,
    to: PtsOrderStatus,
    news: PaymentNews,
    message: PtsJsonObject,
  ): Promise<{ moved: boolean; note: string }> {
    const paidAt = unixTime(message.last_payment_at) ?? unixTime(message.timestamp);
    const existing: { status: PtsOrderStatus }[] = await manager.query(
      `SELECT status FROM pts_subscription_payments WHERE order_ref = $1 AND payment_transaction_id = $2 FOR UPDATE`,
      [orderRef, paymentId],
    );
    const from = existing[0]?.status ?? null;
    if (from === null) {
      await manager.query(
        `INSERT INTO pts_subscription_payments (order_ref, payment_transaction_id, status, pts_status,
                submit_amount, submit_currency, accept_amount, accept_currency, exchange_rate, paid_at, callback_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          orderRef,
          paymentId.slice(0, 64),
          to,
          ptsStatus,
          news.submitAmount,
          news.submitCurrency,
          news.acceptAmount,
          news.acceptCurrency,
          news.exchangeRate,
          paidAt,
          callbackId,
        ],
      );
    } else {
      const decision = decideTransition(from, to);
      if (decision !== 'apply') return { moved: false, note: `${decision} (${from}, says ${to})` };
      await manager.query(
        `UPDATE pts_subscription_payments SET status = $3, pts_status = $4, callback_id = $5,
                paid_at = COALESCE($6, paid_at), accept_amount = COALESCE($7, accept_amount),
                accept_currency = COALESCE($8, accept_currency),
                exchange_rate = COALESCE($9, exchange_rate), updated_at = now()
          WHERE order_ref = $1 AND payment_transaction_id = $2`,
        [
          orderRef,
          paymentId,
          to,
          ptsStatus,
          callbackId,
          paidAt,
          news.acceptAmount,
          news.acceptCurrency,
          news.exchangeRate,
        ],
      );
    }
    await manager.query(
      `UPDATE pts_subscriptions SET payments_made =
          (SELECT count(*) FROM pts_subscription_payments WHERE order_ref = $1 AND status = 'success')
        WHERE order_ref = $1`,
      [orderRef],
    );
    const counted: { made: number }[] = await manager.query(
      `SELECT payments_made AS made FROM pts_subscriptions WHERE order_ref = $1`,
      [orderRef],
    );
    const order: { order_id: string; account: string }[] = await manager.query(
      `SELECT order_id, account FROM pts_orders WHERE id = $1`,
      [orderRef],
    );
    const event: PtsSubscriptionPaymentEvent = {
      idempotencyKey: `${orderRef}:payment:${paymentId}:${to}`,
      orderRef,
      orderId: order[0].order_id,
      account: order[0].account,
      paymentTransactionId: paymentId,
      status: to,
      previousStatus: from,
      ptsStatus,
      amount: news.submitAmount,
      currency: news.submitCurrency,
      acceptAmount: news.acceptAmount,
      acceptCurrency: news.acceptCurrency,
      paymentsMade: Number(counted[0]?.made ?? 0),
      paidAt: paidAt?.toISOString() ?? null,
      at: new Date().toISOString(),
    };
    await manager.query(
      `INSERT INTO pts_outbox (order_ref, event_type, idempotency_key, payload)
       VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING`,
      [
        orderRef,
        PTS_SUBSCRIPTION_PAYMENT_EVENT,
        event.idempotencyKey.slice(0, 160),
        JSON.stringify(event),
      ],
    );
    // Its wake-up job in the same transaction: delivered after the order's earlier events.
    await this.jobs.send(manager, PTS_JOB_QUEUES.events, { orderRef });
    return { moved: true, note: from === null ? `recorded as ${to}` : `${from} -> ${to}` };
  }
}

/** Unix seconds (a signed integer field) as a Date; absent or empty gives null. */
function unixTime(value: unknown): Date | null {
  const text = idText(value);
  if (text === undefined || !/^\d{1,12}$/.test(text)) return null;
  return new Date(Number(text) * 1000);
}
