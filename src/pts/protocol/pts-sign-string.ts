import { PtsSignatureError } from '../errors/pts-error.js';
import { isLosslessNumber, renderPhpFloatIfSameDecimal } from './pts-json.js';
import type { PtsFieldSpec, PtsMessageSpec } from './pts-fields.js';

/** How a signed key whose value is null or absent renders (A3): `key=` or `key=null`. */
export type PtsNullRendering = 'empty' | 'null';

/**
 * How JSON numbers render: `raw` is the exact text received (A4); `php-float` is the one
 * fallback A4 allows, PHP's float rendering, applied only to values it renders as the same
 * decimal (docs/gateway-answers.md).
 */
export type PtsNumberRendering = 'raw' | 'php-float';

export interface PtsSignStringOptions {
  nullRendering?: PtsNullRendering;
  numberRendering?: PtsNumberRendering;
  /**
   * `refuse` (default, for what we sign): a required signed field that is absent is an error.
   * `empty` (for what we verify): it renders like null, `key=` (A3); whether the message may
   * lack it is judged after verification (A5).
   */
  absentRequired?: 'refuse' | 'empty';
}

/** A value that may stand in a sign string. Objects and arrays are never signed (B 2.1). */
export type PtsSignValue = unknown;

/** Compares as byte strings, as PHP's ksort and Java's TreeMap do for ASCII keys (A3). */
export function compareBytes(a: string, b: string): number {
  // Field names are printable ASCII, where code-unit order is byte order: no Buffers on the hot path
  // (bench/: the allocation was most of our verify overhead).
  if (ASCII_RE.test(a) && ASCII_RE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const ASCII_RE = /^[ -~]*$/;

export function renderSignValue(
  key: string,
  value: PtsSignValue,
  options: PtsSignStringOptions = {},
): string {
  if (value === null || value === undefined) {
    return options.nullRendering === 'null' ? 'null' : '';
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      // A float here means an amount lost its text somewhere upstream (A7).
      throw new PtsSignatureError({
        code: 'unsignable_value',
        message: `signed field \`${key}\` holds the float ${value}; amounts must stay decimal strings`,
        field: key,
      });
    }
    return String(value);
  }
  if (isLosslessNumber(value)) {
    return options.numberRendering === 'php-float'
      ? renderPhpFloatIfSameDecimal(value.value)
      : value.value;
  }
  throw new PtsSignatureError({
    code: 'unsignable_value',
    message: `signed field \`${key}\` holds an object or array, which PTS never signs`,
    field: key,
  });
}

/**
 * A3: the signed keys sorted by byte order, `key=value` joined by `&`, then `&` + safecode.
 * Absent optional keys render as `key=`; a required signed field that is absent is an error.
 */
export function buildSignString(
  fields: Readonly<Record<string, unknown>>,
  signed: readonly (PtsFieldSpec | string)[],
  safecode: string,
  options: PtsSignStringOptions = {},
): string {
  const parts = signed
    .map((f) => (typeof f === 'string' ? { name: f, required: true } : f))
    .sort((a, b) => compareBytes(a.name, b.name))
    .map((f) => {
      const value = fields[f.name];
      if (f.required && value === undefined && options.absentRequired !== 'empty') {
        throw new PtsSignatureError({
          code: 'missing_signed_field',
          message: `signed field \`${f.name}\` is missing`,
          field: f.name,
        });
      }
      // A4's PHP-float fallback concerns amounts, which v1 sends as strings with trailing
      // zeros ("40000.0000000000") as often as JSON numbers: a PHP gateway signs either as a float.
      if (
        options.numberRendering === 'php-float' &&
        'type' in f &&
        f.type === 'amount' &&
        typeof value === 'string' &&
        /^\d+(\.\d+)?$/.test(value)
      ) {
        return `${f.name}=${renderPhpFloatIfSameDecimal(value)}`;
      }
      return `${f.name}=${renderSignValue(f.name, value, options)}`;
    });
  parts.push(safecode);
  return parts.join('&');
}

/** The sign string of a message per its field table (only the "Sign yes" fields). */
export function buildMessageSignString(
  spec: PtsMessageSpec,
  fields: Readonly<Record<string, unknown>>,
  safecode: string,
  options: PtsSignStringOptions = {},
): string {
  return buildSignString(
    fields,
    spec.fields.filter((f) => f.signed),
    safecode,
    options,
  );
}

/** A sign string with the safecode cut off, for logs and error messages. */
export function redactSignString(signString: string, safecode: string): string {
  return signString.endsWith(`&${safecode}`)
    ? `${signString.slice(0, -safecode.length)}<safecode>`
    : signString;
}
