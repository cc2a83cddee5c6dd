import type { PtsAccount } from '../options/pts-accounts.js';
import { sameAmount } from '../protocol/pts-amount.js';
import type { PtsTransactionStatusCode } from '../protocol/pts-codes.js';
import type { PtsJsonObject } from '../protocol/pts-json.js';
import { decimalText, idText, looseText, signedText, statusText } from '../protocol/pts-message.js';
import { keptFieldsPatch } from '../orders/pts-kept-fields.js';
import { describeMismatch, patchFromResult } from '../orders/pts-order-sync.js';
import { isFinalStatus, PTS_STATUS_BY_TRANSACTION_STATUS } from '../orders/pts-order-status.js';
import type { PtsTransitionRequest } from '../orders/pts-order-transitions.js';
import {
  planTransition,
  type PtsOrderSnapshot,
  type PtsTransitionPlan,
} from '../orders/pts-transition-plan.js';
import type { PtsCallbackOutcome } from './pts-callback.entity.js';
import { storableFreeText } from './pts-callback-storable.js';

/** What a verified callback does to its order, decided before anything is written. */
export interface PtsCallbackDecision {
  outcome: PtsCallbackOutcome;
  reason: string;
  httpStatus: number;
  /** The transition to write with the callback row; none when the order is left as it is. */
  transition?: { request: PtsTransitionRequest; plan: PtsTransitionPlan };
}

/** The order news of a status callback; signed fields PTS sent as null or "" are null (A5). */
export function callbackNews(message: PtsJsonObject) {
  const amount = (value: unknown) => (signedText(value) === null ? null : decimalText(value)!);
  return {
    transactionId: signedText(message.transaction_id),
    submitAmount: amount(message.submit_amount),
    submitCurrency: signedText(message.submit_currency),
    acceptAmount: amount(message.accept_amount),
    acceptCurrency: signedText(message.accept_currency),
    exchangeRate: amount(message.exchange_rate),
  };
}

/** A8: news that disagrees with the order is stored and flagged, never applied. */
function flagMismatch(order: PtsOrderSnapshot, reason: string): PtsCallbackDecision {
  const request: PtsTransitionRequest = {
    to: order.status,
    cause: 'callback',
    flags: ['amount_mismatch'],
  };
  const plan = planTransition(order, request);
  return {
    outcome: 'mismatch',
    reason,
    httpStatus: 200,
    // Flagged already: nothing to write.
    transition: plan.writes ? { request, plan } : undefined,
  };
}

/** A payment or withdraw callback (A6) against its order, through the state machine (A8). */
export function decideStatusCallback(
  order: PtsOrderSnapshot,
  account: PtsAccount,
  message: PtsJsonObject,
): PtsCallbackDecision {
  const ptsStatus = statusText(message.status) as PtsTransactionStatusCode;
  const news = callbackNews(message);
  const mismatch = describeMismatch(order, account, {
    userId: idText(message.user_id),
    submitAmount: news.submitAmount ?? undefined,
    submitCurrency: news.submitCurrency ?? undefined,
  });
  if (mismatch) return flagMismatch(order, mismatch);
  const to = PTS_STATUS_BY_TRANSACTION_STATUS[ptsStatus];
  const request: PtsTransitionRequest = {
    to,
    cause: 'callback',
    detail: `callback ${ptsStatus}`,
    patch: {
      ...patchFromResult(news),
      ...keptFieldsPatch(message),
      ptsStatus,
      errorMessage: storableFreeText(looseText(message.error_message)),
    },
  };
  const plan = planTransition(order, request);
  const transition = plan.writes ? { request, plan } : undefined;
  switch (plan.decision) {
    case 'apply':
      return { outcome: 'applied', reason: `${plan.from} -> ${to}`, httpStatus: 200, transition };
    case 'duplicate':
      return { outcome: 'duplicate', reason: `order already ${to}`, httpStatus: 200, transition };
    case 'stale':
      return {
        outcome: 'ignored',
        reason: `stale: order is ${plan.from}, callback says ${to}`,
        httpStatus: 200,
        transition,
      };
    case 'final-conflict':
      return {
        outcome: 'ignored',
        reason: `conflict: order is final (${plan.from}), callback says ${to}; flagged, not applied`,
        httpStatus: 200,
        transition,
      };
  }
}

/** A6: whether a withdrawal PTS asks about is ours, as we know it; answered SUCCESS or FAILED. */
export function decideWithdrawConfirm(
  order: PtsOrderSnapshot,
  message: PtsJsonObject,
): PtsCallbackDecision {
  const amount = decimalText(message.amount)!;
  if (isFinalStatus(order.status)) {
    return { outcome: 'ignored', reason: `order is final (${order.status})`, httpStatus: 200 };
  }
  if (!sameAmount(amount, order.amount)) {
    return flagMismatch(order, `amount ${amount} differs from the order's ${order.amount}`);
  }
  return { outcome: 'applied', reason: 'confirmed', httpStatus: 200 };
}
