import { PtsIpAllowList } from '../callbacks/pts-ip-allow-list.js';
import { PtsConfigurationErrors, type PtsConfigurationError } from '../errors/pts-error.js';
import { parsePtsDelays } from '../orders/pts-durations.js';
import {
  DEFAULT_PTS_ORDERS_SETTINGS,
  type PtsOrdersSettings,
} from '../orders/pts-orders-settings.js';
import { resolvePtsAccounts } from './pts-account-resolver.js';
import { PtsAccounts } from './pts-accounts.js';
import { PtsProblems, ptsSchemaKeys } from './pts-option-check.js';
import { isRecord, normalizeUrl } from './pts-option-rules.js';
import {
  PtsModuleOptionsSchema,
  PtsOrdersOptionsSchema,
  PtsRetryOptionsSchema,
} from './pts-options-schema.js';
import { PTS_DEFAULT_SETTINGS, PtsSettings, type PtsRetrySettings } from './pts-settings.js';

/** What the options resolve to: module settings and the accounts with their key objects. */
export interface PtsResolvedOptions {
  readonly settings: PtsSettings;
  readonly accounts: PtsAccounts;
  readonly orders: Readonly<PtsOrdersSettings>;
}

/**
 * Applies defaults, checks every option with the schema (pts-options-schema.ts) and builds the
 * real objects (keys, ciphers, signers, allow-list) once. Reports ALL problems in one
 * `PtsConfigurationErrors`, each naming the option, what is wrong and how to fix it, never
 * quoting a secret. Called only by the factories of `pts.providers.ts`.
 */
export function resolvePtsOptions(raw: unknown): PtsResolvedOptions {
  const problems = new PtsProblems();
  const resolved = resolveInto(raw, problems);
  if (!resolved || problems.count > 0) throw PtsConfigurationErrors.fromProblems(problems.list);
  return resolved;
}

/**
 * The problems `PtsModule.forRoot(options)` would fail with, without booting: for a host that
 * maps its own configuration (environment, files) to the options and wants to name its own
 * settings in the messages (each problem's `option` is the option's path). `accountsLater`: the
 * host adds `accounts` afterwards, so their absence is no problem yet.
 */
export function checkPtsModuleOptions(
  raw: unknown,
  { accountsLater = false }: { accountsLater?: boolean } = {},
): readonly PtsConfigurationError[] {
  const problems = new PtsProblems();
  resolveInto(raw, problems);
  if (accountsLater && isRecord(raw) && raw.accounts === undefined) {
    problems.drop((p) => p.option === 'accounts');
  }
  return problems.list;
}

function resolveInto(raw: unknown, problems: PtsProblems): PtsResolvedOptions | undefined {
  if (!isRecord(raw)) {
    problems.add(
      '(options)',
      'missing_options',
      'PTS: the module options are missing; PtsModule.forRoot() needs an object with at least `accounts`.',
    );
    return undefined;
  }
  problems.check(PtsModuleOptionsSchema, raw);
  const valid = <K extends keyof PtsModuleOptionsSchema>(key: K) =>
    problems.has(key) ? undefined : raw[key];
  const defaults = PTS_DEFAULT_SETTINGS;
  const option = <K extends keyof typeof defaults & keyof PtsModuleOptionsSchema>(key: K) =>
    (valid(key) ?? defaults[key]) as (typeof defaults)[K];

  const callbackBaseUrl = valid('callbackBaseUrl') as string | undefined;
  const callbackAllowedIps = resolveAllowedIps(valid('callbackAllowedIps'), problems);
  const retry = resolveRetry(valid('retry'), problems);
  const orders = resolveOrders(valid('orders'), problems);
  const aesKeyMode = option('aesKeyMode');
  const nullRendering = option('nullRendering');
  const drafts = resolvePtsAccounts(raw.accounts, problems, { aesKeyMode, nullRendering });

  const v1 = drafts.find((a) => a.apiVersion === 'v1');
  if (v1 && raw.callbackBaseUrl === undefined) {
    problems.add(
      'callbackBaseUrl',
      'callback_base_url_required',
      `PTS: option \`callbackBaseUrl\` is missing, but \`accounts[${v1.index}]\` uses apiVersion 'v1', where \`callback_url\` is required and signed. Set \`callbackBaseUrl\` to the public base URL of this service (e.g. https://pay.example.com).`,
    );
  }
  let defaultAccount = drafts[0]?.name;
  const named = valid('defaultAccount') as string | undefined;
  if (named !== undefined && drafts.length > 0 && !drafts.some((a) => a.name === named)) {
    problems.add(
      'defaultAccount',
      'unknown_default_account',
      `PTS: option \`defaultAccount\` is "${named}", which names no account; the accounts are ${drafts.map((a) => `"${a.name}"`).join(', ')}. Use one of those names (an account's name defaults to its userId).`,
    );
  } else if (named !== undefined) {
    defaultAccount = named;
  }
  if (problems.count > 0) return undefined;

  const settings = new PtsSettings({
    defaultAccount,
    timeoutMs: option('timeoutMs'),
    retry,
    aesKeyMode,
    nullRendering,
    transactionSignatureOver: option('transactionSignatureOver'),
    verifyResponses: option('verifyResponses'),
    callbackBaseUrl: callbackBaseUrl === undefined ? undefined : normalizeUrl(callbackBaseUrl),
    callbackAllowedIps,
    callbackBodyLimitBytes: option('callbackBodyLimitBytes'),
    tokenRefreshMarginSeconds: option('tokenRefreshMarginSeconds'),
    registerCallbackController: option('registerCallbackController'),
  });
  const accounts = drafts.map((a) => a.account!);
  return { settings, accounts: new PtsAccounts(accounts, settings.defaultAccount), orders };
}

