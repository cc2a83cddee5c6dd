import { PtsCipher, type PtsAesKeyMode } from '../pts/protocol/pts-cipher.js';
import type { PtsKeyInput } from '../pts/protocol/pts-keys.js';
import type { PtsNullRendering } from '../pts/protocol/pts-sign-string.js';
import { PtsSigner } from '../pts/protocol/pts-signer.js';
import type { PtsTransactionSignatureOver } from '../pts/protocol/pts-transaction-signature.js';
import { PtsError } from '../pts/errors/pts-error.js';
import { PtsSandboxError } from './pts-sandbox-error.js';
import type { PtsSandboxFault } from './pts-sandbox-faults.js';

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
  merchantPublicKey: PtsKeyInput;
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
  gatewayPrivateKey: PtsKeyInput;
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
  readonly gatewayPrivateKey: PtsKeyInput;
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

/** Applies defaults and checks every option; all problems are reported together. */
export function resolvePtsSandboxOptions(options: PtsSandboxOptions): PtsSandboxSettings {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  const nonNegative = (name: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    check(
      Number.isFinite(value) && value >= 0,
      `option \`${name}\` must be a number >= 0, got ${String(value)}`,
    );
    return value;
  };
  check(
    Array.isArray(options.merchants) && options.merchants.length > 0,
    'option `merchants` must list at least one merchant',
  );
  const accounts: PtsSandboxAccount[] = [];
  const seenUserIds = new Set<string>();
  const seenGuids = new Set<string>();
  (options.merchants ?? []).forEach((merchant, index) => {
    const at = `merchants[${index}]`;
    for (const field of ['userId', 'safecode', 'guid', 'transactionSecret'] as const) {
      check(
        typeof merchant[field] === 'string' && merchant[field].length > 0,
        `option \`${at}.${field}\` must be a non-empty string`,
      );
    }
    check(!seenUserIds.has(merchant.userId), `option \`${at}.userId\` repeats ${merchant.userId}`);
    check(!seenGuids.has(merchant.guid), `option \`${at}.guid\` repeats another merchant's GUID`);
    seenUserIds.add(merchant.userId);
    seenGuids.add(merchant.guid);
    if (merchant.withdrawConfirmUrl !== undefined) {
      check(
        isHttpUrl(merchant.withdrawConfirmUrl),
        `option \`${at}.withdrawConfirmUrl\` must be an http(s) URL`,
      );
    }
    try {
      accounts.push({
        merchant,
        userId: merchant.userId,
        guid: merchant.guid,
        cipher: new PtsCipher({
          safecode: merchant.safecode,
          aesKeyMode: merchant.aesKeyMode,
          optionName: `${at}.safecode`,
        }),
        signer: new PtsSigner({
          privateKey: options.gatewayPrivateKey,
          publicKey: merchant.merchantPublicKey,
          safecode: merchant.safecode,
          nullRendering: merchant.nullRendering,
          optionNames: { privateKey: 'gatewayPrivateKey', publicKey: `${at}.merchantPublicKey` },
        }),
        transactionSignatureOver: merchant.transactionSignatureOver ?? 'body',
        currencies: merchant.currencies ?? ['PHP'],
        channels: merchant.channels ?? PTS_SANDBOX_DEFAULT_CHANNELS,
      });
    } catch (error) {
      if (!(error instanceof PtsError)) throw error;
      problems.push(error.message.replace(/^PTS: /, ''));
    }
  });
  if (options.publicUrl !== undefined) {
    check(isHttpUrl(options.publicUrl), 'option `publicUrl` must be an http(s) URL');
  }
  const settings: PtsSandboxSettings = {
    accounts,
    gatewayPrivateKey: options.gatewayPrivateKey,
    port: nonNegative('port', options.port, 0),
    host: options.host ?? '127.0.0.1',
    publicUrl: options.publicUrl?.replace(/\/+$/, ''),
    withdrawDelayMs: nonNegative('withdrawDelayMs', options.withdrawDelayMs, 1000),
    autoSettleWithdrawals: options.autoSettleWithdrawals ?? true,
    callbackAttempts: nonNegative('callbackRetry.attempts', options.callbackRetry?.attempts, 5),
    callbackBaseDelayMs: nonNegative(
      'callbackRetry.baseDelayMs',
      options.callbackRetry?.baseDelayMs,
      1000,
    ),
    callbackMaxDelayMs: nonNegative(
      'callbackRetry.maxDelayMs',
      options.callbackRetry?.maxDelayMs,
      60_000,
    ),
    callbackTimeoutMs: nonNegative('callbackTimeoutMs', options.callbackTimeoutMs, 5000),
    tokenTtlSeconds: nonNegative('tokenTtlSeconds', options.tokenTtlSeconds, 7200),
    timestampToleranceSeconds: nonNegative(
      'timestampToleranceSeconds',
      options.timestampToleranceSeconds,
      5,
    ),
    stateFile: options.stateFile,
    log: options.log ?? (() => undefined),
    subscriptionUnitMs: nonNegative('subscriptionUnitMs', options.subscriptionUnitMs, 60_000),
    exchangeRates: options.exchangeRates,
  };
  check(settings.callbackAttempts >= 1, 'option `callbackRetry.attempts` must be at least 1');
  if (problems.length > 0) {
    throw new PtsSandboxError(
      'invalid_options',
      `PTS sandbox: ${problems.length} option problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return settings;
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
