import type { PtsAesKeyMode } from '../protocol/pts-cipher.js';
import type { PtsNullRendering } from '../protocol/pts-sign-string.js';
import type { PtsTransactionSignatureOver } from '../protocol/pts-transaction-signature.js';

export type PtsVerifyResponses = 'strict' | 'warn' | 'off';

export interface PtsRetrySettings {
  /** Attempts in all, first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** The module-wide settings after defaults and validation (every field present). */
export interface PtsSettingsValues {
  /** Name of the account used when a call names none. */
  readonly defaultAccount: string;
  readonly timeoutMs: number;
  readonly retry: PtsRetrySettings;
  readonly aesKeyMode: PtsAesKeyMode;
  readonly nullRendering: PtsNullRendering;
  readonly transactionSignatureOver: PtsTransactionSignatureOver;
  readonly verifyResponses: PtsVerifyResponses;
  /** Without a trailing slash. */
  readonly callbackBaseUrl?: string;
  readonly callbackAllowedIps: readonly string[];
  readonly callbackBodyLimitBytes: number;
  readonly tokenRefreshMarginSeconds: number;
  readonly registerCallbackController: boolean;
}

/** Defaults of `PtsModuleOptions` (docs/protocol.md Part A and the options contract). */
export const PTS_DEFAULT_SETTINGS = {
  timeoutMs: 10_000,
  retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 2_000 },
  aesKeyMode: 'raw',
  nullRendering: 'empty',
  transactionSignatureOver: 'body',
  verifyResponses: 'strict',
  callbackBodyLimitBytes: 64 * 1024,
  tokenRefreshMarginSeconds: 30,
  registerCallbackController: true,
} as const;

/**
 * Resolved module settings, injectable. Only the factories in `pts.providers.ts` build it from
 * the raw options; services read this, never the raw options.
 */
export class PtsSettings implements PtsSettingsValues {
  declare readonly defaultAccount: string;
  declare readonly timeoutMs: number;
  declare readonly retry: PtsRetrySettings;
  declare readonly aesKeyMode: PtsAesKeyMode;
  declare readonly nullRendering: PtsNullRendering;
  declare readonly transactionSignatureOver: PtsTransactionSignatureOver;
  declare readonly verifyResponses: PtsVerifyResponses;
  declare readonly callbackBaseUrl?: string;
  declare readonly callbackAllowedIps: readonly string[];
  declare readonly callbackBodyLimitBytes: number;
  declare readonly tokenRefreshMarginSeconds: number;
  declare readonly registerCallbackController: boolean;

  /** The host's global prefix; the one part learnt at boot rather than from the options. */
  private readonly routes = { prefix: '' };

  constructor(values: PtsSettingsValues) {
    Object.assign(this, values, {
      retry: Object.freeze({ ...values.retry }),
      callbackAllowedIps: Object.freeze([...values.callbackAllowedIps]),
    });
    Object.freeze(this);
  }

  /**
   * Called once at boot with the host's `app.setGlobalPrefix()` (empty when the host has none
   * or excludes the callback routes from it), so that `callback_url` follows the routes.
   */
  useRoutePrefix(prefix: string): void {
    const trimmed = prefix.replace(/^\/+|\/+$/g, '');
    this.routes.prefix = trimmed ? `/${trimmed}` : '';
  }

  /**
   * Path of a callback route as the host serves it: `/pts/callback/payment` under any prefix
   * (`/pts/callback/subscribe` for subscriptions).
   */
  callbackPath(kind: 'payment' | 'withdraw' | 'subscription'): string {
    return `${this.routes.prefix}/pts/callback/${kind === 'subscription' ? 'subscribe' : kind}`;
  }

  /** `callback_url` for a kind of order, or undefined when no `callbackBaseUrl` is set. */
  callbackUrl(kind: 'payment' | 'withdraw' | 'subscription'): string | undefined {
    return this.callbackBaseUrl === undefined
      ? undefined
      : `${this.callbackBaseUrl}${this.callbackPath(kind)}`;
  }
}
