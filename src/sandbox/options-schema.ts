import {
  PtsBoolean,
  PtsInteger,
  PtsKeyInput,
  PtsNonEmptyString,
  PtsOneOf,
  PtsRecord,
  PtsRequired,
  ptsRule,
  PtsString,
  PtsStringList,
} from '../pts/options/pts-option-rules.js';
import {
  PTS_AES_KEY_MODES,
  PTS_NULL_RENDERINGS,
  PTS_TIMEOUT_RANGE,
  PTS_TRANSACTION_SIGNATURE_OVER,
} from '../pts/options/pts-options-schema.js';

/**
 * The schema of `PtsSandboxOptions` (options.ts), made of the module's rules
 * (src/pts/options/pts-option-rules.ts): the same words and, for the per-request timeout, the
 * same range as the module's options.
 */

const DAY_MS = 86_400_000;
const HttpUrl = () => ptsRule('invalid_url', isHttpUrl, () => 'must be an http(s) URL.', 'httpUrl');
const List = (what: string) =>
  ptsRule('invalid_option', Array.isArray, () => `must be a list of ${what}.`, 'list');
const SECRET = 'the same value as the merchant account of the module';

export class PtsSandboxMerchantSchema {
  @PtsRequired('it is the merchant identification (user_id) the merchant account uses')
  @PtsString()
  userId?: unknown;
  @PtsRequired(`it is ${SECRET}`) @PtsString() safecode?: unknown;
  @PtsRequired(`it is ${SECRET}`) @PtsString() guid?: unknown;
  @PtsRequired(`it is ${SECRET}`) @PtsString() transactionSecret?: unknown;
  @PtsRequired("it is the merchant's RSA public key (PEM SPKI or PKCS#1, or its bare base64 body)")
  @PtsKeyInput("the merchant's RSA public key")
  merchantPublicKey?: unknown;
  @HttpUrl() withdrawConfirmUrl?: unknown;
  @PtsRecord('currency -> channel -> decimal text') balances?: unknown;
  @PtsOneOf(PTS_AES_KEY_MODES) aesKeyMode?: unknown;
  @PtsOneOf(PTS_TRANSACTION_SIGNATURE_OVER) transactionSignatureOver?: unknown;
  @PtsOneOf(PTS_NULL_RENDERINGS) nullRendering?: unknown;
  @PtsStringList('currency codes, e.g. ["PHP"]') currencies?: unknown;
  @List('channels as support-channel answers them') channels?: unknown;
}

export class PtsSandboxRetrySchema {
  @PtsInteger({ min: 1, max: 100, unit: 'attempts' }) attempts?: unknown;
  @PtsInteger({ min: 0, max: DAY_MS, unit: 'milliseconds' }) baseDelayMs?: unknown;
  @PtsInteger({ min: 0, max: DAY_MS, unit: 'milliseconds' }) maxDelayMs?: unknown;
}

export class PtsSandboxOptionsSchema {
  @PtsRequired('it is the RSA private key the sandbox signs with, as PEM or bare base64')
  @PtsKeyInput('the gateway RSA private key')
  gatewayPrivateKey?: unknown;
  @ptsRule(
    'invalid_option',
    (value) => Array.isArray(value) && value.length > 0,
    () => 'must list at least one merchant.',
    'merchants',
    { required: true },
  )
  merchants?: unknown;
  @PtsInteger({ min: 0, max: 65_535, unit: 'port' }) port?: unknown;
  @PtsNonEmptyString('a host name or address to listen on') host?: unknown;
  @HttpUrl() publicUrl?: unknown;
  @PtsInteger({ min: 0, max: DAY_MS, unit: 'milliseconds' }) withdrawDelayMs?: unknown;
  @PtsBoolean() autoSettleWithdrawals?: unknown;
  @PtsRecord('{ attempts?, baseDelayMs?, maxDelayMs? }') callbackRetry?: unknown;
  @PtsInteger(PTS_TIMEOUT_RANGE) callbackTimeoutMs?: unknown;
  @PtsInteger({ min: 0, max: 30 * 86_400, unit: 'seconds' }) tokenTtlSeconds?: unknown;
  @PtsInteger({ min: 0, max: 86_400, unit: 'seconds' }) timestampToleranceSeconds?: unknown;
  @PtsNonEmptyString('a file path') stateFile?: unknown;
  @List('faults') faults?: unknown;
  @ptsRule('invalid_option', (v) => typeof v === 'function', () => 'must be a function.', 'log')
  log?: unknown;
  @PtsInteger({ min: 0, max: DAY_MS, unit: 'milliseconds' }) subscriptionUnitMs?: unknown;
  @PtsRecord('trade currency -> currency -> { payment, withdraw }') exchangeRates?: unknown;
}

export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
