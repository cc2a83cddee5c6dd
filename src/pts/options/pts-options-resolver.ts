import { KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { PtsConfigurationError, PtsConfigurationErrors, PtsKeyError } from '../errors/pts-error.js';
import { PtsCipher, ptsAesKey, type PtsAesKeyMode } from '../protocol/pts-cipher.js';
import { PTS_API_VERSIONS, type PtsApiVersion } from '../protocol/pts-fields.js';
import { parsePtsPrivateKey, parsePtsPublicKey } from '../protocol/pts-keys.js';
import { PtsSigner } from '../protocol/pts-signer.js';
import {
  DEFAULT_PTS_ORDERS_SETTINGS,
  type PtsOrdersSettings,
} from '../orders/pts-orders-settings.js';
import { parsePtsDelays } from '../orders/pts-durations.js';
import { PtsAccount, PtsAccounts } from './pts-accounts.js';
import type { PtsAccountOptions, PtsModuleOptions } from './pts-module-options.js';
import {
  PTS_DEFAULT_SETTINGS,
  PtsSettings,
  type PtsRetrySettings,
  type PtsVerifyResponses,
} from './pts-settings.js';

/** What the options resolve to: module settings and the accounts with their key objects. */
export interface PtsResolvedOptions {
  readonly settings: PtsSettings;
  readonly accounts: PtsAccounts;
  readonly orders: Readonly<PtsOrdersSettings>;
}

const MODULE_KEYS: readonly (keyof PtsModuleOptions)[] = [
  'accounts',
  'defaultAccount',
  'timeoutMs',
  'retry',
  'aesKeyMode',
  'nullRendering',
  'transactionSignatureOver',
  'verifyResponses',
  'callbackBaseUrl',
  'callbackAllowedIps',
  'callbackBodyLimitBytes',
  'tokenRefreshMarginSeconds',
  'registerCallbackController',
  'orders',
];
const ACCOUNT_KEYS: readonly (keyof PtsAccountOptions)[] = [
  'name',
  'apiVersion',
  'baseUrl',
  'userId',
  'safecode',
  'merchantPrivateKey',
  'gatewayPublicKey',
  'guid',
  'transactionSecret',
];
const RETRY_KEYS = ['attempts', 'baseDelayMs', 'maxDelayMs'];

/** A request needs some time; more than ten minutes is surely a unit mistake (seconds vs ms). */
const MAX_TIMEOUT_MS = 600_000;
const MAX_RETRY_ATTEMPTS = 10;

/**
 * Applies defaults, checks every option and parses every key once.
 * Reports ALL problems in one `PtsConfigurationErrors`, each naming the option, what is wrong
 * and how to fix it, and never quoting a secret. Called only by the factories of
 * `pts.providers.ts`.
 */
export function resolvePtsOptions(raw: unknown): PtsResolvedOptions {
  const problems = new Problems();
  if (!isRecord(raw)) {
    problems.add(
      '(options)',
      'missing_options',
      'PTS: the module options are missing; PtsModule.forRoot() needs an object with at least `accounts`.',
    );
    throw problems.error();
  }
  problems.unknownKeys(raw, MODULE_KEYS, '');

  const aesKeyMode = problems.oneOf(raw, 'aesKeyMode', ['raw', 'zero-pad-256'] as const);
  const nullRendering = problems.oneOf(raw, 'nullRendering', ['empty', 'null'] as const);
  const transactionSignatureOver = problems.oneOf(raw, 'transactionSignatureOver', [
    'body',
    'plaintext',
  ] as const);
  const verifyResponses = problems.oneOf(raw, 'verifyResponses', [
    'strict',
    'warn',
    'off',
  ] as const) satisfies PtsVerifyResponses | undefined;

  const timeoutMs = problems.integer(raw, 'timeoutMs', 1, MAX_TIMEOUT_MS, 'milliseconds');
  const retry = resolveRetry(raw.retry, problems);
  const callbackBaseUrl = problems.url(raw, 'callbackBaseUrl', 'callbackBaseUrl', true);
  const callbackAllowedIps = resolveAllowedIps(raw.callbackAllowedIps, problems);
  const callbackBodyLimitBytes = problems.integer(
    raw,
    'callbackBodyLimitBytes',
    1024,
    16 * 1024 * 1024,
    'bytes',
  );
  const tokenRefreshMarginSeconds = problems.integer(
    raw,
    'tokenRefreshMarginSeconds',
    0,
    3600,
    'seconds',
  );
  const registerCallbackController = problems.boolean(raw, 'registerCallbackController');
  const orders = resolveOrders(raw.orders, problems);

  const accounts = resolveAccounts(raw.accounts, problems, {
    aesKeyMode: aesKeyMode ?? PTS_DEFAULT_SETTINGS.aesKeyMode,
    nullRendering: nullRendering ?? PTS_DEFAULT_SETTINGS.nullRendering,
  });

  if (accounts.some((a) => a.apiVersion === 'v1') && raw.callbackBaseUrl === undefined) {
    const index = accounts.findIndex((a) => a.apiVersion === 'v1');
    problems.add(
      'callbackBaseUrl',
      'callback_base_url_required',
      `PTS: option \`callbackBaseUrl\` is missing, but \`accounts[${accounts[index].index}]\` uses apiVersion 'v1', where \`callback_url\` is required and signed. Set \`callbackBaseUrl\` to the public base URL of this service (e.g. https://pay.example.com).`,
    );
  }

  let defaultAccount = accounts[0]?.name;
  if (raw.defaultAccount !== undefined) {
    if (typeof raw.defaultAccount !== 'string' || raw.defaultAccount === '') {
      problems.add(
        'defaultAccount',
        'invalid_option',
        'PTS: option `defaultAccount` must be the `name` of one of the accounts.',
      );
    } else if (accounts.length > 0 && !accounts.some((a) => a.name === raw.defaultAccount)) {
      problems.add(
        'defaultAccount',
        'unknown_default_account',
        `PTS: option \`defaultAccount\` is "${raw.defaultAccount}", which names no account; the accounts are ${accounts.map((a) => `"${a.name}"`).join(', ')}. Use one of those names (an account's name defaults to its userId).`,
      );
    } else {
      defaultAccount = raw.defaultAccount;
    }
  }

  if (problems.count > 0) throw problems.error();

  const settings = new PtsSettings({
    defaultAccount: defaultAccount,
    timeoutMs: timeoutMs ?? PTS_DEFAULT_SETTINGS.timeoutMs,
    retry,
    aesKeyMode: aesKeyMode ?? PTS_DEFAULT_SETTINGS.aesKeyMode,
    nullRendering: nullRendering ?? PTS_DEFAULT_SETTINGS.nullRendering,
    transactionSignatureOver:
      transactionSignatureOver ?? PTS_DEFAULT_SETTINGS.transactionSignatureOver,
    verifyResponses: verifyResponses ?? PTS_DEFAULT_SETTINGS.verifyResponses,
    callbackBaseUrl,
    callbackAllowedIps,
    callbackBodyLimitBytes: callbackBodyLimitBytes ?? PTS_DEFAULT_SETTINGS.callbackBodyLimitBytes,
    tokenRefreshMarginSeconds:
      tokenRefreshMarginSeconds ?? PTS_DEFAULT_SETTINGS.tokenRefreshMarginSeconds,
    registerCallbackController:
      registerCallbackController ?? PTS_DEFAULT_SETTINGS.registerCallbackController,
  });
  return {
    settings,
    accounts: new PtsAccounts(
      accounts.map((a) => a.account!),
      settings.defaultAccount,
    ),
    orders,
  };
}

interface AccountDraft {
  index: number;
  name: string;
  apiVersion: PtsApiVersion;
  userId?: string;
  account?: PtsAccount;
}

function resolveAccounts(
  value: unknown,
  problems: Problems,
  protocol: { aesKeyMode: PtsAesKeyMode; nullRendering: 'empty' | 'null' },
): AccountDraft[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.add(
      'accounts',
      'accounts_missing',
      `PTS: option \`accounts\` is ${Array.isArray(value) ? 'empty' : 'missing'}; give at least one merchant account: { baseUrl, userId, safecode, merchantPrivateKey, gatewayPublicKey, guid, transactionSecret } (guid and transactionSecret for apiVersion 'v2').`,
    );
    return [];
  }
  const drafts: AccountDraft[] = [];
  value.forEach((entry: unknown, index) => {
    const at = `accounts[${index}]`;
    if (!isRecord(entry)) {
      problems.add(
        at,
        'invalid_option',
        `PTS: option \`${at}\` must be an object describing one merchant account.`,
      );
      return;
    }
    const draft = resolveAccount(entry, at, index, problems, protocol);
    drafts.push(draft);
  });

  const seenNames = new Map<string, number>();
  const seenUsers = new Map<string, number>();
  for (const draft of drafts) {
    const at = `accounts[${draft.index}]`;
    const sameName = seenNames.get(draft.name);
    if (sameName !== undefined) {
      problems.add(
        `${at}.name`,
        'duplicate_account_name',
        `PTS: option \`${at}.name\` is "${draft.name}", already the name of \`accounts[${sameName}]\` (a name defaults to the userId). Give each account its own \`name\`.`,
      );
    } else {
      seenNames.set(draft.name, draft.index);
    }
    if (draft.userId !== undefined) {
      const sameUser = seenUsers.get(draft.userId);
      if (sameUser !== undefined && sameName === undefined) {
        problems.add(
          `${at}.userId`,
          'duplicate_user_id',
          `PTS: option \`${at}.userId\` is "${draft.userId}", the same as \`accounts[${sameUser}].userId\`; callbacks name their account only by user_id, so each account needs its own. Remove the duplicate account.`,
        );
      } else if (sameUser === undefined) {
        seenUsers.set(draft.userId, draft.index);
      }
    }
  }
  return drafts;
}

