import { ptsMessageSpec, type PtsApiVersion } from '../pts/protocol/pts-fields.js';
import {
  isLosslessNumber,
  parsePtsJsonObject,
  stringifyPtsJson,
} from '../pts/protocol/pts-json.js';
import { validatePtsMessage } from '../pts/protocol/pts-message.js';
import { PtsError } from '../pts/errors/pts-error.js';
import type { PtsSandboxFaults } from './faults.js';
import { postJson } from './http.js';
import type { PtsSandboxAccount, PtsSandboxSettings } from './options.js';
import { signGatewayMessage, takeSigningEffects } from './signing.js';
import type { PtsSandboxOrder } from './order.js';
import type { PtsSandboxTimers } from './timers.js';

export type PtsSandboxDeliveryKind =
  'paymentCallback' | 'withdrawCallback' | 'withdrawConfirm' | 'subscribeCallback';

/** A callback whose fields the caller built (the subscribe callback, B4.11). */
export interface PtsSandboxMessageDelivery {
  kind: 'subscribeCallback';
  version: PtsApiVersion;
  url: string;
  userId: string;
  orderId: string;
  /** The payment status it reports, if any. */
  status?: string;
  fields: Record<string, unknown>;
}

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

export type PtsSandboxConfirmResult = 'confirmed' | 'rejected' | 'unreachable';

/**
 * Callbacks (A6 / B 1.4) and withdraw confirmations (B 1.5): signed with the gateway key,
 * delivered in order per order, retried with exponential backoff until the merchant answers
 * `SUCCESS`, bounded; every attempt recorded.
 */
export class PtsSandboxDeliveries {
  private readonly chains = new Map<string, Promise<void>>();
  /** `out-of-order-callbacks`: a 1000 callback waiting for the order's next status. */
  private readonly held = new Map<string, PtsSandboxOrder>();

  constructor(
    private readonly settings: PtsSandboxSettings,
    private readonly faults: PtsSandboxFaults,
    private readonly timers: PtsSandboxTimers,
    private readonly record: (record: PtsSandboxDeliveryRecord) => void,
  ) {}

  /** Queues the callbacks of one or more status changes (snapshots, oldest first). */
  enqueueCallbacks(account: PtsSandboxAccount, snapshots: readonly PtsSandboxOrder[]): void {
    for (const order of snapshots) {
      if (!order.callbackUrl) {
        this.settings.log(
          `order ${order.orderId} -> ${order.status}: no callback_url, so no callback`,
        );
        continue;
      }
      const k = `${order.userId}\u0000${order.orderId}`;
      const held = this.held.get(k);
      if (held) {
        this.held.delete(k);
        this.chain(k, account, order);
        this.chain(k, account, held);
        continue;
      }
      const site = { endpoint: callbackKind(order), userId: order.userId, orderId: order.orderId };
      // Only a 1000 is held: it always has a successor, so nothing waits forever.
      if (order.status === '1000' && this.faults.take(site, ['out-of-order-callbacks'])) {
        this.settings.log(`order ${order.orderId}: holding the 1000 callback (out-of-order fault)`);
        this.held.set(k, order);
        continue;
      }
      this.chain(k, account, order);
    }
  }

  /** Queues a callback built elsewhere: signed, in order per order, retried like the rest. */
  enqueueMessage(account: PtsSandboxAccount, message: PtsSandboxMessageDelivery): void {
    const k = `${message.userId}\u0000${message.orderId}`;
    const previous = this.chains.get(k) ?? Promise.resolve();
    const next = previous.then(() => this.deliverMessage(account, message)).catch(this.failed);
    this.chains.set(k, next);
    void this.timers.track(next);
    void next.then(() => {
      if (this.chains.get(k) === next) this.chains.delete(k);
    });
  }

  private async deliverMessage(
    account: PtsSandboxAccount,
    message: PtsSandboxMessageDelivery,
  ): Promise<void> {
    if (this.timers.isStopped) return;
    const { kind, url, userId, orderId, status } = message;
    const site = { endpoint: kind, userId, orderId };
    const base = { kind, url, userId, orderId, status };
    if (this.faults.take(site, ['drop'])) {
      this.push({ ...base, attempt: 0, copy: 0, accepted: false, error: 'dropped by fault' });
      return;
    }
    const effects = takeSigningEffects(this.faults, site);
    const spec = ptsMessageSpec(message.version, kind);
    const body = stringifyPtsJson(signGatewayMessage(account, spec, message.fields, effects));
    await this.sendCallback(base, body, 0, effects.applied);
  }

