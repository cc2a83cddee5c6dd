import { PtsInvalidRequestError } from '../errors/pts-error.js';
import type { PtsAccount } from '../options/pts-accounts.js';
import type { PtsSettings } from '../options/pts-settings.js';
import { nowSeconds } from './pts-request-fields.js';
import {
  PTS_PERIOD_UNIT_CODES,
  type PtsCard,
  type PtsExchangeRateRequest,
  type PtsSubscribeRequest,
} from './pts-subscription.types.js';

/**
 * Wire fields of the exchange rate (B4.9), subscribe and subscribe/disable (B4.11) requests,
 * and the v1 `return_hash` flag of queries (B4.3, B4.6). Error messages name the field and
 * the rule, never the value: the subscribe request carries raw card data.
 */
type Fields = Record<string, unknown>;

const CURRENCY_RE = /^[A-Z][A-Z0-9-]{1,15}$/;
const CARD_NUMBER_RE = /^\d{12,19}$/;
const EXP_MONTH_RE = /^(0?[1-9]|1[0-2])$/;
const EXP_YEAR_RE = /^\d{4}$/;
const CVC_RE = /^\d{3,4}$/;
const NAME_MAX = 64;

function invalid(field: string, rule: string): PtsInvalidRequestError {
  return new PtsInvalidRequestError({
    code: 'invalid_field',
    message: `PTS: \`${field}\` ${rule}`,
    field,
  });
}

function requireVersion(account: PtsAccount, version: 'v1' | 'v2', what: string): void {
  if (account.apiVersion !== version) {
    throw new PtsInvalidRequestError({
      code: 'endpoint_not_for_version',
      message: `PTS: ${what} exists only in API ${version}; account "${account.name}" uses ${account.apiVersion}`,
    });
  }
}

export function exchangeRateFields(account: PtsAccount, req: PtsExchangeRateRequest): Fields {
  requireVersion(account, 'v1', 'the Exchange Rate endpoint (B4.9)');
  const tradeCurrency = req.tradeCurrency ?? 'PHP';
  if (typeof tradeCurrency !== 'string' || !CURRENCY_RE.test(tradeCurrency)) {
    throw invalid('tradeCurrency', 'must be a currency code such as "PHP"');
  }
  return { user_id: account.userId, trade_currency: tradeCurrency };
}

/** The card checked for shape only: the checks quote no digit of it. */
export function checkCard(card: unknown): PtsCard {
  if (typeof card !== 'object' || card === null) {
    throw new PtsInvalidRequestError({
      code: 'missing_field',
      message: 'PTS: `card` is required',
      field: 'card',
    });
  }
  const c = card as Record<string, unknown>;
  const text = (key: keyof PtsCard): string => {
    const value = c[key];
    return typeof value === 'string' ? value : '';
  };
  if (!CARD_NUMBER_RE.test(text('number')) || !luhn(text('number'))) {
    throw invalid('card.number', 'must be 12 to 19 digits with a valid check digit');
  }
  if (!EXP_MONTH_RE.test(text('expMonth'))) throw invalid('card.expMonth', 'must be 1 to 12');
  if (!EXP_YEAR_RE.test(text('expYear'))) throw invalid('card.expYear', 'must be four digits');
  if (!CVC_RE.test(text('cvc'))) throw invalid('card.cvc', 'must be 3 or 4 digits');
  return {
    number: text('number'),
    expMonth: text('expMonth'),
    expYear: text('expYear'),
    cvc: text('cvc'),
  };
}

/** The Luhn check digit, which every card number carries. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function checkPeriod(periodCount: unknown, periodUnit: unknown): number {
  if (
    typeof periodCount !== 'number' ||
    !Number.isInteger(periodCount) ||
    periodCount < 1 ||
    periodCount > 12
  ) {
    throw invalid('periodCount', 'must be a whole number from 1 to 12');
  }
  if (typeof periodUnit !== 'string' || !Object.hasOwn(PTS_PERIOD_UNIT_CODES, periodUnit)) {
    throw invalid('periodUnit', 'must be "week", "month" or "year"');
  }
  return PTS_PERIOD_UNIT_CODES[periodUnit as keyof typeof PTS_PERIOD_UNIT_CODES];
}

function checkName(field: string, value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > NAME_MAX) {
    throw invalid(field, `must be a name of 1 to ${NAME_MAX} characters`);
  }
  return value;
}

export function subscribeFields(
  account: PtsAccount,
  settings: PtsSettings,
  req: PtsSubscribeRequest,
): Fields {
  requireVersion(account, 'v2', 'the subscribe family (v2.1, B4.11)');
  const card = checkCard(req.card);
  const unit = checkPeriod(req.periodCount, req.periodUnit);
  const fields: Fields = {
    user_id: account.userId,
    order_id: req.orderId,
    amount: req.amount,
    currency: req.currency,
    channel: req.channel,
    card_number: card.number,
    card_exp_month: card.expMonth.padStart(2, '0'),
    card_exp_year: card.expYear,
    card_cvc: card.cvc,
    first_name: checkName('firstName', req.firstName, true),
    last_name: checkName('lastName', req.lastName, true),
    period_count: req.periodCount,
    period_unit: unit,
    timestamp: nowSeconds(),
  };
  const middleName = checkName('middleName', req.middleName, false);
  if (middleName !== undefined) fields.middle_name = middleName;
  if (req.details !== undefined) fields.details = req.details;
  const callbackUrl = req.callbackUrl ?? settings.callbackUrl('subscription');
  if (callbackUrl !== undefined) fields.callback_url = callbackUrl;
  if (req.remark !== undefined) fields.remark = req.remark;
  return fields;
}

export function subscribeDisableFields(account: PtsAccount, orderId: string): Fields {
  requireVersion(account, 'v2', 'the subscribe family (v2.1, B4.11)');
  return { user_id: account.userId, order_id: orderId, timestamp: nowSeconds() };
}

/** v1 queries may ask for the transaction hash (B4.3, B4.6); v2 queries have no such flag. */
export function withReturnHash(
  account: PtsAccount,
  fields: Fields,
  returnHash: boolean | undefined,
): Fields {
  if (returnHash === undefined) return fields;
  if (typeof returnHash !== 'boolean') throw invalid('returnHash', 'must be true or false');
  if (account.apiVersion !== 'v1') {
    throw new PtsInvalidRequestError({
      code: 'field_not_for_version',
      message: `PTS: \`returnHash\` does not exist in API ${account.apiVersion} (account "${account.name}"); v2 queries answer without a hash`,
      field: 'returnHash',
    });
  }
  return { ...fields, return_hash: returnHash };
}
