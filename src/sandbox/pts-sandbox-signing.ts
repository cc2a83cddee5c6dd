import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { PtsMessageSpec } from '../pts/protocol/pts-fields.js';
import { LosslessNumber, renderPhpFloat, type PtsJsonObject } from '../pts/protocol/pts-json.js';
import { PtsSigner } from '../pts/protocol/pts-signer.js';
import type { PtsSandboxFaults, PtsSandboxFaultSite } from './pts-sandbox-faults.js';
import type { PtsSandboxAccount } from './pts-sandbox-options.js';

export type PtsSandboxAmountFormat = 'string' | 'trailing-zeros' | 'number';

/** How one outgoing signed message is made, after the faults had their say. */
export interface PtsSandboxSigningEffects {
  format: PtsSandboxAmountFormat;
  signAs: 'raw' | 'php-float';
  tamper: boolean;
  wrongKey: boolean;
  /** Fault kinds that acted, for the records. */
  applied: string[];
}

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
    applied: [],
  };
  const format = faults.take(site, ['amount-format']);
  if (format) {
    effects.format = format.format;
    effects.signAs = format.signAs ?? 'raw';
    effects.applied.push('amount-format');
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
 * signed (pts-protocol.md B 8.4 recommends one consistent form; the others are faults).
 */
export function renderAmount(
  text: string,
  format: PtsSandboxAmountFormat,
): string | LosslessNumber {
  const digits = format === 'trailing-zeros' ? new Decimal(text).toFixed(10) : text;
  return format === 'number' ? new LosslessNumber(digits) : digits;
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
  const amountFields = spec.fields
    .filter((f) => f.type === 'amount' && typeof fields[f.name] === 'string')
    .map((f) => f.name);
  const wire: Record<string, unknown> = { ...fields };
  const signView: Record<string, unknown> = { ...fields };
  for (const name of amountFields) {
    const rendered = renderAmount(fields[name] as string, effects.format);
    wire[name] = rendered;
    const text = typeof rendered === 'string' ? rendered : rendered.value;
    signView[name] = effects.signAs === 'php-float' ? renderPhpFloat(text) : text;
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
  return { ...(wire as PtsJsonObject), sign };
}
