import type { PtsTransactionStatusCode } from '../pts/protocol/pts-codes.js';
import type { PtsApiVersion } from '../pts/protocol/pts-fields.js';
import { PtsSandboxError } from './error.js';

export type PtsSandboxOrderKind = 'payment' | 'withdraw';

/** What a person does on the checkout page, or a test forces: B 5.1 outcomes. */
export type PtsSandboxOutcome = 'pay' | 'fail' | 'expire' | 'error';

/** An order as the gateway holds it. Amounts are decimal text, never floats. */
export interface PtsSandboxOrder {
  kind: PtsSandboxOrderKind;
  /** The API version the order was created through; callbacks use its field tables. */
  version: PtsApiVersion;
  userId: string;
  orderId: string;
  transactionId: string;
  channel: string;
  /** `submit_currency` / `submit_amount`: the merchant's request, exactly as sent. */
  currency: string;
  amount: string;
  acceptCurrency: string;
  acceptAmount: string;
  exchangeRate: string;
  status: PtsTransactionStatusCode;
  /** The `timestamp` of the merchant's request (sent back in the withdraw confirmation). */
  requestTimestamp: number;
  /** Unix seconds of the last status change: the `timestamp` of callbacks and queries. */
  statusTimestamp: number;
  createdAt: string;
  callbackUrl?: string;
  redirectUrl?: string;
  errorUrl?: string;
  payUrl?: string;
  qrCode?: string;
  referenceNumber?: string;
  errorMessage?: string;
  /** Withdrawals with a confirmation URL: where the confirmation stands. */
  confirmation?: 'pending' | 'confirmed' | 'rejected';
  history: { status: PtsTransactionStatusCode; at: string; cause: string }[];
}

const FINAL: readonly PtsTransactionStatusCode[] = ['2000', '3000'];
export function isFinalStatus(status: PtsTransactionStatusCode): boolean {
  return FINAL.includes(status);
}

/**
 * The statuses an outcome walks an order through, from where it stands (A8 / B 5.1): pay goes
 * through 1000 to 2000, expired orders may still be paid, final orders never move.
 */
export function plannedStatuses(
  order: Pick<PtsSandboxOrder, 'status' | 'orderId'>,
  outcome: PtsSandboxOutcome,
): PtsTransactionStatusCode[] {
  const from = order.status;
  if (isFinalStatus(from)) {
    throw new PtsSandboxError({
      code: 'order_final',
      message: `PTS sandbox: order ${order.orderId} is final (${from}); it cannot be settled again`,
    });
  }
  switch (outcome) {
    case 'pay':
      return from === '0000' ? ['1000', '2000'] : ['2000'];
    case 'fail':
      return ['3000'];
    case 'expire':
    case 'error': {
      const to = outcome === 'expire' ? '5000' : '4000';
      // An expired order may still fail into an error; nothing else goes back to 4000/5000.
      const allowedFrom: PtsTransactionStatusCode[] =
        to === '5000' ? ['0000', '1000'] : ['0000', '1000', '5000'];
      if (!allowedFrom.includes(from)) {
        throw new PtsSandboxError({
          code: 'transition_not_allowed',
          message: `PTS sandbox: order ${order.orderId} is ${from}; it cannot become ${to}`,
        });
      }
      return [to];
    }
  }
}

export function snapshot(order: PtsSandboxOrder): PtsSandboxOrder {
  return structuredClone(order);
}
