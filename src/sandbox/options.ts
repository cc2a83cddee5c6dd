import type { PtsConfigurationError } from '../pts/errors/pts-error.js';
import { PtsProblems } from '../pts/options/pts-option-check.js';
import { isRecord } from '../pts/options/pts-option-rules.js';
import { PtsCipher, type PtsAesKeyMode } from '../pts/protocol/pts-cipher.js';
import {
  parsePtsPrivateKey,
  parsePtsPublicKey,
  type PtsKeyInput as PtsKey,
} from '../pts/protocol/pts-keys.js';
import type { PtsNullRendering } from '../pts/protocol/pts-sign-string.js';
import { PtsSigner } from '../pts/protocol/pts-signer.js';
import type { PtsTransactionSignatureOver } from '../pts/protocol/pts-transaction-signature.js';
import { PtsSandboxError } from './error.js';
import {
  isHttpUrl,
  PtsSandboxMerchantSchema,
  PtsSandboxOptionsSchema,
  PtsSandboxRetrySchema,
} from './options-schema.js';
import type { PtsSandboxFault } from './faults.js';

/** One line of the support-channel answer (B 4.8). */
export interface PtsSandboxChannel {
  transactionChannel: string;
  transactionType: 'payment' | 'withdraw';
  currency: string;
  subject?: string | null;
  subjectName?: string | null;
}

/** A merchant account as the gateway knows it. One merchant is served on v1 and v2 alike. */
export interface PtsSandboxMerchant {
  userId: string;
  /** 16, 24 or 32 characters (or up to 32 with `aesKeyMode: 'zero-pad-256'`). */
  safecode: string;
  guid: string;
  transactionSecret: string;
  /** The merchant's uploaded RSA public key (PEM SPKI/PKCS#1 or bare base64). */
  merchantPublicKey: PtsKey;
  /** When set, every withdrawal is first confirmed here (B 1.5, 4.10). */
  withdrawConfirmUrl?: string;
  /** Opening balances, currency -> channel -> decimal text. Default `PHP: {QRPH, QRPH_INSTAPAY}`. */
  balances?: Record<string, Record<string, string>>;
  /** A2.3; default `raw`. */
  aesKeyMode?: PtsAesKeyMode;
  /** A2.5; default `body`. */
  transactionSignatureOver?: PtsTransactionSignatureOver;
  /** A3; default `empty`. */
  nullRendering?: PtsNullRendering;
  /** Currencies v2 accepts (B 4.1: "only PHP"); others answer 1008. Default `['PHP']`. */
  currencies?: string[];
  /** What support-channel answers; default the example of B 4.8. */
  channels?: PtsSandboxChannel[];
}

export interface PtsSandboxOptions {
  /** The gateway's RSA private key; it signs every answer, callback and confirmation. */
  gatewayPrivateKey: PtsKey;
  merchants: PtsSandboxMerchant[];
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Base of `pay_url` when the sandbox sits behind another name; default `url`. */
  publicUrl?: string;
  /** Withdrawals move 0000 -> 1000 after this, and 1000 -> 2000 after it again; default 1000. */
  withdrawDelayMs?: number;
  /** false: withdrawals wait for `settle` (or the control API); default true. */
  autoSettleWithdrawals?: boolean;
  /** Callback and confirmation attempts: default 5 attempts, 1000 ms doubling, capped at 60 s. */
  callbackRetry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Per callback or confirmation attempt; default 5000. */
  callbackTimeoutMs?: number;
  /** v1 access token lifetime; default 7200. */
  tokenTtlSeconds?: number;
  /** v2 timestamps must be within this many seconds of the sandbox clock; default 5. */
  timestampToleranceSeconds?: number;
  /** JSON file that keeps orders, balances and tokens across restarts; default in memory. */
  stateFile?: string;
  /** Faults active from the start (same as calling `setFault` for each). */
  faults?: PtsSandboxFault[];
  /** One line per request, delivery and notable event; secrets never appear. Default: silent. */
  log?: (line: string) => void;
  /**
   * Subscriptions' compressed clock: how long one period unit (week, month or year) lasts;
   * default 60000. 0: subscriptions charge only when told to (control API, `chargeSubscription`).
   */
  subscriptionUnitMs?: number;
  /** v1 Exchange Rate table: trade currency -> currency -> `{payment, withdraw}` decimal text. */
  exchangeRates?: Record<string, Record<string, { payment: string; withdraw: string }>>;
}