function resolveAccount(
  entry: Record<string, unknown>,
  at: string,
  index: number,
  problems: Problems,
  protocol: { aesKeyMode: PtsAesKeyMode; nullRendering: 'empty' | 'null' },
): AccountDraft {
  const before = problems.count;
  problems.unknownKeys(entry, ACCOUNT_KEYS, at);

  let apiVersion: PtsApiVersion = 'v2';
  // With an unknown version, the version-specific checks would only add noise.
  let versionKnown = true;
  if (entry.apiVersion !== undefined) {
    if (PTS_API_VERSIONS.includes(entry.apiVersion as PtsApiVersion)) {
      apiVersion = entry.apiVersion as PtsApiVersion;
    } else {
      versionKnown = false;
      problems.add(
        `${at}.apiVersion`,
        'unknown_api_version',
        `PTS: option \`${at}.apiVersion\` is ${describeValue(entry.apiVersion)}; it must be 'v2' (paths /merchant/v2/{guid}/..., the default) or 'v1' (access token). Ask PTS which one your merchant account uses.`,
      );
    }
  }

  const userId = problems.requiredString(
    entry,
    'userId',
    at,
    'the merchant identification (user_id) from the merchant back office',
  );
  const baseUrl = problems.url(entry, 'baseUrl', `${at}.baseUrl`, false);
  if (entry.baseUrl === undefined) {
    problems.add(
      `${at}.baseUrl`,
      'missing_option',
      `PTS: option \`${at}.baseUrl\` is missing; set it to the gateway host PTS customer service gave you (e.g. https://api.pts.example).`,
    );
  }

  let name = userId ?? at;
  if (entry.name !== undefined) {
    if (typeof entry.name !== 'string' || entry.name.trim() === '') {
      problems.add(
        `${at}.name`,
        'invalid_option',
        `PTS: option \`${at}.name\` must be a non-empty string (or left out: it defaults to the userId).`,
      );
    } else {
      name = entry.name;
    }
  }

  const safecode = resolveSafecode(entry.safecode, `${at}.safecode`, protocol.aesKeyMode, problems);
  const privateKey = resolveKey(
    entry.merchantPrivateKey,
    `${at}.merchantPrivateKey`,
    'private',
    problems,
  );
  const publicKey = resolveKey(
    entry.gatewayPublicKey,
    `${at}.gatewayPublicKey`,
    'public',
    problems,
  );

  let guid: string | undefined;
  let transactionSecret: string | undefined;
  if (versionKnown && apiVersion === 'v2') {
    guid = problems.requiredString(
      entry,
      'guid',
      at,
      "the merchant GUID that v2 puts in every path: copy it from the merchant back office (API Docking -> GUID), or set `apiVersion: 'v1'` if the account is a v1 account",
    );
    transactionSecret = problems.requiredString(
      entry,
      'transactionSecret',
      at,
      "the HMAC key of X-Transaction-Signature: copy it from the merchant back office (API Docking -> QR Ph Transaction Secret), or set `apiVersion: 'v1'` if the account is a v1 account",
      true,
    );
  } else if (versionKnown) {
    for (const key of ['guid', 'transactionSecret'] as const) {
      if (entry[key] !== undefined) {
        problems.add(
          `${at}.${key}`,
          'option_not_for_version',
          `PTS: option \`${at}.${key}\` is set, but the account uses apiVersion 'v1', which has no ${key === 'guid' ? 'GUID' : 'transaction secret'}. Remove it, or set \`apiVersion: 'v2'\`.`,
        );
      }
    }
  }

  const draft: AccountDraft = { index, name, apiVersion, userId };
  if (problems.count === before && safecode && privateKey && publicKey && baseUrl && userId) {
    draft.account = new PtsAccount({
      name,
      apiVersion,
      baseUrl,
      userId,
      guid,
      transactionSecret,
      safecode,
      signer: new PtsSigner({
        privateKey,
        publicKey,
        safecode,
        nullRendering: protocol.nullRendering,
      }),
      cipher: new PtsCipher({
        safecode,
        aesKeyMode: protocol.aesKeyMode,
        optionName: `${at}.safecode`,
      }),
    });
  }
  return draft;
}

