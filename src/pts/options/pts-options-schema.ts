import type { PtsAesKeyMode } from '../protocol/pts-cipher.js';
import { PTS_API_VERSIONS } from '../protocol/pts-fields.js';
import type { PtsNullRendering } from '../protocol/pts-sign-string.js';
import type { PtsTransactionSignatureOver } from '../protocol/pts-transaction-signature.js';
import { parsePtsDelays } from '../orders/pts-durations.js';
import type { PtsOrdersOptions } from '../orders/pts-orders-settings.js';
import { ptsSchemaKeys } from './pts-option-check.js';
import {
  PtsBoolean,
  PtsInteger,
  PtsKeyInput,
  PtsNonEmptyString,
  PtsOneOf,
  PtsRecord,
  PtsRequired,
  PtsString,
  PtsStringList,
  PtsTrimmedString,
  PtsUrl,
  ptsRule,
  type PtsRange,
} from './pts-option-rules.js';
import type { PtsAccountOptions, PtsModuleOptions } from './pts-module-options.js';
import type { PtsVerifyResponses } from './pts-settings.js';

/**
 * The one schema of the options: every option of `PtsModuleOptions` with its rule and its one
 * range. The module (`resolvePtsOptions`), the service's environment and the sandbox check with
 * these classes and rules; defaults live in `PTS_DEFAULT_SETTINGS` (pts-settings.ts).
 */

/** Per request towards PTS (the module's `timeoutMs`, a call's `timeoutMs`, the sandbox's callbacks). */
export const PTS_TIMEOUT_RANGE: PtsRange = { min: 1, max: 600_000, unit: 'milliseconds' };
export const PTS_RETRY_RANGES = {
  attempts: { min: 1, max: 10, unit: 'attempts' },
  baseDelayMs: { min: 0, max: 60_000, unit: 'milliseconds' },
  maxDelayMs: { min: 0, max: 600_000, unit: 'milliseconds' },
} as const satisfies Record<string, PtsRange>;

export const PTS_AES_KEY_MODES = ['raw', 'zero-pad-256'] as const satisfies PtsAesKeyMode[];
export const PTS_NULL_RENDERINGS = ['empty', 'null'] as const satisfies PtsNullRendering[];
export const PTS_TRANSACTION_SIGNATURE_OVER = [
  'body',
  'plaintext',
] as const satisfies PtsTransactionSignatureOver[];
const VERIFY_RESPONSES = ['strict', 'warn', 'off'] as const satisfies PtsVerifyResponses[];

export const PTS_PRIVATE_KEY_WHAT =
  'the merchant RSA private key (PEM PKCS#8 or PKCS#1, or its bare base64 body) whose public half is uploaded to PTS';
export const PTS_PUBLIC_KEY_WHAT =
  'the gateway RSA public key (PEM SPKI or PKCS#1, or its bare base64 body) from the merchant back office';
export const PTS_GUID_WHAT =
  "the merchant GUID that v2 puts in every path: copy it from the merchant back office (API Docking -> GUID), or set `apiVersion: 'v1'` if the account is a v1 account";
export const PTS_TRANSACTION_SECRET_WHAT =
  "the HMAC key of X-Transaction-Signature: copy it from the merchant back office (API Docking -> QR Ph Transaction Secret), or set `apiVersion: 'v1'` if the account is a v1 account";
const USER_ID_WHAT = 'the merchant identification (user_id) from the merchant back office';

/** One entry of `accounts`. `guid` and `transactionSecret` are required for v2 (pts-account-resolver.ts). */
export class PtsAccountOptionsSchema {
  @PtsNonEmptyString('a non-empty string (or left out: it defaults to the userId)')
  name?: unknown;
  @PtsOneOf(
    PTS_API_VERSIONS,
    "'v2' (paths /merchant/v2/{guid}/..., the default) or 'v1' (access token). Ask PTS which one your merchant account uses",
    'unknown_api_version',
  )
  apiVersion?: unknown;
  @PtsRequired(
    'set it to the gateway host PTS customer service gave you (e.g. https://api.pts.example)',
  )
  @PtsUrl('set it to the gateway host PTS gave you, e.g. https://api.pts.example')
  baseUrl?: unknown;
  @PtsRequired(`it is ${USER_ID_WHAT}`)
  @PtsTrimmedString(USER_ID_WHAT)
  userId?: unknown;
  @PtsRequired('copy the merchant safecode (16, 24 or 32 characters) from the merchant back office')
  @PtsString()
  safecode?: unknown;
  @PtsRequired(`set it to ${PTS_PRIVATE_KEY_WHAT}`)
  @PtsKeyInput(PTS_PRIVATE_KEY_WHAT)
  merchantPrivateKey?: unknown;
  @PtsRequired(`set it to ${PTS_PUBLIC_KEY_WHAT}`)
  @PtsKeyInput(PTS_PUBLIC_KEY_WHAT)
  gatewayPublicKey?: unknown;
  @PtsTrimmedString(PTS_GUID_WHAT)
  guid?: unknown;
  @PtsTrimmedString(PTS_TRANSACTION_SECRET_WHAT, true)
  transactionSecret?: unknown;
}

