import { Decimal } from 'decimal.js';
import { isLosslessNumber, type PtsJsonObject } from '../protocol/pts-json.js';

/** Text columns the news of a callback lands in, with their widths (pts_orders). */
const TEXT_LIMITS: Record<string, number> = {
  order_id: 64,
  transaction_id: 64,
  payment_transaction_id: 64,
  submit_currency: 16,
  accept_currency: 16,
};

const DECIMALS = ['submit_amount', 'accept_amount', 'exchange_rate', 'amount'];

/** Digits either side of the point an amount may have to be stored and compared. */
export const PTS_STORABLE_DECIMAL_DIGITS = 20;

/**
 * Why a verified callback's signed values cannot be stored, or undefined when they can. Checked
 * before the transaction, so that such a callback is answered 400 and recorded as rejected
 * instead of failing in PostgreSQL with a 503 that every retry repeats (docs/hardening.md).
 */
export function unstorableCallbackReason(message: PtsJsonObject): string | undefined {
  for (const [field, max] of Object.entries(TEXT_LIMITS)) {
    const value = message[field];
    if (typeof value !== 'string') continue;
    if (value.includes('\u0000')) return `${field} contains a NUL character`;
    if ([...value].length > max) return `${field} is longer than ${max} characters`;
  }
  for (const field of DECIMALS) {
    const value = message[field];
    const text = isLosslessNumber(value) ? value.value : value;
    if (typeof text !== 'string' || text === '') continue;
    let decimal: Decimal;
    try {
      decimal = new Decimal(text);
    } catch {
      continue; // not a decimal at all: the message's own validation answers that
    }
    if (
      !decimal.isFinite() ||
      decimal.abs().gte(new Decimal(10).pow(PTS_STORABLE_DECIMAL_DIGITS)) ||
      decimal.decimalPlaces() > PTS_STORABLE_DECIMAL_DIGITS ||
      text.length > 2 * PTS_STORABLE_DECIMAL_DIGITS + 8
    ) {
      return `${field} ${text.slice(0, 40)}${text.length > 40 ? '…' : ''} is out of range (at most ${PTS_STORABLE_DECIMAL_DIGITS} digits before and after the point)`;
    }
  }
  return undefined;
}

/** Unsigned free text stored as received, made storable: NUL replaced visibly, clipped. */
export function storableFreeText(value: unknown, maxChars = 1000): string | undefined {
  if (typeof value !== 'string') return undefined;
  const clean = value.replaceAll('\u0000', '\uFFFD');
  const chars = [...clean];
  return chars.length > maxChars ? `${chars.slice(0, maxChars).join('')}…` : clean;
}
