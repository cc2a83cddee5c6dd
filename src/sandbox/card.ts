import type { PtsJsonObject } from '../pts/protocol/pts-json.js';
import { PtsSandboxRefusal } from './error.js';

const CARD_RE = /^\d{12,19}$/;
const MONTH_RE = /^(0[1-9]|1[0-2])$/;
const YEAR_RE = /^\d{4}$/;
const CVC_RE = /^\d{3,4}$/;

/** As strict as a card acquirer, and silent about the digits: refusals name the field only. */
export function checkCard(message: PtsJsonObject): void {
  const refuse = (field: string, why: string) =>
    PtsSandboxRefusal.fromCode('1001', `subscribeRequest: field \`${field}\` ${why}`);
  const number = message.card_number;
  if (typeof number !== 'string' || !CARD_RE.test(number) || !luhn(number)) {
    throw refuse('card_number', 'must be 12 to 19 digits with a valid check digit');
  }
  const month = message.card_exp_month;
  if (typeof month !== 'string' || !MONTH_RE.test(month)) {
    throw refuse('card_exp_month', 'must be two digits, 01 to 12');
  }
  const year = message.card_exp_year;
  if (typeof year !== 'string' || !YEAR_RE.test(year)) {
    throw refuse('card_exp_year', 'must be four digits');
  }
  const now = new Date();
  const expiry = Number(year) * 12 + Number(month);
  if (expiry < now.getUTCFullYear() * 12 + now.getUTCMonth() + 1) {
    throw refuse('card_exp_year', 'with card_exp_month is in the past (the card has expired)');
  }
  const cvc = message.card_cvc;
  if (typeof cvc !== 'string' || !CVC_RE.test(cvc))
    throw refuse('card_cvc', 'must be 3 or 4 digits');
  for (const name of ['first_name', 'last_name', 'middle_name']) {
    const value = message[name];
    if (value !== undefined && (typeof value !== 'string' || /\d/.test(value))) {
      throw refuse(name, 'must be a name without digits');
    }
  }
}

function luhn(digits: string): boolean {
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