function resolveSafecode(
  value: unknown,
  option: string,
  mode: PtsAesKeyMode,
  problems: Problems,
): string | undefined {
  if (value === undefined || value === null || value === '') {
    problems.add(
      option,
      'missing_option',
      `PTS: option \`${option}\` is missing; copy the merchant safecode (16, 24 or 32 characters) from the merchant back office.`,
    );
    return undefined;
  }
  if (typeof value !== 'string') {
    problems.add(option, 'invalid_option', `PTS: option \`${option}\` must be a string.`);
    return undefined;
  }
  try {
    ptsAesKey(value, mode, option);
    return value;
  } catch (error) {
    if (error instanceof PtsConfigurationError) {
      problems.push(error);
      return undefined;
    }
    throw error;
  }
}

function resolveKey(
  value: unknown,
  option: string,
  kind: 'private' | 'public',
  problems: Problems,
): KeyObject | undefined {
  const what =
    kind === 'private'
      ? 'the merchant RSA private key (PEM PKCS#8 or PKCS#1, or its bare base64 body) whose public half is uploaded to PTS'
      : 'the gateway RSA public key (PEM SPKI or PKCS#1, or its bare base64 body) from the merchant back office';
  if (value === undefined || value === null || value === '') {
    problems.add(
      option,
      'missing_option',
      `PTS: option \`${option}\` is missing; set it to ${what}.`,
    );
    return undefined;
  }
  if (typeof value !== 'string' && !Buffer.isBuffer(value) && !(value instanceof KeyObject)) {
    problems.add(
      option,
      'invalid_option',
      `PTS: option \`${option}\` must be a string, a Buffer or a KeyObject holding ${what}.`,
    );
    return undefined;
  }
  try {
    return kind === 'private'
      ? parsePtsPrivateKey(value, option)
      : parsePtsPublicKey(value, option);
  } catch (error) {
    if (error instanceof PtsKeyError) {
      problems.push(error);
      return undefined;
    }
    throw error;
  }
}