/** `retry` of the module, and `callbackRetry` of the sandbox. */
export class PtsRetryOptionsSchema {
  @PtsInteger(PTS_RETRY_RANGES.attempts)
  attempts?: unknown;
  @PtsInteger(PTS_RETRY_RANGES.baseDelayMs)
  baseDelayMs?: unknown;
  @PtsInteger(PTS_RETRY_RANGES.maxDelayMs)
  maxDelayMs?: unknown;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;
// Durations and counts; 0 is meaningful for some (dispatchIntervalMs 0 runs no workers).
const DURATION: PtsRange = { min: 0, max: YEAR_MS, unit: 'milliseconds' };
const COUNT: PtsRange = { min: 0, max: YEAR_MS, unit: 'attempts' };

export class PtsOrdersOptionsSchema {
  @PtsInteger(DURATION) dispatchIntervalMs?: unknown;
  @PtsInteger(DURATION) dispatchLeaseMs?: unknown;
  @PtsInteger(DURATION) dispatchRetryBaseMs?: unknown;
  @PtsInteger(DURATION) dispatchRetryMaxMs?: unknown;
  @PtsInteger(COUNT) dispatchMaxAttempts?: unknown;
  @PtsInteger(DURATION) unknownNotFoundGraceMs?: unknown;
  @ptsRule(
    'invalid_option',
    (value) =>
      (typeof value === 'string' || Array.isArray(value)) &&
      !('problem' in parsePtsDelays(value as string | (string | number)[])),
    (value) => {
      if (typeof value !== 'string' && !Array.isArray(value))
        return 'must be a string such as "1m,5m,1h" or a list of durations.';
      const parsed = parsePtsDelays(value as string | (string | number)[]);
      return `${'problem' in parsed ? parsed.problem : ''}.`;
    },
    'delays',
  )
  reconcileDelays?: unknown;
  @PtsInteger(COUNT) reconcileRetryLimit?: unknown;
  @PtsInteger(DURATION) reconcileRetryDelayMs?: unknown;
  @PtsInteger({ min: 1, max: YEAR_MS, unit: 'queries at a time' }) reconcileConcurrency?: unknown;
  @PtsInteger(DURATION) retainDeliveredEventsMs?: unknown;
  @PtsInteger(DURATION) retainRefusedCallbacksMs?: unknown;
  @PtsInteger(DURATION) retainExpiredTokensMs?: unknown;
  @ptsRule(
    'invalid_option',
    (value) => typeof value === 'string' && /^[a-z_][a-z0-9_]{0,49}$/.test(value),
    () =>
      'must be a PostgreSQL schema name of lower-case letters, digits and "_" (at most 50), e.g. "pts_jobs".',
    'schemaName',
  )
  jobsSchema?: unknown;
}

export class PtsModuleOptionsSchema {
  @ptsRule(
    'accounts_missing',
    (value) => Array.isArray(value) && value.length > 0,
    (value) =>
      `is ${Array.isArray(value) ? 'empty' : 'missing'}; give at least one merchant account: { baseUrl, userId, safecode, merchantPrivateKey, gatewayPublicKey, guid, transactionSecret } (guid and transactionSecret for apiVersion 'v2').`,
    'accounts',
    { required: true },
  )
  accounts?: unknown;
  @PtsNonEmptyString('the `name` of one of the accounts')
  defaultAccount?: unknown;
  @PtsInteger(PTS_TIMEOUT_RANGE)
  timeoutMs?: unknown;
  @PtsRecord('{ attempts?, baseDelayMs?, maxDelayMs? }')
  retry?: unknown;
  @PtsOneOf(PTS_AES_KEY_MODES)
  aesKeyMode?: unknown;
  @PtsOneOf(PTS_NULL_RENDERINGS)
  nullRendering?: unknown;
  @PtsOneOf(PTS_TRANSACTION_SIGNATURE_OVER)
  transactionSignatureOver?: unknown;
  @PtsOneOf(VERIFY_RESPONSES)
  verifyResponses?: unknown;
  @PtsUrl('set it to the public base URL of this service, e.g. https://pay.example.com')
  callbackBaseUrl?: unknown;
  @PtsStringList('IP addresses or CIDR ranges (e.g. ["203.0.113.7", "198.51.100.0/24"])')
  callbackAllowedIps?: unknown;
  @PtsInteger({ min: 1024, max: 16 * 1024 * 1024, unit: 'bytes' })
  callbackBodyLimitBytes?: unknown;
  @PtsInteger({ min: 0, max: 3600, unit: 'seconds' })
  tokenRefreshMarginSeconds?: unknown;
  @PtsBoolean()
  registerCallbackController?: unknown;
  @PtsRecord(
    () =>
      `with any of ${ptsSchemaKeys(PtsOrdersOptionsSchema)
        .map((k) => `\`${k}\``)
        .join(', ')}`,
  )
  orders?: unknown;
}

/** Compile-time: the schemas name exactly the public options (pts-module-options.ts). */
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : false;
export type PtsSchemaMatchesOptions = [
  SameKeys<PtsModuleOptionsSchema, PtsModuleOptions>,
  SameKeys<PtsAccountOptionsSchema, PtsAccountOptions>,
  SameKeys<PtsRetryOptionsSchema, NonNullable<PtsModuleOptions['retry']>>,
  SameKeys<PtsOrdersOptionsSchema, PtsOrdersOptions>,
] extends [true, true, true, true]
  ? true
  : never;
const schemaMatches: PtsSchemaMatchesOptions = true;
void schemaMatches;
