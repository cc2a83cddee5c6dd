import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager, QueryDeepPartialEntity } from 'typeorm';
import type { PtsCallbackOutcome } from '../callbacks/pts-callback.entity.js';
import { callbackNews } from '../callbacks/pts-callback-decisions.js';
import type { PtsCallbackRow } from '../callbacks/pts-callback-store.js';
import type { PtsAccount } from '../options/pts-accounts.js';
import { isPtsTransactionStatusCode } from '../protocol/pts-codes.js';
import type { PtsJsonObject } from '../protocol/pts-json.js';
import { idText, signedText, statusText } from '../protocol/pts-message.js';
import type { PtsVerification } from '../protocol/pts-signer.js';
import { PtsOrderTransitions, type PtsTransitionRequest } from '../orders/pts-order-transitions.js';
import { describeMismatch, patchFromResult } from '../orders/pts-order-sync.js';
import { planTransition } from '../orders/pts-transition-plan.js';
import { PtsSubscriptionEntity } from './pts-subscription.entity.js';
import { PtsSubscriptionPaymentRecorder } from './pts-subscription-payment-recorder.js';

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
    private readonly payments: PtsSubscriptionPaymentRecorder,
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
          ? await this.payments.read(manager, order.id, paymentId, paymentStatus)
          : undefined;
      const paymentNote =
        payment === undefined
          ? ''
          : `payment ${payment.id} ${
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
      await this.recordState(manager, order.id, message, enabled && statusNow !== 'disabled');
      if (payment?.decision === 'apply') {
        await this.payments.record(manager, order, callbackId, payment, {
          // Each payment charges the subscription's amount; PTS's own figures win when sent.
          submitAmount: news.submitAmount ?? order.amount,
          submitCurrency: news.submitCurrency ?? order.currency,
          acceptAmount: news.acceptAmount,
          acceptCurrency: news.acceptCurrency,
          exchangeRate: news.exchangeRate,
          paidAt: unixTime(message.last_payment_at) ?? unixTime(message.timestamp),
        });
      }
      return { callbackId, outcome, httpStatus: 200, reason, moved };
    });
    this.logger.log(
      `subscribeCallback ${account.name}/${orderId}${paymentStatus ? ` ${paymentStatus}` : ''}: ${verdict.outcome}${verdict.reason ? ` (${verdict.reason})` : ''}`,
    );
    return verdict;
  }

  /**
   * The subscription's state as the callback reports it: times PTS sent (a later payment time
   * only), and, unless it stays `enabled`, disabled with no next payment. What PTS did not send
   * keeps its value.
   */
  private async recordState(
    manager: EntityManager,
    orderRef: string,
    message: PtsJsonObject,
    staysEnabled: boolean,
  ): Promise<void> {
    const subscribeAt = unixTime(message.subscribe_at);
    const lastPaymentAt = unixTime(message.last_payment_at);
    const nextPaymentAt = unixTime(message.next_payment_at);
    const state: QueryDeepPartialEntity<PtsSubscriptionEntity> = {
      ...(subscribeAt !== null && { subscribeAt }),
      ...(lastPaymentAt !== null && {
        lastPaymentAt: () => 'GREATEST(last_payment_at, :lastPaymentAt)',
      }),
      ...(staysEnabled
        ? nextPaymentAt !== null && { nextPaymentAt }
        : {
            nextPaymentAt: null,
            enabled: false,
            disabledAt: () => 'COALESCE(disabled_at, now())',
          }),
    };
    if (Object.keys(state).length === 0) return;
    await manager
      .createQueryBuilder()
      .update(PtsSubscriptionEntity)
      .set(state)
      .where({ orderRef })
      .setParameters({ lastPaymentAt })
      .updateEntity(false)
      .execute();
  }
}

/** Unix seconds (a signed integer field) as a Date; absent or empty gives null. */
function unixTime(value: unknown): Date | null {
  const text = idText(value);
  if (text === undefined || !/^\d{1,12}$/.test(text)) return null;
  return new Date(Number(text) * 1000);
}
