import { Decimal } from 'decimal.js';

/**
 * A7: what we send (client, order layer and admin DTOs share this one rule), a positive decimal
 * string with at most 6 places, no sign, no exponent, and below 10^12 (`PTS_AMOUNT_MAX_INTEGER_DIGITS`
 * digits before the point): an upper bound so that a typo or a crafted request cannot ask for
 * an absurd sum (docs/hardening.md).
 */
export const PTS_AMOUNT_MAX_INTEGER_DIGITS = 12;
export const PTS_AMOUNT_PATTERN = /^(?:0|[1-9]\d{0,11})(?:\.\d{1,6})?$/;

export function isValidPtsAmount(amount: string): boolean {
  return PTS_AMOUNT_PATTERN.test(amount) && new Decimal(amount).greaterThan(0);
}

/** A7: `100.1000000000` equals `100.10`; compared as decimals, never as floats. */
export function sameAmount(a: string, b: string): boolean {
  try {
    return new Decimal(a).equals(new Decimal(b));
  } catch {
    return false;
  }
}