/** The example channels of B 4.8. */
export const PTS_SANDBOX_DEFAULT_CHANNELS: readonly PtsSandboxChannel[] = [
  { transactionChannel: 'QRPH', transactionType: 'payment', currency: 'PHP' },
  { transactionChannel: 'QRPH_INSTAPAY', transactionType: 'payment', currency: 'PHP' },
  {
    transactionChannel: 'QRPH_INSTAPAY',
    transactionType: 'withdraw',
    currency: 'PHP',
    subject: 'UNO',
    subjectName: 'UNOBank',
  },
];

export const PTS_SANDBOX_DEFAULT_BALANCES: Readonly<Record<string, Record<string, string>>> = {
  PHP: { QRPH: '100000.00', QRPH_INSTAPAY: '100000.00' },
};

/** A merchant with its keys parsed and its cipher built, once, at start. */
export interface PtsSandboxAccount {
  readonly merchant: PtsSandboxMerchant;
  readonly userId: string;
  readonly guid: string;
  readonly cipher: PtsCipher;
  /** Gateway private key + merchant public key + this merchant's safecode. */
  readonly signer: PtsSigner;
  readonly transactionSignatureOver: PtsTransactionSignatureOver;
  readonly currencies: readonly string[];
  readonly channels: readonly PtsSandboxChannel[];
}

export interface PtsSandboxSettings {
  readonly accounts: readonly PtsSandboxAccount[];
  readonly gatewayPrivateKey: PtsKey;
  readonly port: number;
  readonly host: string;
  readonly publicUrl?: string;
  readonly withdrawDelayMs: number;
  readonly autoSettleWithdrawals: boolean;
  readonly callbackAttempts: number;
  readonly callbackBaseDelayMs: number;
  readonly callbackMaxDelayMs: number;
  readonly callbackTimeoutMs: number;
  readonly tokenTtlSeconds: number;
  readonly timestampToleranceSeconds: number;
  readonly stateFile?: string;
  readonly log: (line: string) => void;
  readonly subscriptionUnitMs: number;
  readonly exchangeRates?: Readonly<
    Record<string, Readonly<Record<string, { payment: string; withdraw: string }>>>
  >;
}

/** Defaults of `PtsSandboxOptions`, each written here only. */
export const PTS_SANDBOX_DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  withdrawDelayMs: 1000,
  autoSettleWithdrawals: true,
  callbackRetry: { attempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 },
  callbackTimeoutMs: 5000,
  tokenTtlSeconds: 7200,
  timestampToleranceSeconds: 5,
  subscriptionUnitMs: 60_000,
  transactionSignatureOver: 'body',
  currencies: ['PHP'],
} as const;

/**
 * Problems of the options `values` has, and of no other, by the schema `resolvePtsSandboxOptions`
 * applies: for a caller that maps its own settings (`npm run sandbox`'s environment) before it
 * has all the options. Each problem names its option (`port`).
 */
export function checkPtsSandboxOptions(
  values: Partial<Record<keyof PtsSandboxOptions, unknown>>,
): readonly PtsConfigurationError[] {
  const problems = new PtsProblems('the PTS sandbox');
  problems.check(PtsSandboxOptionsSchema, values);
  problems.drop((p) => p.option === undefined || !(p.option in values));
  return problems.list;
}

/**
 * Applies defaults and checks every option with the module's rules; each merchant's cipher and
 * signer are built here and report what is wrong with its safecode and keys. All problems are
 * reported together.
 */