  private chain(k: string, account: PtsSandboxAccount, order: PtsSandboxOrder): void {
    const previous = this.chains.get(k) ?? Promise.resolve();
    const next = previous.then(() => this.deliverCallback(account, order)).catch(this.failed);
    this.chains.set(k, next);
    void this.timers.track(next);
    void next.then(() => {
      if (this.chains.get(k) === next) this.chains.delete(k);
    });
  }

  private readonly failed = (error: unknown) => {
    this.settings.log(
      `delivery failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
    );
  };

  private async deliverCallback(account: PtsSandboxAccount, order: PtsSandboxOrder): Promise<void> {
    if (this.timers.isStopped) return;
    const kind = callbackKind(order);
    const url = order.callbackUrl!;
    const site = { endpoint: kind, userId: order.userId, orderId: order.orderId };
    const base = { kind, url, userId: order.userId, orderId: order.orderId, status: order.status };
    if (this.faults.take(site, ['drop'])) {
      this.push({
        ...base,
        attempt: 0,
        copy: 0,
        accepted: false,
        error: 'dropped by fault',
        faults: ['drop'],
      });
      return;
    }
    const applied: string[] = [];
    const delay = this.faults.take(site, ['delay']);
    if (delay) {
      applied.push('delay');
      if (!(await this.timers.sleep(delay.ms))) return;
    }
    const duplicate = this.faults.take(site, ['duplicate-callback']);
    if (duplicate) applied.push('duplicate-callback');
    const wrapped = this.faults.take(site, ['wrapped-callback']);
    if (wrapped) applied.push('wrapped-callback');
    const effects = takeSigningEffects(this.faults, site);
    applied.push(...effects.applied);
    const spec = ptsMessageSpec(order.version, kind);
    const signed = signGatewayMessage(account, spec, callbackFields(order), effects);
    // A6: the documentation says callbacks follow the `{code, message, data}` format too.
    const body = stringifyPtsJson(
      wrapped ? { code: '1000', message: 'Success', data: signed } : signed,
    );
    const copies = duplicate ? (duplicate.copies ?? 1) : 0;
    for (let copy = 0; copy <= copies && !this.timers.isStopped; copy += 1) {
      await this.sendCallback(base, body, copy, applied);
    }
  }

  private async sendCallback(
    base: Omit<PtsSandboxDeliveryRecord, 'at' | 'attempt' | 'copy' | 'accepted'>,
    body: string,
    copy: number,
    applied: string[],
  ): Promise<void> {
    const attempts = this.settings.callbackAttempts;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (this.timers.isStopped) return;
      const faults = applied.length > 0 ? applied : undefined;
      try {
        const answer = await postJson(base.url, body, {
          timeoutMs: this.settings.callbackTimeoutMs,
          signal: this.timers.signal,
        });
        // A6 / B 1.4: only the body `SUCCESS` ends the deliveries.
        const accepted = answer.body.trim() === 'SUCCESS';
        this.push({
          ...base,
          attempt,
          copy,
          accepted,
          httpStatus: answer.status,
          responseBody: answer.body.slice(0, 500),
          error: accepted ? undefined : 'the merchant did not answer SUCCESS',
          faults,
        });
        if (accepted) return;
      } catch (error) {
        if (this.timers.isStopped) return;
        this.push({ ...base, attempt, copy, accepted: false, error: errorText(error), faults });
      }
      if (attempt < attempts && !(await this.timers.sleep(this.backoff(attempt)))) return;
    }
    this.settings.log(
      `callback ${base.orderId} ${base.status ?? ''}: gave up after ${attempts} attempt(s)`,
    );
  }

  /** Asks the merchant's confirmation URL whether a withdrawal may proceed (B 4.10). */
  async confirmWithdrawal(
    account: PtsSandboxAccount,
    order: PtsSandboxOrder,
  ): Promise<PtsSandboxConfirmResult> {
    const url = account.merchant.withdrawConfirmUrl!;
    const kind = 'withdrawConfirm' as const;
    const site = { endpoint: kind, userId: order.userId, orderId: order.orderId };
    const base = { kind, url, userId: order.userId, orderId: order.orderId };
    if (this.faults.take(site, ['drop'])) {
      this.push({
        ...base,
        attempt: 0,
        copy: 0,
        accepted: false,
        error: 'dropped by fault',
        faults: ['drop'],
      });
      return 'unreachable';
    }
    const applied: string[] = [];
    const delay = this.faults.take(site, ['delay']);
    if (delay) {
      applied.push('delay');
      if (!(await this.timers.sleep(delay.ms))) return 'unreachable';
    }
    const effects = takeSigningEffects(this.faults, site);
    applied.push(...effects.applied);
    const spec = ptsMessageSpec(order.version, 'withdrawConfirmRequest');
    const fields = {
      user_id: order.userId,
      order_id: order.orderId,
      amount: order.amount,
      timestamp: order.requestTimestamp,
    };
    const body = stringifyPtsJson(signGatewayMessage(account, spec, fields, effects));
    const faults = applied.length > 0 ? applied : undefined;
    for (let attempt = 1; attempt <= this.settings.callbackAttempts; attempt += 1) {
      if (this.timers.isStopped) return 'unreachable';
      try {
        const answer = await postJson(url, body, {
          timeoutMs: this.settings.callbackTimeoutMs,
          signal: this.timers.signal,
        });
        const common = {
          ...base,
          attempt,
          copy: 0,
          httpStatus: answer.status,
          responseBody: answer.body.slice(0, 500),
          faults,
        };
        // A 5xx is the merchant's own trouble: worth another attempt. Anything else is an answer.
        if (answer.status < 500) {
          const verdict = judgeConfirmation(account, order, answer.status, answer.body);
          this.push({ ...common, ...verdict });
          return verdict.accepted ? 'confirmed' : 'rejected';
        }
        this.push({ ...common, accepted: false, error: `HTTP ${answer.status}` });
      } catch (error) {
        if (this.timers.isStopped) return 'unreachable';
        this.push({ ...base, attempt, copy: 0, accepted: false, error: errorText(error), faults });
      }
      if (
        attempt < this.settings.callbackAttempts &&
        !(await this.timers.sleep(this.backoff(attempt)))
      ) {
        return 'unreachable';
      }
    }
    return 'unreachable';
  }

  private backoff(attempt: number): number {
    return Math.min(
      this.settings.callbackBaseDelayMs * 2 ** (attempt - 1),
      this.settings.callbackMaxDelayMs,
    );
  }

  private push(record: Omit<PtsSandboxDeliveryRecord, 'at'>): void {
    const full = { at: new Date().toISOString(), ...record };
    for (const key of Object.keys(full) as (keyof PtsSandboxDeliveryRecord)[]) {
      if (full[key] === undefined) delete full[key];
    }
    this.record(full);
    this.settings.log(
      `${record.kind} ${record.orderId}${record.status ? ` ${record.status}` : ''} #${record.attempt}` +
        `${record.copy ? ` copy ${record.copy}` : ''} -> ${record.httpStatus ?? '-'} ` +
        `${record.accepted ? 'accepted' : `not accepted (${record.error ?? ''})`}`,
    );
  }
}

