import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { PtsCallbackOutcome } from '../callbacks/pts-callback.entity.js';
import { callbackNews } from '../callbacks/pts-callback-decisions.js';
import type { PtsCallbackRow } from '../callbacks/pts-callback-store.js';
import type { PtsAccount } from '../options/pts-accounts.js';
import {
  isPtsTransactionStatusCode,
  type PtsTransactionStatusCode,
} from '../protocol/pts-codes.js';
import type { PtsJsonObject } from '../protocol/pts-json.js';
import { idText, signedText, statusText } from '../protocol/pts-message.js';
import type { PtsVerification } from '../protocol/pts-signer.js';
import {
  decideTransition,
  PTS_STATUS_BY_TRANSACTION_STATUS,
  type PtsOrderStatus,
  type PtsTransitionDecision,
} from '../orders/pts-order-status.js';
import { PtsJobs, PTS_JOB_QUEUES } from '../orders/pts-jobs.js';
import { PtsOrderTransitions, type PtsTransitionRequest } from '../orders/pts-order-transitions.js';
import { describeMismatch, patchFromResult } from '../orders/pts-order-sync.js';
import { planTransition, type PtsOrderSnapshot } from '../orders/pts-transition-plan.js';
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

  /**
   * Null `ptsStatus` is fine: a callback may report only `enabled`, without a payment. The
   * order is read once, under its lock; everything is decided before the callback row is
   * written, once, with its final outcome (`store`, or in the statement of the state's
   * transition with `row`).
   */
  async apply(
    account: PtsAccount,
    message: PtsJsonObject,
    verification: PtsVerification,
    store: PtsStoreCallback,
    row: (record: PtsSubscriptionCallbackRecord) => PtsCallbackRow,
  ): Promise<PtsSubscriptionCallbackVerdict> {
    const orderId = message.order_id as string;
    const paymentStatus = statusText(message.payment_status);
    // Signed fields PTS sent as null or "" are null here (docs/protocol.md A5); a payment made
    // (2000) has what it needs, checked after verification.
    const paymentId = signedText(message.payment_transaction_id) ?? undefined;
    const verdict = await this.dataSource.transaction(async (manager) => {
      const order = await this.transitions.snapshot(
        manager,
        { account: account.name, orderId, kind: 'subscription' },
        true,
      );
      const record = (
        outcome: PtsCallbackOutcome,
        httpStatus: number,
        reason: string,
      ): PtsSubscriptionCallbackRecord => ({
        account: account.name,
        orderId,
        orderRef: order?.id,
        ptsStatus: paymentStatus,
        verification,
        outcome,
        httpStatus,
        reason,
      });
      /** Stores the callback alone: nothing else is written. */
      const alone = async (
        outcome: PtsCallbackOutcome,
        httpStatus: number,
        reason: string,
        answer = reason,
      ): Promise<PtsSubscriptionCallbackVerdict> => {
        const callbackId = await store(manager, record(outcome, httpStatus, reason));
        return { callbackId, outcome, httpStatus, reason: answer, moved: false };
      };
      if (!order) {
        return alone(
          'rejected',
          404,
          `no subscription ${orderId} for account ${account.name}`,
          'unknown subscription',
        );
      }
      if ((paymentId === undefined) !== (paymentStatus === undefined)) {
        return alone('rejected', 400, 'payment_transaction_id and payment_status come together');
      }
      if (paymentStatus !== undefined && !isPtsTransactionStatusCode(paymentStatus)) {
        return alone('rejected', 400, `payment_status ${paymentStatus} is not a PTS status`);
      }
      const news = callbackNews(message);
      const mismatch = describeMismatch(order, account, {
        userId: idText(message.user_id),
        submitAmount: news.submitAmount ?? undefined,
        submitCurrency: news.submitCurrency ?? undefined,
      });
      if (mismatch) {
        const request: PtsTransitionRequest = {
          to: order.status,
          cause: 'callback',
          flags: ['amount_mismatch'],
        };
        const plan = planTransition(order, request);
        if (!plan.writes) return alone('mismatch', 200, mismatch);
        const written = await this.transitions.write(manager, order, plan, request, {
          callback: row(record('mismatch', 200, mismatch)),
        });
        return {
          callbackId: written!.callbackId!,
          outcome: 'mismatch' as const,
          httpStatus: 200,
          reason: mismatch,
          moved: false,
        };
      }

      const enabled = message.enabled === true;
      const stateRequest: PtsTransitionRequest = {
        to: enabled ? 'active' : 'disabled',
        cause: enabled ? 'callback' : 'subscription_disabled',
        detail: enabled ? 'subscribe callback: enabled' : 'subscribe callback: disabled at PTS',
        patch: patchFromResult(news),
      };
      const state = planTransition(order, stateRequest);
      const statusNow = state.decision === 'apply' ? state.to : order.status;
      const payment =
        paymentId !== undefined && paymentStatus !== undefined
          ? await this.paymentNews(manager, order.id, paymentId, paymentStatus)
          : undefined;
      const paymentNote =
        payment === undefined
          ? ''
          : `payment ${paymentId} ${
              payment.decision === 'apply'
                ? payment.from === null
                  ? `recorded as ${payment.to}`
                  : `${payment.from} -> ${payment.to}`
                : `${payment.decision} (${payment.from}, says ${payment.to})`
            }`;
      const moved = state.decision === 'apply' || payment?.decision === 'apply';
      const stateNote =
        state.decision === 'apply' ? `${state.from} -> ${statusNow}` : `subscription ${statusNow}`;
      const reason = [stateNote, paymentNote].filter(Boolean).join('; ');
      const stale =
        state.decision === 'stale' ||
        state.decision === 'final-conflict' ||
        payment?.decision === 'stale' ||
        payment?.decision === 'final-conflict';
      const outcome: PtsCallbackOutcome = moved ? 'applied' : stale ? 'ignored' : 'duplicate';

      let callbackId: string;
      if (state.writes) {
        const written = await this.transitions.write(manager, order, state, stateRequest, {
          callback: row(record(outcome, 200, reason)),
        });
        callbackId = written!.callbackId!;
      } else {
        callbackId = await store(manager, record(outcome, 200, reason));
      }
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
          enabled && statusNow !== 'disabled',
        ],
      );
      if (payment?.decision === 'apply') {
        await this.payment(
          manager,
          order,
          callbackId,
          paymentId!,
          paymentStatus!,
          payment.from,
          payment.to,
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
      }
      return { callbackId, outcome, httpStatus: 200, reason, moved };
    });
    this.logger.log(
      `subscribeCallback ${account.name}/${orderId}${paymentStatus ? ` ${paymentStatus}` : ''}: ${verdict.outcome}${verdict.reason ? ` (${verdict.reason})` : ''}`,
    );
    return verdict;
  }

  /** What a reported payment means for its row (locked when it exists), before any write. */
  private async paymentNews(
    manager: EntityManager,
    orderRef: string,
    paymentId: string,
    paymentStatus: PtsTransactionStatusCode,
  ): Promise<{ from: PtsOrderStatus | null; to: PtsOrderStatus; decision: PtsTransitionDecision }> {
    const to = PTS_STATUS_BY_TRANSACTION_STATUS[paymentStatus];
    const existing: { status: PtsOrderStatus }[] = await manager.query(
      `SELECT status FROM pts_subscription_payments WHERE order_ref = $1 AND payment_transaction_id = $2 FOR UPDATE`,
      [orderRef, paymentId],
    );
    const from = existing[0]?.status ?? null;
    return { from, to, decision: from === null ? 'apply' : decideTransition(from, to) };
  }

  /** Records or moves one payment (decided by `paymentNews`) and writes its host event. */
  private async payment(
    manager: EntityManager,
    order: Pick<PtsOrderSnapshot, 'id' | 'orderId' | 'account'>,
    callbackId: string,
    paymentId: string,
    ptsStatus: string,
    from: PtsOrderStatus | null,
    to: PtsOrderStatus,
    news: PaymentNews,
    message: PtsJsonObject,
  ): Promise<void> {
    const orderRef = order.id;
    const paidAt = unixTime(message.last_payment_at) ?? unixTime(message.timestamp);
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
    const event: PtsSubscriptionPaymentEvent = {
      idempotencyKey: `${orderRef}:payment:${paymentId}:${to}`,
      orderRef,
      orderId: order.orderId,
      account: order.account,
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
  }
}

/** Unix seconds (a signed integer field) as a Date; absent or empty gives null. */
function unixTime(value: unknown): Date | null {
  const text = idText(value);
  if (text === undefined || !/^\d{1,12}$/.test(text)) return null;
  return new Date(Number(text) * 1000);
}