function resolveRetry(value: unknown, problems: Problems): PtsRetrySettings {
  const defaults = PTS_DEFAULT_SETTINGS.retry;
  if (value === undefined) return { ...defaults };
  if (!isRecord(value)) {
    problems.add(
      'retry',
      'invalid_option',
      'PTS: option `retry` must be an object { attempts?, baseDelayMs?, maxDelayMs? }.',
    );
    return { ...defaults };
  }
  problems.unknownKeys(value, RETRY_KEYS, 'retry');
  const attempts = problems.integer(value, 'attempts', 1, MAX_RETRY_ATTEMPTS, 'attempts', 'retry.');
  const baseDelayMs = problems.integer(value, 'baseDelayMs', 0, 60_000, 'milliseconds', 'retry.');
  const maxDelayMs = problems.integer(value, 'maxDelayMs', 0, 600_000, 'milliseconds', 'retry.');
  const resolved = {
    attempts: attempts ?? defaults.attempts,
    baseDelayMs: baseDelayMs ?? defaults.baseDelayMs,
    maxDelayMs: maxDelayMs ?? Math.max(defaults.maxDelayMs, baseDelayMs ?? 0),
  };
  if (resolved.maxDelayMs < resolved.baseDelayMs) {
    problems.add(
      'retry.maxDelayMs',
      'invalid_option',
      `PTS: option \`retry.maxDelayMs\` (${resolved.maxDelayMs}) is smaller than \`retry.baseDelayMs\` (${resolved.baseDelayMs}); the cap must be at least the first backoff.`,
    );
  }
  return resolved;
}

