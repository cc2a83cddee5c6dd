import { Decimal } from 'decimal.js';
import { PtsMalformedMessageError } from '../errors/pts-error.js';
import type { PtsFieldSpec, PtsFieldType, PtsMessageName, PtsMessageSpec } from './pts-fields.js';
import { describeJsonType, isLosslessNumber, isPtsJsonObject } from './pts-json.js';

const DECIMAL_RE = /^\d+(\.\d+)?$/;
const INTEGER_RE = /^-?\d+$/;

/** The text of a decimal field (string or JSON number), or undefined when it is neither. */
export function decimalText(value: unknown): string | undefined {
  if (typeof value === 'string') return DECIMAL_RE.test(value) ? value : undefined;
  if (isLosslessNumber(value)) {
    try {
      const d = new Decimal(value.value);
      return d.isFinite() && !d.isNegative() ? value.value : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** `user_id` as text: a string, or a JSON integer as some v1 examples send it (B 8.17). */
export function idText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isLosslessNumber(value) && /^\d+$/.test(value.value)) return value.value;
  return undefined;
}

/** A status (B 5.1) as its 4-character string: `"1000"`, or `0` -> `"0000"` (B 8.9). */
export function statusText(value: unknown): string | undefined {
  const text = isLosslessNumber(value) ? value.value : value;
  if (typeof text !== 'string' || !/^\d{1,4}$/.test(text)) return undefined;
  return text.padStart(4, '0');
}

/**
 * An unsigned optional field read leniently (A5): a string as it is, a number as its exact
 * text, anything else (null, "", an object) as absent. Never throws.
 */
export function looseText(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (isLosslessNumber(value)) return value.value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** A signed text field after verification: its text, or null when PTS sent null or "". */
export function signedText(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (isLosslessNumber(value)) return value.value;
  return null;
}

function integerText(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : undefined;
  const text = isLosslessNumber(value) ? value.value : value;
  return typeof text === 'string' && INTEGER_RE.test(text) ? text : undefined;
}

function fits(type: PtsFieldType, value: unknown): boolean {
  switch (type) {
    case 'string':
    case 'url':
      return typeof value === 'string';
    case 'id':
      return typeof value === 'string' || integerText(value) !== undefined;
    case 'integer':
      return integerText(value) !== undefined;
    case 'amount':
      return decimalText(value) !== undefined;
    case 'status':
      return statusText(value) !== undefined;
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return isPtsJsonObject(value);
    case 'array':
      return Array.isArray(value);
  }
}

/**
 * Checks a parsed message against its table: every required field present and non-empty, every
 * present field of its type. Signed optional fields may be null (they sign as `key=`). Throws
 * `PtsMalformedMessageError` naming the first field that is wrong.
 */
export function validatePtsMessage(
  spec: PtsMessageSpec,
  message: unknown,
): asserts message is Record<string, unknown> {
  if (!isPtsJsonObject(message)) {
    throw new PtsMalformedMessageError({
      code: 'not_an_object',
      message: `${spec.name} must be a JSON object, got ${describeJsonType(message)}`,
    });
  }
  for (const field of spec.fields) {
    checkField(spec, field, message[field.name]);
  }
}

/**
 * A5, for what PTS sends us (answers, callbacks, confirmation requests), before the signature is
 * checked: a signed field may be null, "" or absent (it signs as `key=`), and when it has a value
 * that value must be of its type; an unsigned required field (`sign`, `items`) must be present
 * and of its type; an unsigned optional field never fails (its readers take what they can).
 * What the message must carry is judged after verification (`checkVerifiedPtsMessage`).
 */
export function checkReceivedPtsMessage(
  spec: PtsMessageSpec,
  message: unknown,
): asserts message is Record<string, unknown> {
  if (!isPtsJsonObject(message)) {
    throw new PtsMalformedMessageError({
      code: 'not_an_object',
      message: `${spec.name} must be a JSON object, got ${describeJsonType(message)}`,
    });
  }
  for (const field of spec.fields) {
    if (field.signed) {
      if (!isAbsent(message[field.name])) checkField(spec, field, message[field.name]);
    } else if (field.required) {
      checkField(spec, field, message[field.name]);
    }
  }
}

/** Fields every verified message of a kind must carry, whatever it reports. */
const NEEDED: Partial<Record<PtsMessageName, readonly string[]>> = {
  paymentResponse: ['user_id', 'order_id'],
  withdrawResponse: ['user_id', 'order_id'],
  paymentCallback: ['user_id', 'order_id', 'status'],
  withdrawCallback: ['user_id', 'order_id', 'status'],
  paymentQueryResponse: ['user_id', 'order_id', 'status'],
  withdrawQueryResponse: ['user_id', 'order_id', 'status'],
  withdrawConfirmRequest: ['user_id', 'order_id', 'amount'],
  balanceResponse: ['user_id'],
  supportChannelResponse: ['user_id'],
  exchangeRateResponse: ['user_id', 'trade_currency'],
  subscribeResponse: ['user_id', 'order_id'],
  subscribeDisableResponse: ['user_id', 'order_id', 'enabled'],
  // A callback may report only `enabled`; a payment it reports is judged by its status below.
  subscribeCallback: ['user_id', 'order_id', 'enabled'],
};

/** The field that carries the reported status, where it is not `status`. */
const STATUS_FIELD: Partial<Record<PtsMessageName, string>> = {
  subscribeCallback: 'payment_status',
};

/**
 * Fields a status report must carry for the state it reports (A5): a success says what was
 * paid and for which transaction, so the order's amount can be checked against it; a failed,
 * expired or pending one may leave them null (a failed payment has no `accept_amount`).
 */
const NEEDED_BY_STATUS: Readonly<Record<string, readonly string[]>> = {
  '2000': [
    'transaction_id',
    'submit_amount',
    'submit_currency',
    'accept_amount',
    'accept_currency',
  ],
};

/**
 * The same for messages whose status belongs to something else than `transaction_id`: a
 * subscription payment made says which payment and what it charged (docs/subscriptions.md).
 */
const NEEDED_BY_STATUS_OF: Partial<
  Record<PtsMessageName, Readonly<Record<string, readonly string[]>>>
> = {
  subscribeCallback: {
    '2000': [
      'payment_transaction_id',
      'submit_amount',
      'submit_currency',
      'accept_amount',
      'accept_currency',
    ],
  },
};

/**
 * A5, after the signature verified (or verification was switched off for answers): the fields
 * this message needs for what it reports are present and not null or "". Throws
 * `PtsMalformedMessageError` `missing_field` naming the first one missing.
 */
export function checkVerifiedPtsMessage(
  spec: PtsMessageSpec,
  message: Readonly<Record<string, unknown>>,
): void {
  const statusField = STATUS_FIELD[spec.name] ?? 'status';
  const status = spec.fields.some((f) => f.name === statusField)
    ? statusText(message[statusField])
    : undefined;
  const byStatus = NEEDED_BY_STATUS_OF[spec.name] ?? NEEDED_BY_STATUS;
  const needed = [...(NEEDED[spec.name] ?? []), ...(byStatus[status ?? ''] ?? [])];
  for (const name of needed) {
    if (isAbsent(message[name])) {
      throw new PtsMalformedMessageError({
        code: 'missing_field',
        message: `${spec.name}${status ? ` with ${statusField} ${status}` : ''}: field \`${name}\` is missing, null or empty`,
        field: name,
      });
    }
  }
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function checkField(spec: PtsMessageSpec, field: PtsFieldSpec, value: unknown): void {
  const absent = isAbsent(value);
  if (absent) {
    if (field.required) {
      throw new PtsMalformedMessageError({
        code: 'missing_field',
        message: `${spec.name}: required field \`${field.name}\` is missing`,
        field: field.name,
      });
    }
    return;
  }
  if (!fits(field.type, value)) {
    throw new PtsMalformedMessageError({
      code: 'invalid_field',
      message: `${spec.name}: field \`${field.name}\` must be ${describeFieldType(field.type)}, got ${describeJsonType(value)}`,
      field: field.name,
    });
  }
}

function describeFieldType(type: PtsFieldType): string {
  switch (type) {
    case 'amount':
      return 'a non-negative decimal (string or number)';
    case 'integer':
      return 'an integer';
    case 'status':
      return 'a status code such as "2000"';
    case 'id':
      return 'a string';
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    default:
      return `a ${type}`;
  }
}
