import type { PtsMessageSpec } from '../pts/protocol/pts-fields.js';
import { isLosslessNumber, isPtsJsonObject, type PtsJsonObject } from '../pts/protocol/pts-json.js';
import { validatePtsMessage } from '../pts/protocol/pts-message.js';
import { PtsMalformedMessageError } from '../pts/errors/pts-error.js';
import { PtsSandboxRefusal } from './error.js';
import { isHttpUrl } from './options.js';

const AMOUNT_RE = /^(0|[1-9]\d*)(\.\d{1,6})?$/;
const TIMESTAMP_RE = /^\d{10}$/;
const ORDER_ID_MAX = 64;
const PHONE_RE = /^(09\d{9}|9\d{9})$/;
const ACCOUNT_NUMBER_RE = /^\d{10,20}$/;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The field table check (validatePtsMessage) plus what Part B says about types that the
 * shared table is lenient about: request amounts are Strings with at most 6 decimals,
 * timestamps have 10 digits, URLs are URLs, order ids are bounded.
 */
export function checkFields(spec: PtsMessageSpec, message: PtsJsonObject): void {
  try {
    validatePtsMessage(spec, message);
  } catch (error) {
    if (error instanceof PtsMalformedMessageError)
      throw PtsSandboxRefusal.fromCode('1001', error.message);
    throw error;
  }
  const invalid = (field: string, why: string) =>
    PtsSandboxRefusal.fromCode('1001', `${spec.name}: field \`${field}\` ${why}`);
  if ('amount' in message) {
    const amount = message.amount;
    if (typeof amount !== 'string') throw invalid('amount', 'must be a JSON string (B 4.1, 4.4)');
    if (!AMOUNT_RE.test(amount) || /^0(\.0+)?$/.test(amount)) {
      throw invalid('amount', 'must be a positive decimal with at most 6 decimal places');
    }
  }
  if (typeof message.order_id === 'string' && message.order_id.length > ORDER_ID_MAX) {
    throw invalid('order_id', `must have at most ${ORDER_ID_MAX} characters`);
  }
  if (message.timestamp !== undefined && !TIMESTAMP_RE.test(idText(message.timestamp) ?? '')) {
    throw invalid('timestamp', 'must be Unix seconds (10 digits)');
  }
  for (const field of spec.fields) {
    const value = message[field.name];
    if (field.type === 'url' && value !== undefined && value !== null && value !== '') {
      if (!isHttpUrl(value)) throw invalid(field.name, 'must be an http(s) URL');
    }
  }
  if (spec.name === 'withdrawRequest' && spec.version === 'v1') {
    const cardType = idText(message.card_type);
    if (cardType !== '1' && cardType !== '2') throw invalid('card_type', 'must be 1 or 2');
    if (cardType === '2' && !message.cnaps_code) {
      throw invalid('cnaps_code', 'is required when card_type is 2');
    }
  }
  if (
    spec.name === 'withdrawRequest' &&
    spec.version === 'v2' &&
    isPtsJsonObject(message.details)
  ) {
    const details = message.details;
    const formats: [string, RegExp, string][] = [
      ['phone', PHONE_RE, 'must be 09 + 9 digits or 9 + 9 digits'],
      ['account_number', ACCOUNT_NUMBER_RE, 'must have 10 to 20 digits'],
      ['email', EMAIL_RE, 'must be an email address'],
    ];
    for (const [name, pattern, why] of formats) {
      const value = details[name];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string' || !pattern.test(value)) throw invalid(`details.${name}`, why);
    }
  }
}

/** A user id, timestamp or small integer as text, whether sent as a string or a number. */
export function idText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (isLosslessNumber(value)) return value.value;
  return undefined;
}
