import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { PtsMessageSpec } from '../pts/protocol/pts-fields.js';
import { LosslessNumber, renderPhpFloat, type PtsJsonObject } from '../pts/protocol/pts-json.js';
import { PtsSigner } from '../pts/protocol/pts-signer.js';
import type { PtsSandboxFaults, PtsSandboxFaultSite } from './faults.js';
import type { PtsSandboxAccount } from './options.js';

export type PtsSandboxAmountFormat = 'string' | 'trailing-zeros' | 'number' | 'float-artifact';

/** How one outgoing signed message is made, after the faults had their say. */
export interface PtsSandboxSigningEffects {
  format: PtsSandboxAmountFormat;
  /** The amount fields `format` applies to; undefined: all. */
  formatFields?: readonly string[];
  signAs: 'raw' | 'php-float';
  tamper: boolean;
  wrongKey: boolean;
  /** Signed fields sent (and signed) as null or "" (`null-fields`). */
  nulls?: { fields: readonly string[]; as: 'null' | 'empty' };
  /** Unsigned fields of loose types added after signing (`loose-types`). */
  loose: boolean;
  /** Fault kinds that acted, for the records. */
  applied: string[];
}

/**
 * What `loose-types` adds: unsigned optional fields (B 4.2, 4.3) in the types a real gateway
 * gets wrong: a reference number as a JSON number, a negative promotion, a null message.
 */
const LOOSE_FIELDS = {
  reference_number: new LosslessNumber('20240101123456'),
  submit_promo: '-5.00',
  accept_promo: new LosslessNumber('-5'),
  error_message: null,
} as const;

/** Takes the signing faults that match `site` (each used once) and says what they do. */
export function takeSigningEffects(
  faults: PtsSandboxFaults,
  site: PtsSandboxFaultSite,
): PtsSandboxSigningEffects {
  const effects: PtsSandboxSigningEffects = {
    format: 'string',
    signAs: 'raw',
    tamper: false,
    wrongKey: false,
    loose: false,
    applied: [],
  };
  const format = faults.take(site, ['amount-format']);
  if (format) {
    effects.format = format.format;
    effects.formatFields = format.fields;
    effects.signAs = format.signAs ?? 'raw';
    effects.applied.push('amount-format');
  }
  const nulls = faults.take(site, ['null-fields']);
  if (nulls) {
    effects.nulls = { fields: nulls.fields, as: nulls.as ?? 'null' };
    effects.applied.push('null-fields');
  }
  if (faults.take(site, ['loose-types'])) {
    effects.loose = true;
    effects.applied.push('loose-types');
  }
  if (faults.take(site, ['tamper-amount'])) {
    effects.tamper = true;
    effects.applied.push('tamper-amount');
  }
  if (faults.take(site, ['wrong-key'])) {
    effects.wrongKey = true;
    effects.applied.push('wrong-key');
  }
  return effects;
}

/**
 * An amount as it goes on the wire. Default: a JSON string with the exact digits that are
 * signed (docs/protocol.md B8.4 recommends one consistent form; the others are faults).
 */
export function renderAmount(
  text: string,
  format: PtsSandboxAmountFormat,
): string | LosslessNumber {
  if (format === 'float-artifact') return floatArtifact(text);
  const digits = format === 'trailing-zeros' ? new Decimal(text).toFixed(10) : text;
  return format === 'number' ? new LosslessNumber(digits) : digits;
}

/**
 * The amount as a gateway that computed it in floating point prints it at full precision
 * (`100` -> `"100.00000000000001"`, PHP's json_encode with serialize_precision -1): one unit in
 * the 17th significant digit more. PHP's `"{$value}"` (precision 14) still prints `100`.
 */
function floatArtifact(text: string): string {
  const value = new Decimal(text);
  const integerDigits = value.abs().trunc().isZero() ? 1 : value.abs().trunc().toFixed().length;
  const places = Math.max(17 - integerDigits, 1);
  return value.plus(new Decimal(10).pow(-places)).toFixed(places);
}

let impostorKey: KeyObject | undefined;
const impostorSigners = new WeakMap<PtsSandboxAccount, PtsSigner>();

/** A signer with a key that is not the gateway's (fault `wrong-key`); made once, lazily. */
function impostorSigner(account: PtsSandboxAccount): PtsSigner {
  let signer = impostorSigners.get(account);
  if (!signer) {
    impostorKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    signer = new PtsSigner({
      privateKey: impostorKey,
      safecode: account.merchant.safecode,
      nullRendering: account.merchant.nullRendering,
    });
    impostorSigners.set(account, signer);
  }
  return signer;
}

/**
 * Signs a gateway message with the gateway key over its "Sign yes" fields (A4), rendering
 * amount fields (decimal text in `fields`) per `effects`; `tamper` changes them after signing.
 */
export function signGatewayMessage(
  account: PtsSandboxAccount,
  spec: PtsMessageSpec,
  fields: Record<string, unknown>,
  effects: PtsSandboxSigningEffects,
): PtsJsonObject {
  const given: Record<string, unknown> = { ...fields };
  for (const name of effects.nulls?.fields ?? []) {
    given[name] = effects.nulls?.as === 'empty' ? '' : null;
  }
  const amountFields = spec.fields
    .filter((f) => f.type === 'amount' && typeof given[f.name] === 'string' && given[f.name] !== '')
    .map((f) => f.name);
  const wire: Record<string, unknown> = { ...given };
  const signView: Record<string, unknown> = { ...given };
  const formatted = amountFields.filter(
    (name) => effects.formatFields === undefined || effects.formatFields.includes(name),
  );
  for (const name of formatted) {
    const rendered = renderAmount(given[name] as string, effects.format);
    wire[name] = rendered;
    signView[name] = typeof rendered === 'string' ? rendered : rendered.value;
  }
  // A PHP gateway decodes every amount to a float before it builds the sign string.
  if (effects.signAs === 'php-float') {
    for (const name of amountFields) signView[name] = renderPhpFloat(signView[name] as string);
  }
  const signString = account.signer.signString(spec, signView);
  const sign = (effects.wrongKey ? impostorSigner(account) : account.signer).signRaw(signString);
  if (effects.tamper) {
    for (const name of amountFields) {
      if (name === 'exchange_rate' || !spec.fields.some((f) => f.name === name && f.signed)) {
        continue;
      }
      const before = wire[name] as string | LosslessNumber;
      const text = typeof before === 'string' ? before : before.value;
      const places = text.includes('.') ? text.split('.')[1].length : 0;
      const changed = new Decimal(text).plus(1).toFixed(places);
      wire[name] = typeof before === 'string' ? changed : new LosslessNumber(changed);
    }
  }
  if (effects.loose) Object.assign(wire, LOOSE_FIELDS);
  return { ...(wire as PtsJsonObject), sign };
}

/** Signs the answer to a request at `site` with the signing faults aimed at it. */
export function signAnswer(
  faults: PtsSandboxFaults,
  site: PtsSandboxFaultSite,
  account: PtsSandboxAccount,
  spec: PtsMessageSpec,
  fields: Record<string, unknown>,
): { data: PtsJsonObject; effects: PtsSandboxSigningEffects } {
  const effects = takeSigningEffects(faults, site);
  return { data: signGatewayMessage(account, spec, fields, effects), effects };
}