/** Each entry is checked by the allow-list itself, so that every bad one is named. */
function resolveAllowedIps(value: unknown, problems: PtsProblems): string[] {
  if (value === undefined) return [];
  const entries = (value as string[]).map((entry) => entry.trim());
  entries.forEach((entry, i) =>
    problems.build(() => new PtsIpAllowList([entry], `callbackAllowedIps[${i}]`)),
  );
  return entries;
}

function resolveRetry(value: unknown, problems: PtsProblems): PtsRetrySettings {
  const defaults = PTS_DEFAULT_SETTINGS.retry;
  if (value === undefined) return { ...defaults };
  const raw = value as Record<string, unknown>;
  problems.check(PtsRetryOptionsSchema, raw, 'retry');
  const valid = (key: keyof PtsRetrySettings) =>
    problems.has(`retry.${key}`) ? undefined : (raw[key] as number | undefined);
  const baseDelayMs = valid('baseDelayMs');
  const resolved = {
    attempts: valid('attempts') ?? defaults.attempts,
    baseDelayMs: baseDelayMs ?? defaults.baseDelayMs,
    maxDelayMs: valid('maxDelayMs') ?? Math.max(defaults.maxDelayMs, baseDelayMs ?? 0),
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

const ORDER_NUMBERS = ptsSchemaKeys(PtsOrdersOptionsSchema).filter(
  (key): key is NumericOrdersKey => typeof DEFAULT_PTS_ORDERS_SETTINGS[key as never] === 'number',
);

function resolveOrders(value: unknown, problems: PtsProblems): Readonly<PtsOrdersSettings> {
  const resolved: PtsOrdersSettings = { ...DEFAULT_PTS_ORDERS_SETTINGS };
  if (value === undefined) return Object.freeze(resolved);
  const raw = value as Record<string, unknown>;
  problems.check(PtsOrdersOptionsSchema, raw, 'orders');
  const valid = (key: string) => (problems.has(`orders.${key}`) ? undefined : raw[key]);
  for (const key of ORDER_NUMBERS) {
    const given = valid(key) as number | undefined;
    if (given !== undefined) resolved[key] = given;
  }
  const delays = valid('reconcileDelays') as string | (string | number)[] | undefined;
  const parsed = delays === undefined ? undefined : parsePtsDelays(delays);
  if (parsed && 'delaysMs' in parsed) resolved.reconcileDelaysMs = Object.freeze(parsed.delaysMs);
  const jobsSchema = valid('jobsSchema') as string | undefined;
  if (jobsSchema !== undefined) resolved.jobsSchema = jobsSchema;
  if (resolved.dispatchIntervalMs > 0 && resolved.dispatchIntervalMs < 500) {
    // pg-boss polls at most every 500 ms; events of this instance are still signalled at once.
    resolved.dispatchIntervalMs = 500;
  }
  return Object.freeze(resolved);
}

type NumericOrdersKey = {
  [K in keyof PtsOrdersSettings]-?: PtsOrdersSettings[K] extends number ? K : never;
}[keyof PtsOrdersSettings];