function resolveOrders(value: unknown, problems: Problems): Readonly<PtsOrdersSettings> {
  const resolved: PtsOrdersSettings = { ...DEFAULT_PTS_ORDERS_SETTINGS };
  const numberKeys = (Object.keys(resolved) as (keyof PtsOrdersSettings)[]).filter(
    (k): k is NumericOrdersKey => typeof resolved[k] === 'number',
  );
  const known = [...numberKeys, 'reconcileDelays', 'jobsSchema'];
  if (value === undefined) return Object.freeze(resolved);
  if (!isRecord(value)) {
    problems.add(
      'orders',
      'invalid_option',
      `PTS: option \`orders\` must be an object with any of ${known.map((k) => `\`${k}\``).join(', ')}.`,
    );
    return Object.freeze(resolved);
  }
  problems.unknownKeys(value, known, 'orders');
  for (const key of numberKeys) {
    // Durations and counts; 0 is meaningful for some (dispatchIntervalMs 0 runs no workers).
    const given = problems.integer(
      value,
      key,
      0,
      365 * 24 * 3600 * 1000,
      'milliseconds or attempts',
      'orders.',
    );
    if (given !== undefined) resolved[key] = given;
  }
  const delays = value.reconcileDelays;
  if (delays !== undefined) {
    const parsed =
      typeof delays === 'string' || Array.isArray(delays)
        ? parsePtsDelays(delays as string | (string | number)[])
        : { problem: 'must be a string such as "1m,5m,1h" or a list of durations' };
    if ('problem' in parsed) {
      problems.add(
        'orders.reconcileDelays',
        'invalid_option',
        `PTS: option \`orders.reconcileDelays\` ${parsed.problem}.`,
      );
    } else {
      resolved.reconcileDelaysMs = Object.freeze(parsed.delaysMs);
    }
  }
  if (value.jobsSchema !== undefined) {
    if (typeof value.jobsSchema === 'string' && /^[a-z_][a-z0-9_]{0,49}$/.test(value.jobsSchema)) {
      resolved.jobsSchema = value.jobsSchema;
    } else {
      problems.add(
        'orders.jobsSchema',
        'invalid_option',
        'PTS: option `orders.jobsSchema` must be a PostgreSQL schema name of lower-case letters, digits and "_" (at most 50), e.g. "pts_jobs".',
      );
    }
  }
  if (resolved.dispatchIntervalMs > 0 && resolved.dispatchIntervalMs < 500) {
    // pg-boss polls at most every 500 ms; events of this instance are still signalled at once.
    resolved.dispatchIntervalMs = 500;
  }
  if (resolved.reconcileConcurrency < 1) {
    problems.add(
      'orders.reconcileConcurrency',
      'invalid_option',
      'PTS: option `orders.reconcileConcurrency` must be at least 1.',
    );
  }
  return Object.freeze(resolved);
}

type NumericOrdersKey = {
  [K in keyof PtsOrdersSettings]-?: PtsOrdersSettings[K] extends number ? K : never;
}[keyof PtsOrdersSettings];

function resolveAllowedIps(value: unknown, problems: Problems): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.add(
      'callbackAllowedIps',
      'invalid_option',
      'PTS: option `callbackAllowedIps` must be an array of IP addresses or CIDR ranges (e.g. ["203.0.113.7", "198.51.100.0/24"]).',
    );
    return [];
  }
  const ips: string[] = [];
  value.forEach((entry: unknown, i) => {
    if (typeof entry === 'string' && isIpOrCidr(entry.trim())) {
      ips.push(entry.trim());
    } else {
      problems.add(
        `callbackAllowedIps[${i}]`,
        'invalid_option',
        `PTS: option \`callbackAllowedIps[${i}]\` is ${describeValue(entry)}, not an IP address or CIDR range (e.g. "203.0.113.7" or "198.51.100.0/24").`,
      );
    }
  });
  return ips;
}

