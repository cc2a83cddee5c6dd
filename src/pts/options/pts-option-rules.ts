import { KeyObject } from 'node:crypto';
import { isBoolean, isIn, isInt, registerDecorator } from 'class-validator';

/**
 * The rules option schemas are made of (class-validator decorators). Each rule passes an absent
 * value (`PtsRequired` excepted), carries a stable error `code`, and words its problem with
 * `{option}` where the checker (`pts-option-check.ts`) puts the option's path
 * (`accounts[0].userId`) or, in the service, the environment variable's name. Messages never
 * quote a secret: only rules on plain settings show the value.
 */

/** A whole number with its unit, e.g. `timeoutMs`: 1 to 600000 milliseconds. */
export interface PtsRange {
  readonly min: number;
  readonly max: number;
  readonly unit: string;
}

/** What `describeValue` may show of a value: secrets are only ever said to be wrong. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a ${Array.isArray(value) ? 'array' : typeof value}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/**
 * One rule as a property decorator: `test` passes or `problem` says what is wrong and how to fix
 * it. An absent value passes unless `required`.
 */
export function ptsRule(
  code: string,
  test: (value: unknown) => boolean,
  problem: (value: unknown) => string,
  name = code,
  { required = false } = {},
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options: { context: { code } },
      validator: {
        validate: (value: unknown) => (!required && value === undefined) || test(value),
        defaultMessage: (args) => `PTS: option \`{option}\` ${problem(args?.value)}`,
      },
    });
}

/** Missing (absent, null or empty): `fix` says where the value comes from. */
export function PtsRequired(fix: string): PropertyDecorator {
  return ptsRule(
    'missing_option',
    (value) => !isAbsent(value),
    () => `is missing; ${fix}.`,
    'required',
    {
      required: true,
    },
  );
}

export function PtsInteger(range: PtsRange): PropertyDecorator {
  return ptsRule(
    'invalid_option',
    (value) => isInt(value) && (value as number) >= range.min && (value as number) <= range.max,
    (value) =>
      `is ${describeValue(value)}; it must be a whole number of ${range.unit} from ${range.min} to ${range.max}.`,
    'integer',
  );
}

export function PtsOneOf(
  values: readonly string[],
  must = `one of ${values.map((v) => `'${v}'`).join(', ')}`,
  code = 'invalid_option',
): PropertyDecorator {
  return ptsRule(
    code,
    (value) => isIn(value, [...values]),
    (value) => `is ${describeValue(value)}; it must be ${must}.`,
    'oneOf',
  );
}

export function PtsBoolean(): PropertyDecorator {
  return ptsRule('invalid_option', isBoolean, () => 'must be true or false.', 'boolean');
}

/** A string without spaces around it; `secret` keeps the value out of the message. */
export function PtsTrimmedString(what: string, secret = false): PropertyDecorator {
  return ptsRule(
    'invalid_option',
    (value) => isAbsent(value) || (typeof value === 'string' && value.trim() === value),
    (value) =>
      `${typeof value === 'string' ? 'has spaces around it' : `is ${secret ? 'not a string' : describeValue(value)}`}; it must be a string: ${what}.`,
    'trimmedString',
  );
}

/** A non-empty string (`fix`: what it must be instead). */
export function PtsNonEmptyString(fix: string): PropertyDecorator {
  return ptsRule(
    'invalid_option',
    (value) => typeof value === 'string' && value.trim() !== '',
    () => `must be ${fix}.`,
    'nonEmptyString',
  );
}

/** Any string (a secret: its value is never shown); the object it keys says what is wrong with it. */
export function PtsString(): PropertyDecorator {
  return ptsRule(
    'invalid_option',
    (value) => isAbsent(value) || typeof value === 'string',
    () => 'must be a string.',
    'string',
  );
}

/** Key material in a form the key parser takes; whether it parses, the parser says. */
export function PtsKeyInput(what: string): PropertyDecorator {
  return ptsRule(
    'invalid_option',
    (value) =>
      isAbsent(value) ||
      typeof value === 'string' ||
      Buffer.isBuffer(value) ||
      value instanceof KeyObject,
    () => `must be a string, a Buffer or a KeyObject holding ${what}.`,
    'keyInput',
  );
}

/** An absolute http(s) URL without credentials, query or fragment (`how`: where to get one). */
export function PtsUrl(how: string): PropertyDecorator {
  const url = (value: unknown): URL | undefined => {
    if (typeof value !== 'string') return undefined;
    try {
      const parsed = new URL(value);
      return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed : undefined;
    } catch {
      return undefined;
    }
  };
  return ptsRule(
    'invalid_url',
    (value) => {
      const parsed = url(value);
      return (
        parsed !== undefined &&
        !parsed.username &&
        !parsed.password &&
        !parsed.search &&
        !parsed.hash
      );
    },
    (value) => {
      const parsed = url(value);
      if (!parsed) return `is not an absolute http(s) URL; ${how}.`;
      const extra = parsed.username || parsed.password ? 'credentials' : 'a query or fragment';
      return `carries ${extra}; give only scheme, host, port and path: ${how}.`;
    },
    'url',
  );
}

/** `https://host/path/` as `https://host/path`: paths are appended to it. */
export function normalizeUrl(value: string): string {
  const url = new URL(value);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** A plain object of further options (`shape`: what it holds), checked by its own schema. */
export function PtsRecord(shape: string | (() => string)): PropertyDecorator {
  return ptsRule(
    'invalid_option',
    isRecord,
    () => `must be an object ${typeof shape === 'string' ? shape : shape()}.`,
    'record',
  );
}

/** A list of strings (`what`: of what, with an example). */
export function PtsStringList(what: string): PropertyDecorator {
  return ptsRule(
    'invalid_option',
    (value) => Array.isArray(value) && value.every((entry) => typeof entry === 'string'),
    () => `must be an array of ${what}.`,
    'stringList',
  );
}
