import { Inject, Injectable } from '@nestjs/common';
import { PtsClient, type PtsOrderQueryResult } from '../client/pts-client.js';
import { PtsGatewayError, PtsInvalidRequestError } from '../errors/pts-error.js';
import { PtsAccounts, type PtsAccount } from '../options/pts-accounts.js';
import { sameAmount } from '../protocol/pts-amount.js';
import { idText } from '../protocol/pts-message.js';
import { keptFieldsPatch } from './pts-kept-fields.js';
import type { PtsOrderEntity } from './pts-order.entity.js';
import type { PtsOrderFlag } from './pts-order-flags.js';
import { PTS_STATUS_BY_TRANSACTION_STATUS } from './pts-order-status.js';
import {
  PtsOrderTransitions,
  type PtsOrderPatch,
  type PtsTransitionResult,
} from './pts-order-transitions.js';
import { PTS_ORDERS_SETTINGS, type PtsOrdersSettings } from './pts-orders-settings.js';
import { PTS_RECONCILED_STATUSES } from './pts-reconcile-schedule.js';

/** Flag of a payment PTS has, whose pay URL never reached us: the payer cannot be sent there. */
export const PTS_PAY_URL_MISSING: PtsOrderFlag = 'pay_url_missing';

/**
 * Asks PTS about one order and applies the answer through the state machine: the admin's
 * `sync` (cause `query`) and scheduled reconciliation (cause `reconcile`) share it.
 */
@Injectable()
export class PtsOrderSync {
  constructor(
    private readonly client: PtsClient,
    private readonly accounts: PtsAccounts,
    private readonly transitions: PtsOrderTransitions,
    @Inject(PTS_ORDERS_SETTINGS) private readonly settings: PtsOrdersSettings,
  ) {}

  /**
   * Throws what the client throws, except a 1002 (transaction not found) for an order whose
   * create may never have reached PTS: past the grace that makes it `rejected` (A8). A
   * subscription has no query at PTS: `PtsInvalidRequestError` `no_query_endpoint`.
   */
  async query(order: PtsOrderEntity, cause: 'query' | 'reconcile'): Promise<PtsTransitionResult> {
    if (order.kind === 'subscription') {
      throw new PtsInvalidRequestError({
        code: 'no_query_endpoint',
        message: `order ${order.orderId} is a subscription; PTS has no query for subscriptions (docs/protocol.md B4.11), its callbacks are the only news`,
      });
    }
    // v1 queries ask for the transaction hash, which the order keeps (B4.3, B4.6).
    const query = {
      account: order.account,
      returnHash: order.apiVersion === 'v1' ? true : undefined,
    };
    let result: PtsOrderQueryResult;
    try {
      result =
        order.kind === 'payment'
          ? await this.client.queryPayment(order.orderId, query)
          : await this.client.queryWithdraw(order.orderId, query);
    } catch (error) {
      if (
        error instanceof PtsGatewayError &&
        error.ptsCode === '1002' &&
        (order.status === 'unknown' || order.status === 'created') &&
        Date.now() - order.createdAt.getTime() >= this.settings.unknownNotFoundGraceMs
      ) {
        // PTS never saw the create: it is safe to call the order refused.
        return this.transitions.move(order.id, {
          to: 'rejected',
          cause: cause === 'query' ? 'not_found_at_gateway' : 'reconcile',
          detail: 'PTS answered 1002 (transaction not found) to a query',
          patch: { errorCode: '1002', errorMessage: error.ptsMessage, lastQueriedAt: new Date() },
        });
      }
      throw error;
    }
    const to = PTS_STATUS_BY_TRANSACTION_STATUS[result.status];
    const mismatch = describeMismatch(order, this.accounts.get(order.account), {
      userId: idText(result.raw.user_id),
      submitAmount: result.submitAmount ?? undefined,
      submitCurrency: result.submitCurrency ?? undefined,
    });
    const flags = mismatch ? ['amount_mismatch'] : [];
    // A payment PTS accepted while we heard nothing: the query carries no pay URL (B 4.3).
    if (
      !mismatch &&
      order.kind === 'payment' &&
      (order.status === 'unknown' || order.status === 'created') &&
      PTS_RECONCILED_STATUSES.has(to) &&
      !order.payUrl &&
      !order.redirectHtml
    ) {
      flags.push(PTS_PAY_URL_MISSING);
    }
    // News that disagrees with the order is flagged, never applied (docs/protocol.md A8), the
    // same rule as for callbacks: the order keeps its status until a person looks.
    return this.transitions.move(order.id, {
      to: mismatch ? order.status : to,
      cause,
      detail: mismatch ?? `PTS status ${result.status}`,
      flags,
      patch: mismatch
        ? { lastQueriedAt: new Date() }
        : {
            ...patchFromResult(result),
            ...keptFieldsPatch(result.raw),
            ptsStatus: result.status,
            lastQueriedAt: new Date(),
          },
    });
  }
}

/**
 * What a create, query or callback answer tells about amounts and ids. A null (PTS sent null or
 * "", docs/protocol.md A5) never erases what identifies the order (transaction id, what was
 * submitted); what was accepted belongs to the status reported, so a failed payment's null
 * `accept_amount` is stored.
 */
export function patchFromResult(result: {
  transactionId: string | null;
  submitAmount: string | null;
  submitCurrency: string | null;
  acceptAmount: string | null;
  acceptCurrency: string | null;
  exchangeRate: string | null;
}): PtsOrderPatch {
  return {
    transactionId: result.transactionId ?? undefined,
    submitAmount: result.submitAmount ?? undefined,
    submitCurrency: result.submitCurrency ?? undefined,
    acceptAmount: result.acceptAmount,
    acceptCurrency: result.acceptCurrency,
    exchangeRate: result.exchangeRate,
  };
}

/**
 * A8: news whose `submit_amount`, `submit_currency` or `user_id` disagrees with the order is
 * stored and flagged, never applied. Returns what disagrees, or undefined.
 */
export function describeMismatch(
  order: Pick<PtsOrderEntity, 'amount' | 'currency'>,
  account: Pick<PtsAccount, 'userId'>,
  news: { userId?: string; submitAmount?: string; submitCurrency?: string },
): string | undefined {
  const problems: string[] = [];
  if (news.userId !== undefined && news.userId !== account.userId) {
    problems.push(`user_id ${news.userId} is not the account's ${account.userId}`);
  }
  if (news.submitAmount !== undefined && !sameAmount(news.submitAmount, order.amount)) {
    problems.push(`submit_amount ${news.submitAmount} differs from the order's ${order.amount}`);
  }
  if (news.submitCurrency !== undefined && news.submitCurrency !== order.currency) {
    problems.push(
      `submit_currency ${news.submitCurrency} differs from the order's ${order.currency}`,
    );
  }
  return problems.length ? problems.join('; ') : undefined;
}
