import type { PtsTransactionStatusCode } from '../protocol/pts-codes.js';
import type { PtsJsonObject } from '../protocol/pts-json.js';

/** Per call: which account (default: the module's default account) and its own timeout. */
export interface PtsCallOptions {
  account?: string;
  /** Per HTTP attempt; default the module's `timeoutMs`. */
  timeoutMs?: number;
}

/** Which rendering of the numbers verified `data.sign` (A4), or `unverified` (warn/off). */
export type PtsVerificationOutcome = 'raw' | 'php-float' | 'unverified';

/** Amounts are decimal strings, sent exactly as given (A7): positive, at most 6 decimals. */
export interface PtsPaymentRequest {
  orderId: string;
  amount: string;
  currency: string;
  channel: string;
  /** Default: `${callbackBaseUrl}/pts/callback/payment` when the module has a callbackBaseUrl. */
  callbackUrl?: string;
  /** Required by v1. */
  redirectUrl?: string;
  errorUrl?: string;
  remark?: string;
  /** v2 only. */
  details?: Record<string, string>;
  /** v1 only. */
  email?: string;
  /** v1 only. */
  phone?: string;
  /** v1 only; signed (as `bank_code=` when absent). */
  bankCode?: string;
  /** v1 only (required for RMB). */
  realName?: string;
}

/**
 * The fields of an accepted payment or withdraw answer, a query answer (B 4.1, 4.3, 4.4, 4.6).
 * A field PTS sent as null or "" is null (A5: it signed as `key=`); a success (status 2000)
 * always has `transactionId`, the submit and the accept amount and currency.
 */
export interface PtsTransactionFields {
  orderId: string;
  transactionId: string | null;
  channel: string | null;
  submitCurrency: string | null;
  /** Exact text from the wire (A7). */
  submitAmount: string | null;
  acceptCurrency: string | null;
  acceptAmount: string | null;
  exchangeRate: string | null;
  verification: PtsVerificationOutcome;
  /** The `data` object as received, numbers as their exact text. */
  raw: PtsJsonObject;
}

export interface PtsJsonPaymentResult extends PtsTransactionFields {
  kind: 'json';
  /** null for a QR-only answer (then `qrCode` is set). */
  payUrl: string | null;
  qrCode?: string;
}

/** B 1.3 Redirect / HTML style (HTTP 2xx): hand `html` to the payer's browser verbatim (A5). */
export interface PtsHtmlPaymentResult {
  kind: 'html';
  html: string;
}

/** An HTTP 3xx with `Location` (A5): send the payer to `location`, as to a `pay_url`. */
export interface PtsRedirectPaymentResult {
  kind: 'redirect';
  location: string;
}

export type PtsPaymentResult =
  PtsJsonPaymentResult | PtsHtmlPaymentResult | PtsRedirectPaymentResult;

/** v2 withdraw `details` (B 4.4, FTIPH field set). */
export interface PtsWithdrawDetails {
  channelSubject?: string;
  accountNumber?: string;
  name?: string;
  email?: string;
  phone?: string;
  address?: string;
}

/** v1 withdraw payee (B 4.4 v1 table). */
export interface PtsBankCard {
  cardNo: string;
  cardName: string;
  /** 1 = private, 2 = public. */
  cardType: 1 | 2;
  bankCode: string;
  bankName: string;
  bankBranch: string;
  bankProvince: string;
  bankCity: string;
  /** Mandatory for cardType 2. */
  cnapsCode?: string;
  email: string;
  phone: string;
  firstName?: string;
  middleName?: string;
  lastName?: string;
}

export interface PtsWithdrawRequest {
  orderId: string;
  amount: string;
  currency: string;
  channel: string;
  /** Default: `${callbackBaseUrl}/pts/callback/withdraw` when the module has a callbackBaseUrl. */
  callbackUrl?: string;
  remark?: string;
  /** v2 only. */
  details?: PtsWithdrawDetails;
  /** v1 only, required there. */
  bankCard?: PtsBankCard;
}

export type PtsWithdrawResult = PtsTransactionFields;

export interface PtsOrderQueryResult extends PtsTransactionFields {
  status: PtsTransactionStatusCode;
  /** Unix seconds of the last update at PTS; null when PTS sent none. */
  timestamp: number | null;
  errorMessage?: string;
  referenceNumber?: string;
  detailsUrl?: string;
  /** Promotional parts of the amounts (B4.3), exact text. */
  submitPromo?: string;
  acceptPromo?: string;
  /** v1: the transaction hash, when asked for with `returnHash` (B4.3, B4.6). */
  hash?: string;
}

/** One channel's balance: a decimal string (mode 0 or 1), or both figures (mode 2). */
export type PtsChannelBalance = string | { total: string; available: string };

export interface PtsBalanceRequest {
  /** 0 = total (default), 1 = available, 2 = both (v2 only). */
  mode?: 0 | 1 | 2;
}

export interface PtsBalanceResult {
  /** currency -> channel -> balance. */
  balances: Record<string, Record<string, PtsChannelBalance>>;
  raw: PtsJsonObject;
}

export interface PtsSupportChannelsRequest {
  /** Default `PHP`, the only currency v2 supports (B 4.8). */
  currency?: string;
}

export interface PtsSupportChannel {
  channel: string;
  channelSubject: string | null;
  channelSubjectName: string | null;
  type: 'payment' | 'withdraw';
  currency: string;
}

export interface PtsSupportChannelsResult {
  items: PtsSupportChannel[];
  raw: PtsJsonObject;
}
