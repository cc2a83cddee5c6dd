import type { PtsJsonObject } from '../protocol/pts-json.js';
import type { PtsTransactionFields, PtsVerificationOutcome } from './pts-client.types.js';

/** v1 Exchange Rate (docs/protocol.md B4.9). */
export interface PtsExchangeRateRequest {
  /** The currency the rates are quoted in; default `PHP`. */
  tradeCurrency?: string;
}

/** How many units of the trade currency one unit of another currency is worth (decimal text). */
export interface PtsExchangeRate {
  payment: string;
  withdraw: string;
}

export interface PtsExchangeRateResult {
  tradeCurrency: string;
  /** Other currency -> its payment and withdraw rate. */
  rates: Record<string, PtsExchangeRate>;
  verification: PtsVerificationOutcome;
  raw: PtsJsonObject;
}

/** B4.11 `period_unit`: 1 week, 2 month, 3 year. */
export type PtsSubscriptionPeriodUnit = 'week' | 'month' | 'year';

export const PTS_PERIOD_UNIT_CODES: Readonly<Record<PtsSubscriptionPeriodUnit, number>> = {
  week: 1,
  month: 2,
  year: 3,
};

/**
 * Raw card data. It goes into the encrypted request to PTS and nowhere else: never stored,
 * logged or put into an error message (docs/subscriptions.md).
 */
export interface PtsCard {
  /** 12 to 19 digits. */
  number: string;
  /** `1` to `12` (sent as two digits). */
  expMonth: string;
  /** Four digits. */
  expYear: string;
  /** 3 or 4 digits. */
  cvc: string;
}

export interface PtsSubscribeRequest {
  orderId: string;
  /** Charged every period; decimal string (A7). */
  amount: string;
  currency: string;
  channel: string;
  card: PtsCard;
  firstName: string;
  lastName: string;
  middleName?: string;
  /** 1 to 12 (B4.11). */
  periodCount: number;
  periodUnit: PtsSubscriptionPeriodUnit;
  /** Default: `${callbackBaseUrl}/pts/callback/subscribe` when the module has a callbackBaseUrl. */
  callbackUrl?: string;
  details?: Record<string, string>;
  remark?: string;
}

export type PtsSubscribeResult = PtsTransactionFields;

/** One payment of a subscription as the disable answer lists it. */
export interface PtsSubscriptionPaymentSummary {
  paymentId: string;
  /** A B5.1 code such as `2000`, as PTS sent it. */
  status: string;
  /** Unix seconds. */
  timestamp: number | null;
}

export interface PtsSubscribeDisableResult {
  orderId: string;
  /** null when PTS signed it as null or "" (docs/protocol.md A5). */
  transactionId: string | null;
  enabled: boolean;
  payments: PtsSubscriptionPaymentSummary[];
  verification: PtsVerificationOutcome;
  raw: PtsJsonObject;
}