function callbackKind(order: PtsSandboxOrder): 'paymentCallback' | 'withdrawCallback' {
  return order.kind === 'payment' ? 'paymentCallback' : 'withdrawCallback';
}

/** The flat field set of B 4.2 / 4.5 for an order at its current status. */
export function callbackFields(order: PtsSandboxOrder): Record<string, unknown> {
  const fields: Record<string, unknown> = transactionStatusFields(order);
  if (order.errorMessage) fields.error_message = order.errorMessage;
  if (order.referenceNumber && order.version === 'v2') {
    fields.reference_number = order.referenceNumber;
  }
  return fields;
}

/** The signed core of callbacks and query answers (B 4.2, 4.3, 4.5, 4.6). */
export function transactionStatusFields(order: PtsSandboxOrder): Record<string, unknown> {
  return {
    user_id: order.userId,
    order_id: order.orderId,
    transaction_id: order.transactionId,
    channel: order.channel,
    submit_currency: order.currency,
    submit_amount: order.amount,
    accept_currency: order.acceptCurrency,
    accept_amount: order.acceptAmount,
    exchange_rate: order.exchangeRate,
    status: order.status,
    timestamp: order.statusTimestamp,
  };
}

/** A6 from the gateway's side: the answer must be signed JSON for this order. */
function judgeConfirmation(
  account: PtsSandboxAccount,
  order: PtsSandboxOrder,
  httpStatus: number,
  body: string,
): { accepted: boolean; confirm?: string; error?: string } {
  try {
    const message = parsePtsJsonObject(body.trim());
    const spec = ptsMessageSpec(order.version, 'withdrawConfirmResponse');
    validatePtsMessage(spec, message);
    const confirm = typeof message.confirm === 'string' ? message.confirm : undefined;
    account.signer.verify(spec, message);
    const userId = isLosslessNumber(message.user_id) ? message.user_id.value : message.user_id;
    if (userId !== order.userId || message.order_id !== order.orderId) {
      return { accepted: false, confirm, error: 'the answer names another order' };
    }
    if (confirm !== 'SUCCESS') {
      return { accepted: false, confirm, error: `the merchant answered confirm=${confirm}` };
    }
    return { accepted: true, confirm };
  } catch (error) {
    if (!(error instanceof PtsError)) throw error;
    return {
      accepted: false,
      error: `HTTP ${httpStatus}, unusable answer: ${error.message}`,
    };
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
