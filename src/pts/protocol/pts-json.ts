import { Decimal } from 'decimal.js';
import { isLosslessNumber, LosslessNumber, parse, stringify } from 'lossless-json';
import { PtsMalformedMessageError } from '../errors/pts-error.js';

/**
 * JSON as PTS sends it, with every number kept as its exact text (docs/protocol.md A4, A7):
 * `40000.0000000000` stays that, and never passes through a JavaScript float.
 */
export type PtsJsonValue =
  string | boolean | null | LosslessNumber | PtsJsonValue[] | { [key: string]: PtsJsonValue };

export type PtsJsonObject = { [key: string]: PtsJsonValue };

export { isLosslessNumber, LosslessNumber };

/** Parses JSON keeping number text. Duplicate keys are refused (a forger's favourite). */
export function parsePtsJson(text: string): PtsJsonValue {
  try {
    return parse(text) as PtsJsonValue;
  } catch (error) {
    throw new PtsMalformedMessageError({
      code: 'invalid_json',
      message: `PTS message is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
}

/** Parses JSON that must be an object (every PTS message is one). */
export function parsePtsJsonObject(text: string): PtsJsonObject {
  const value = parsePtsJson(text);
  if (!isPtsJsonObject(value)) {
    throw new PtsMalformedMessageError({
      code: 'not_an_object',
      message: `PTS message must be a JSON object, got ${describeJsonType(value)}`,
    });
  }
  return value;
}

export function isPtsJsonObject(value: unknown): value is PtsJsonObject {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value)
  );
}

/** Serialises back; numbers come out exactly as they were read. */
export function stringifyPtsJson(value: unknown): string {
  const text = stringify(value);
  if (text === undefined) {
    throw new PtsMalformedMessageError({
      code: 'invalid_json',
      message: 'value cannot be serialised as JSON',
    });
  }
  return text;
}

export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isLosslessNumber(value)) return 'a number';
  return `a ${typeof value}`;
}

/**
 * PHP's rendering of a float in string interpolation (`"{$value}"`, precision 14, `%.14G`):
 * `40000.0000000000` -> `40000`, `0.1661000000` -> `0.1661`. docs/protocol.md A4 tries this
 * once when the exact text does not verify, because PHP gateways decode amounts to floats
 * before they build the sign string.
 */
export function renderPhpFloat(numberText: string): string {
  // The one place a number goes through a double on purpose: PHP rounds the double that
  // json_decode produced, not the decimal text (`100000.123456785` is ...785004 as a double,
  // so PHP prints 100000.12345679). toPrecision(100) gives that double's exact digits.
  const double = Number(numberText);
  if (numberText.trim() === '' || Number.isNaN(double)) return numberText;
  if (!Number.isFinite(double)) return double > 0 ? 'INF' : '-INF';
  if (double === 0) return Object.is(double, -0) ? '-0' : '0';
  const rounded = new Decimal(double.toPrecision(100)).toSignificantDigits(
    14,
    Decimal.ROUND_HALF_EVEN,
  );
  // php_gcvt: exponential exactly when decpt < -3 or decpt > 14, where decpt = e + 1.
  const exponent = rounded.e;
  if (exponent < -4 || exponent >= 14) {
    // PHP prints e.g. 1.0E+25 and 1.0E-5
    const [mantissa, exp] = rounded.toExponential().split('e');
    const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
    const sign = exp.startsWith('-') ? '-' : '+';
    return `${m}E${sign}${exp.replace(/^[+-]/, '')}`;
  }
  return rounded.toFixed();
}

/**
 * A4's fallback, bounded: PHP's float rendering of a number's text when that rendering is the
 * same decimal value (`40000.0000000000` -> `40000`), the text unchanged when it is not
 * (`100.00000000000001` stays that, since PHP would print `100`). A signature over the rounded
 * text therefore never vouches for digits that were not signed.
 */
export function renderPhpFloatIfSameDecimal(numberText: string): string {
  const php = renderPhpFloat(numberText);
  if (php === numberText) return php;
  try {
    return new Decimal(php).equals(new Decimal(numberText)) ? php : numberText;
  } catch {
    return numberText;
  }
}
