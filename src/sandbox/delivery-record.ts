import type { PtsSandboxSettings } from './options.js';

export type PtsSandboxDeliveryKind =
  'paymentCallback' | 'withdrawCallback' | 'withdrawConfirm' | 'subscribeCallback';

/** One attempt to deliver a callback or a withdraw confirmation request to the merchant. */
export interface PtsSandboxDeliveryRecord {
  at: string;
  kind: PtsSandboxDeliveryKind;
  url: string;
  userId: string;
  orderId: string;
  /** The transaction status a callback carries. */
  status?: string;
  /** 1 for the first attempt; 0 when a `drop` fault swallowed the delivery. */
  attempt: number;
  /** 0 for the delivery itself, 1.. for copies sent by a `duplicate-callback` fault. */
  copy: number;
  httpStatus?: number;
  /** The merchant's answer, first 500 characters. */
  responseBody?: string;
  /** Why the attempt did not succeed (network error, bad answer, fault). */
  error?: string;
  /** Callback: the merchant answered `SUCCESS`. Confirmation: a verified `confirm: SUCCESS`. */
  accepted: boolean;
  /** Confirmation: the `confirm` value the merchant sent. */
  confirm?: string;
  /** Fault kinds that acted on this delivery. */
  faults?: string[];
}

/**
 * What callbacks and withdraw confirmations share: each attempt recorded (and logged), and
 * the exponential backoff between attempts.
 */
export class PtsSandboxDeliveryLog {
  constructor(
    private readonly settings: PtsSandboxSettings,
    private readonly sink: (record: PtsSandboxDeliveryRecord) => void,
  ) {}

  push(record: Omit<PtsSandboxDeliveryRecord, 'at'>): void {
    const full = { at: new Date().toISOString(), ...record };
    for (const key of Object.keys(full) as (keyof PtsSandboxDeliveryRecord)[]) {
      if (full[key] === undefined) delete full[key];
    }
    this.sink(full);
    this.settings.log(
      `${record.kind} ${record.orderId}${record.status ? ` ${record.status}` : ''} #${record.attempt}` +
        `${record.copy ? ` copy ${record.copy}` : ''} -> ${record.httpStatus ?? '-'} ` +
        `${record.accepted ? 'accepted' : `not accepted (${record.error ?? ''})`}`,
    );
  }

  /** The wait after attempt `attempt` (1-based) before the next one. */
  backoff(attempt: number): number {
    return Math.min(
      this.settings.callbackBaseDelayMs * 2 ** (attempt - 1),
      this.settings.callbackMaxDelayMs,
    );
  }
}

export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