export function resolvePtsSandboxOptions(options: PtsSandboxOptions): PtsSandboxSettings {
  const problems = new PtsProblems('the PTS sandbox');
  const raw = options as unknown as Record<string, unknown>;
  problems.check(PtsSandboxOptionsSchema, raw);
  if (isRecord(options.callbackRetry)) {
    problems.check(PtsSandboxRetrySchema, options.callbackRetry, 'callbackRetry');
  }
  const gatewayKey = problems.has('gatewayPrivateKey')
    ? undefined
    : problems.build(() => parsePtsPrivateKey(options.gatewayPrivateKey, 'gatewayPrivateKey'));
  const accounts: PtsSandboxAccount[] = [];
  const seenUserIds = new Set<string>();
  const seenGuids = new Set<string>();
  (Array.isArray(options.merchants) ? options.merchants : []).forEach((merchant, index) => {
    const at = `merchants[${index}]`;
    if (!isRecord(merchant)) {
      problems.add(at, 'invalid_option', `PTS: option \`${at}\` must be an object.`);
      return;
    }
    const before = problems.count;
    problems.check(PtsSandboxMerchantSchema, merchant, at);
    if (seenUserIds.has(merchant.userId)) {
      problems.add(
        `${at}.userId`,
        'invalid_option',
        `PTS: option \`${at}.userId\` repeats ${merchant.userId}`,
      );
    }
    if (seenGuids.has(merchant.guid)) {
      problems.add(
        `${at}.guid`,
        'invalid_option',
        `PTS: option \`${at}.guid\` repeats another merchant's GUID`,
      );
    }
    seenUserIds.add(merchant.userId);
    seenGuids.add(merchant.guid);
    const valid = (key: string) => !problems.has(`${at}.${key}`);
    const cipher = valid('safecode')
      ? problems.build(() => new PtsCipher({ ...merchant, optionName: `${at}.safecode` }))
      : undefined;
    const merchantKey = valid('merchantPublicKey')
      ? problems.build(() =>
          parsePtsPublicKey(merchant.merchantPublicKey, `${at}.merchantPublicKey`),
        )
      : undefined;
    if (problems.count > before || !cipher || !merchantKey || !gatewayKey) return;
    accounts.push({
      merchant,
      userId: merchant.userId,
      guid: merchant.guid,
      cipher,
      signer: new PtsSigner({
        privateKey: gatewayKey,
        publicKey: merchantKey,
        safecode: merchant.safecode,
        nullRendering: merchant.nullRendering,
      }),
      transactionSignatureOver:
        merchant.transactionSignatureOver ?? PTS_SANDBOX_DEFAULTS.transactionSignatureOver,
      currencies: merchant.currencies ?? PTS_SANDBOX_DEFAULTS.currencies,
      channels: merchant.channels ?? PTS_SANDBOX_DEFAULT_CHANNELS,
    });
  });
  if (problems.count > 0) {
    const list = problems.list.map((p) => `  - ${p.message.replace(/^PTS: /, '')}`);
    throw new PtsSandboxError({
      code: 'invalid_options',
      message: `PTS sandbox: ${list.length} option problem(s):\n${list.join('\n')}`,
    });
  }
  const d = PTS_SANDBOX_DEFAULTS;
  const retry = { ...d.callbackRetry, ...definedOnly(options.callbackRetry ?? {}) };
  return {
    accounts,
    gatewayPrivateKey: gatewayKey!,
    port: options.port ?? d.port,
    host: options.host ?? d.host,
    publicUrl: options.publicUrl?.replace(/\/+$/, ''),
    withdrawDelayMs: options.withdrawDelayMs ?? d.withdrawDelayMs,
    autoSettleWithdrawals: options.autoSettleWithdrawals ?? d.autoSettleWithdrawals,
    callbackAttempts: retry.attempts,
    callbackBaseDelayMs: retry.baseDelayMs,
    callbackMaxDelayMs: retry.maxDelayMs,
    callbackTimeoutMs: options.callbackTimeoutMs ?? d.callbackTimeoutMs,
    tokenTtlSeconds: options.tokenTtlSeconds ?? d.tokenTtlSeconds,
    timestampToleranceSeconds: options.timestampToleranceSeconds ?? d.timestampToleranceSeconds,
    stateFile: options.stateFile,
    log: options.log ?? (() => undefined),
    subscriptionUnitMs: options.subscriptionUnitMs ?? d.subscriptionUnitMs,
    exchangeRates: options.exchangeRates,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Kept here too: the gateway's checks import it from this file. */
export { isHttpUrl };
