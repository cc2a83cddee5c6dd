import type { PtsApiVersion } from '../protocol/pts-fields.js';
import type { PtsKeyInput } from '../protocol/pts-keys.js';
import type { PtsAesKeyMode } from '../protocol/pts-cipher.js';
import type { PtsNullRendering } from '../protocol/pts-sign-string.js';
import type { PtsTransactionSignatureOver } from '../protocol/pts-transaction-signature.js';
import type { PtsOrdersOptions } from '../orders/pts-orders-settings.js';

/** One merchant account at PTS. A process may hold several (README, "Using the module in your app"). */
export interface PtsAccountOptions {
  /** How the host names this account (`account` in the admin API); default: `userId`. */
  name?: string;
  /** `v2` (default) or `v1` (A1). */
  apiVersion?: PtsApiVersion;
  /** The gateway host PTS gave, e.g. `https://api.example-pts.com`. */
  baseUrl: string;
  /** Merchant identification (`user_id`). */
  userId: string;
  /** Merchant safecode: AES key and sign-string suffix (A2, A3); 16, 24 or 32 bytes. */
  safecode: string;
  /** Merchant RSA private key (PEM PKCS#8/PKCS#1 or bare base64). */
  merchantPrivateKey: PtsKeyInput;
  /** Gateway RSA public key (PEM SPKI/PKCS#1 or bare base64), to verify what PTS signs. */
  gatewayPublicKey: PtsKeyInput;
  /** v2 only, required there: the merchant GUID in every v2 path. */
  guid?: string;
  /** v2 only, required there: the HMAC key of `X-Transaction-Signature`. */
  transactionSecret?: string;
}

/** Options of `PtsModule.forRoot` / the factory of `forRootAsync`. */
export interface PtsModuleOptions {
  /** At least one account. The first is the default unless `defaultAccount` names another. */
  accounts: PtsAccountOptions[];
  defaultAccount?: string;
  /** Per request towards PTS; default 10000. */
  timeoutMs?: number;
  /** Retries of idempotent calls (queries, balance, channels, token); creates never retry. */
  retry?: {
    /** Attempts in all, first included; default 3. */
    attempts?: number;
    /** First backoff; default 200 ms, doubled each time, with full jitter. */
    baseDelayMs?: number;
    /** Cap of one backoff; default 2000 ms. */
    maxDelayMs?: number;
  };
  /** A2.3; default `raw`. */
  aesKeyMode?: PtsAesKeyMode;
  /** A3; default `empty`. */
  nullRendering?: PtsNullRendering;
  /** A2.5; default `body`. */
  transactionSignatureOver?: PtsTransactionSignatureOver;
  /** A4, for answers to our requests (callbacks are always verified); default `strict`. */
  verifyResponses?: 'strict' | 'warn' | 'off';
  /**
   * Public base URL of this service; `callback_url` is built as
   * `${callbackBaseUrl}/pts/callback/payment` (or `/withdraw`). When absent, no callback_url is
   * sent on v2 (v1 requires it: then it is a boot error).
   */
  callbackBaseUrl?: string;
  /** IPs or CIDRs allowed to post callbacks; empty or absent: any. */
  callbackAllowedIps?: string[];
  /** Largest callback body accepted; default 64 KiB. */
  callbackBodyLimitBytes?: number;
  /** v1: refresh the access token this long before it expires; default 30 s. */
  tokenRefreshMarginSeconds?: number;
  /** Register the callback controller (`/pts/callback/*`, `/pts/withdraw/confirm`); default true. */
  registerCallbackController?: boolean;
  /**
   * The order layer (event delivery, reconciliation schedule, retention, job schema); each
   * field has a default (`src/pts/orders/pts-orders-settings.ts`).
   */
  orders?: PtsOrdersOptions;
}
