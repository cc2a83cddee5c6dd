import { PtsMalformedMessageError } from '../errors/pts-error.js';
import { isLosslessNumber, isPtsJsonObject, type PtsJsonObject } from '../protocol/pts-json.js';
import { decimalText, looseText, signedText, statusText } from '../protocol/pts-message.js';
import type { PtsVerificationOutcome } from './pts-client.types.js';
import type {
  PtsExchangeRate,
  PtsExchangeRateResult,
  PtsSubscribeDisableResult,
  PtsSubscriptionPaymentSummary,
} from './pts-subscription.types.js';

/**
 * Typed results of the exchange rate (B4.9) and subscribe/disable (B4.11) answers, and the
 * unsigned query fields the order keeps (B4.3, B4.6). Presence and types of the table's
 * fields are already checked, and `sign` verified, when these run.
 */

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isLosslessNumber(value)) return value.value;
  return '';
}

function rate(value: unknown, where: string): string {
  const t = decimalText(value);
  if (t === undefined) {
    throw new PtsMalformedMessageError({
      code: 'invalid_field',
      message: `rate ${where} is not a decimal`,
      field: where,
    });
  }
  return t;
}

/** B4.9: every key but user_id, trade_currency and sign is a currency `{payment, withdraw}`. */
export function readExchangeRate(
  data: PtsJsonObject,
  verification: PtsVerificationOutcome,
): PtsExchangeRateResult {
  const rates: Record<string, PtsExchangeRate> = {};
  for (const [currency, value] of Object.entries(data)) {
    if (currency === 'user_id' || currency === 'trade_currency' || currency === 'sign') continue;
    if (!isPtsJsonObject(value)) {
      throw new PtsMalformedMessageError({
        code: 'invalid_field',
        message: `exchange rate \`${currency}\` must be an object {payment, withdraw}`,
        field: currency,
      });
    }
    rates[currency] = {
      payment: rate(value.payment, `${currency}.payment`),
      withdraw: rate(value.withdraw, `${currency}.withdraw`),
    };
  }
  return { tradeCurrency: text(data.trade_currency), rates, verification, raw: data };
}

export function readSubscribeDisable(
  data: PtsJsonObject,
  verification: PtsVerificationOutcome,
): PtsSubscribeDisableResult {
  const payments: PtsSubscriptionPaymentSummary[] = [];
  const list = Array.isArray(data.payments) ? data.payments : [];
  list.forEach((item, index) => {
    if (!isPtsJsonObject(item)) {
      throw new PtsMalformedMessageError({
        code: 'invalid_field',
        message: `payments[${index}] is not an object`,
        field: `payments[${index}]`,
      });
    }
    const stamp = text(item.timestamp);
    payments.push({
      paymentId: text(item.payment_id),
      status: statusText(item.status) ?? text(item.status),
      timestamp: /^\d+$/.test(stamp) ? Number(stamp) : null,
    });
  });
  return {
    orderId: text(data.order_id),
    // Signed: null or "" when PTS sent it so (docs/protocol.md A5).
    transactionId: signedText(data.transaction_id),
    enabled: data.enabled === true,
    payments,
    verification,
    raw: data,
  };
}

/** Unsigned fields of a query answer or callback that the order keeps as columns. */
export interface PtsKeptFields {
  referenceNumber?: string;
  detailsUrl?: string;
  submitPromo?: string;
  acceptPromo?: string;
  /** v1 `hash`, when the query asked with `return_hash`. */
  hash?: string;
}

/** A promotion amount: a decimal that may be negative (a discount), else undefined. */
function promoText(value: unknown): string | undefined {
  const text = looseText(value);
  return text !== undefined && /^-?\d{1,20}(\.\d{1,20})?$/.test(text) ? text : undefined;
}

/**
 * Unsigned, so read leniently (docs/protocol.md A5): a reference number sent as a JSON number is
 * kept as its text, a value of the wrong type or null is left out.
 */
export function readKeptFields(data: PtsJsonObject): PtsKeptFields {
  const kept: PtsKeptFields = {};
  const referenceNumber = looseText(data.reference_number);
  const detailsUrl = looseText(data.details_url);
  const hash = looseText(data.hash);
  const submitPromo = promoText(data.submit_promo);
  const acceptPromo = promoText(data.accept_promo);
  if (referenceNumber !== undefined) kept.referenceNumber = referenceNumber;
  if (detailsUrl !== undefined) kept.detailsUrl = detailsUrl;
  if (hash !== undefined) kept.hash = hash;
  if (submitPromo !== undefined) kept.submitPromo = submitPromo;
  if (acceptPromo !== undefined) kept.acceptPromo = acceptPromo;
  return kept;
}
