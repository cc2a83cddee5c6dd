import { ptsMessageSpec, type PtsApiVersion } from '../pts/protocol/pts-fields.js';
import { stringifyPtsJson } from '../pts/protocol/pts-json.js';
import { callbackFields } from './callback-fields.js';
import {
  errorText,
  type PtsSandboxDeliveryLog,
  type PtsSandboxDeliveryRecord,
} from './delivery-record.js';
import type { PtsSandboxFaults } from './faults.js';
import { postJson } from './http.js';
import type { PtsSandboxAccount, PtsSandboxSettings } from './options.js';
import { signGatewayMessage, takeSigningEffects } from './signing.js';
import type { PtsSandboxOrder } from './order.js';
import type { PtsSandboxTimers } from './timers.js';

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

/**
 * Callbacks (A6 / B 1.4): signed with the gateway key, delivered in order per order, retried
 * with exponential backoff until the merchant answers `SUCCESS`, bounded; every attempt
 * recorded. Withdraw confirmations are `withdraw-confirm.ts`.
 */
export class PtsSandboxDeliveries {
  private readonly chains = new Map<string, Promise<void>>();
  /** `out-of-order-callbacks`: a 1000 callback waiting for the order's next status. */
  private readonly held = new Map<string, PtsSandboxOrder>();

  constructor(
    private readonly settings: PtsSandboxSettings,
    private readonly faults: PtsSandboxFaults,
    private readonly timers: PtsSandboxTimers,
    private readonly log: PtsSandboxDeliveryLog,
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
      this.log.push({ ...base, attempt: 0, copy: 0, accepted: false, error: 'dropped by fault' });
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
      this.log.push({
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
        this.log.push({
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
        this.log.push({ ...base, attempt, copy, accepted: false, error: errorText(error), faults });
      }
      if (attempt < attempts && !(await this.timers.sleep(this.log.backoff(attempt)))) return;
    }
    this.settings.log(
      `callback ${base.orderId} ${base.status ?? ''}: gave up after ${attempts} attempt(s)`,
    );
  }
}

function callbackKind(order: PtsSandboxOrder): 'paymentCallback' | 'withdrawCallback' {
  return order.kind === 'payment' ? 'paymentCallback' : 'withdrawCallback';
}
