import { Decimal } from 'decimal.js';
import { PtsMalformedMessageError } from '../errors/pts-error.js';
import type { PtsFieldSpec, PtsFieldType, PtsMessageSpec } from './pts-fields.js';
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
    throw new PtsMalformedMessageError(
      'not_an_object',
      `${spec.name} must be a JSON object, got ${describeJsonType(message)}`,
    );
  }
  for (const field of spec.fields) {
    checkField(spec, field, message[field.name]);
  }
}

function checkField(spec: PtsMessageSpec, field: PtsFieldSpec, value: unknown): void {
  const absent = value === undefined || value === null || value === '';
  if (absent) {
    if (field.required) {
      throw new PtsMalformedMessageError(
        'missing_field',
        `${spec.name}: required field \`${field.name}\` is missing`,
        field.name,
      );
    }
    return;
  }
  if (!fits(field.type, value)) {
    throw new PtsMalformedMessageError(
      'invalid_field',
      `${spec.name}: field \`${field.name}\` must be ${describeFieldType(field.type)}, got ${describeJsonType(value)}`,
      field.name,
    );
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