function isIpOrCidr(text: string): boolean {
  const [address, prefix, ...rest] = text.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Describes a non-secret option value for a message. */
function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a ${Array.isArray(value) ? 'array' : typeof value}`;
}

/** Collects problems so that boot reports all of them at once. */
class Problems {
  private readonly list: PtsConfigurationError[] = [];

  get count(): number {
    return this.list.length;
  }

  push(error: PtsConfigurationError): void {
    this.list.push(error);
  }

  add(option: string, code: string, message: string): void {
    this.list.push(new PtsConfigurationError(code, message, option));
  }

  error(): PtsConfigurationErrors {
    return new PtsConfigurationErrors(this.list);
  }

  unknownKeys(object: Record<string, unknown>, known: readonly string[], at: string): void {
    for (const key of Object.keys(object)) {
      if (known.includes(key)) continue;
      const option = at ? `${at}.${key}` : key;
      const near = known.find((k) => k.toLowerCase() === key.toLowerCase());
      this.add(
        option,
        'unknown_option',
        `PTS: option \`${option}\` is not an option of the PTS module${near ? `; did you mean \`${near}\`?` : `; the options here are ${known.map((k) => `\`${k}\``).join(', ')}.`}`,
      );
    }
  }

  oneOf<T extends string>(
    object: Record<string, unknown>,
    key: string,
    allowed: readonly T[],
  ): T | undefined {
    const value = object[key];
    if (value === undefined) return undefined;
    if (allowed.includes(value as T)) return value as T;
    this.add(
      key,
      'invalid_option',
      `PTS: option \`${key}\` is ${describeValue(value)}; it must be one of ${allowed.map((a) => `'${a}'`).join(', ')}.`,
    );
    return undefined;
  }

  integer(
    object: Record<string, unknown>,
    key: string,
    min: number,
    max: number,
    unit: string,
    prefix = '',
  ): number | undefined {
    const value = object[key];
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) {
      return value;
    }
    this.add(
      `${prefix}${key}`,
      'invalid_option',
      `PTS: option \`${prefix}${key}\` is ${describeValue(value)}; it must be a whole number of ${unit} from ${min} to ${max}.`,
    );
    return undefined;
  }

  boolean(object: Record<string, unknown>, key: string): boolean | undefined {
    const value = object[key];
    if (value === undefined) return undefined;
    if (typeof value === 'boolean') return value;
    this.add(key, 'invalid_option', `PTS: option \`${key}\` must be true or false.`);
    return undefined;
  }

  /** A non-empty string; `secret` keeps the value out of the message. */
  requiredString(
    object: Record<string, unknown>,
    key: string,
    at: string,
    what: string,
    secret = false,
  ): string | undefined {
    const value = object[key];
    const option = `${at}.${key}`;
    if (value === undefined || value === null || value === '') {
      this.add(option, 'missing_option', `PTS: option \`${option}\` is missing; it is ${what}.`);
      return undefined;
    }
    if (typeof value !== 'string' || value.trim() !== value) {
      this.add(
        option,
        'invalid_option',
        `PTS: option \`${option}\` ${typeof value === 'string' ? 'has spaces around it' : `is ${secret ? 'not a string' : describeValue(value)}`}; it must be a string: ${what}.`,
      );
      return undefined;
    }
    return value;
  }

  /** An absolute http(s) URL without credentials, query or fragment; no trailing slash. */
  url(
    object: Record<string, unknown>,
    key: string,
    option: string,
    isCallbackBase: boolean,
  ): string | undefined {
    const value = object[key];
    if (value === undefined) return undefined;
    const how = isCallbackBase
      ? 'set it to the public base URL of this service, e.g. https://pay.example.com'
      : 'set it to the gateway host PTS gave you, e.g. https://api.pts.example';
    let url: URL | undefined;
    if (typeof value === 'string') {
      try {
        url = new URL(value);
      } catch {
        url = undefined;
      }
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      this.add(
        option,
        'invalid_url',
        `PTS: option \`${option}\` is not an absolute http(s) URL; ${how}.`,
      );
      return undefined;
    }
    if (url.username || url.password || url.search || url.hash) {
      this.add(
        option,
        'invalid_url',
        `PTS: option \`${option}\` carries ${url.username || url.password ? 'credentials' : 'a query or fragment'}; give only scheme, host, port and path: ${how}.`,
      );
      return undefined;
    }
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  }
}
