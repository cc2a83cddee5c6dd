import { randomInt } from 'node:crypto';
import type { PtsTransactionStatusCode } from '../pts/protocol/pts-codes.js';
import { isLosslessNumber, type PtsJsonObject } from '../pts/protocol/pts-json.js';
import type { PtsMessageName } from '../pts/protocol/pts-fields.js';
import { checkCard } from './card.js';
import type { PtsSandboxDeliveries } from './deliveries.js';
import { PtsSandboxError, PtsSandboxRefusal } from './error.js';
import { exchangeRateAnswer } from './exchange-rates.js';
import type { PtsSandboxAccount, PtsSandboxSettings } from './options.js';
import type { PtsSandboxTimers } from './timers.js';

/** One payment of a sandbox subscription. */
export interface PtsSandboxSubscriptionPayment {
  paymentId: string;
  status: PtsTransactionStatusCode;
  /** Unix seconds. */
  timestamp: number;
}

/** A subscription as the gateway holds it: the card only as its last four digits. */
export interface PtsSandboxSubscription {
  userId: string;
  orderId: string;
  transactionId: string;
  channel: string;
  currency: string;
  amount: string;
  cardLast4: string;
  periodCount: number;
  /** 1 week, 2 month, 3 year (B4.11). */
  periodUnit: 1 | 2 | 3;
  enabled: boolean;
  subscribeAt: number;
  lastPaymentAt: number | null;
  nextPaymentAt: number | null;
  callbackUrl?: string;
  payments: PtsSandboxSubscriptionPayment[];
}

/** What a charge does: `pay` ends in 2000, `fail` in 3000. */
export type PtsSandboxChargeOutcome = 'pay' | 'fail';

/** An endpoint's answer before the gateway signs it. */
export interface PtsSandboxServed {
  response: PtsMessageName;
  message: string;
  fields: Record<string, unknown>;
  orderId?: string;
  after?: () => void;
}

const UNIT_DAYS = { 1: 7, 2: 30, 3: 365 } as const;

const unixNow = () => Math.floor(Date.now() / 1000);

/**
 * The v2.1 subscribe family (B4.11) of the sandbox, and the v1 Exchange Rate endpoint (B4.9,
 * answered by `exchange-rates.ts`).
 * A subscription charges every `period_count` units; on the sandbox's compressed clock one unit
 * (week, month or year) lasts `subscriptionUnitMs` (0: charges only through `charge`). Every
 * charge and the disable are reported by a signed subscribe callback. Kept in memory only.
 */
export class PtsSandboxSubscriptions {
  private readonly subscriptions = new Map<string, PtsSandboxSubscription>();

  constructor(
    private readonly settings: PtsSandboxSettings,
    private readonly timers: PtsSandboxTimers,
    private readonly deliveries: PtsSandboxDeliveries,
    private readonly account: (userId: string) => PtsSandboxAccount | undefined,
    /** True when the merchant already has a payment or withdraw order with this id. */
    private readonly orderExists: (userId: string, orderId: string) => boolean,
  ) {}

  serve(
    account: PtsSandboxAccount,
    endpoint: 'exchangeRate' | 'subscribe' | 'subscribeDisable',
    message: PtsJsonObject,
  ): PtsSandboxServed {
    switch (endpoint) {
      case 'exchangeRate':
        return exchangeRateAnswer(this.settings, account, message);
      case 'subscribe':
        return this.subscribe(account, message);
      case 'subscribeDisable':
        return this.disable(account, message);
    }
  }

  get(userId: string, orderId: string): PtsSandboxSubscription | undefined {
    const found = this.subscriptions.get(key(userId, orderId));
    return found && structuredClone(found);
  }

  all(userId?: string): PtsSandboxSubscription[] {
    return [...this.subscriptions.values()]
      .filter((s) => userId === undefined || s.userId === userId)
      .map((s) => structuredClone(s));
  }

  /** Makes one payment of a subscription now and reports it by callback. */
  charge(
    userId: string,
    orderId: string,
    outcome: PtsSandboxChargeOutcome,
  ): PtsSandboxSubscription {
    const sub = this.subscriptions.get(key(userId, orderId));
    if (!sub) {
      throw new PtsSandboxError({
        code: 'unknown_order',
        message: `PTS sandbox: merchant ${userId} has no subscription ${orderId}`,
      });
    }
    if (!sub.enabled) {
      throw new PtsSandboxError({
        code: 'order_final',
        message: `PTS sandbox: subscription ${orderId} is disabled; it makes no more payments`,
      });
    }
    const now = unixNow();
    const payment: PtsSandboxSubscriptionPayment = {
      paymentId: `${sub.transactionId}-${String(sub.payments.length + 1).padStart(3, '0')}`,
      status: outcome === 'pay' ? '2000' : '3000',
      timestamp: now,
    };
    sub.payments.push(payment);
    sub.lastPaymentAt = now;
    sub.nextPaymentAt = now + this.intervalSeconds(sub);
    this.settings.log(`subscription ${orderId}: payment ${payment.paymentId} -> ${payment.status}`);
    this.report(sub, payment);
    return structuredClone(sub);
  }

  private subscribe(account: PtsSandboxAccount, message: PtsJsonObject): PtsSandboxServed {
    const currency = message.currency as string;
    if (!account.currencies.includes(currency)) {
      throw PtsSandboxRefusal.fromCode('1008', `currency ${currency} is not supported`);
    }
    checkCard(message);
    const periodCount = Number(intText(message.period_count));
    if (!Number.isInteger(periodCount) || periodCount < 1 || periodCount > 12) {
      throw PtsSandboxRefusal.fromCode(
        '1001',
        'subscribeRequest: field `period_count` must be 1 to 12',
      );
    }
    const unit = Number(intText(message.period_unit));
    if (unit !== 1 && unit !== 2 && unit !== 3) {
      throw PtsSandboxRefusal.fromCode(
        '1001',
        'subscribeRequest: field `period_unit` must be 1 (week), 2 (month) or 3 (year)',
      );
    }
    const orderId = message.order_id as string;
    const k = key(account.userId, orderId);
    if (this.subscriptions.has(k) || this.orderExists(account.userId, orderId)) {
      throw PtsSandboxRefusal.fromCode(
        '1003',
        `order_id ${orderId} already exists for this merchant`,
      );
    }
    const now = unixNow();
    const sub: PtsSandboxSubscription = {
      userId: account.userId,
      orderId,
      transactionId: `S${account.userId.replace(/[^A-Za-z0-9]/g, '')}${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}${String(randomInt(0, 100_000)).padStart(5, '0')}`,
      channel: message.channel as string,
      currency,
      amount: message.amount as string,
      cardLast4: (message.card_number as string).slice(-4),
      periodCount,
      periodUnit: unit,
      enabled: true,
      subscribeAt: now,
      lastPaymentAt: null,
      nextPaymentAt: now,
      callbackUrl: typeof message.callback_url === 'string' ? message.callback_url : undefined,
      payments: [],
    };
    this.subscriptions.set(k, sub);
    return {
      response: 'subscribeResponse',
      message: 'Accepted',
      orderId,
      fields: {
        user_id: sub.userId,
        order_id: sub.orderId,
        transaction_id: sub.transactionId,
        channel: sub.channel,
        submit_currency: sub.currency,
        submit_amount: sub.amount,
        accept_currency: sub.currency,
        accept_amount: sub.amount,
        exchange_rate: '1',
      },
      after: this.settings.subscriptionUnitMs > 0 ? () => this.startCharging(sub) : undefined,
    };
  }

  private disable(account: PtsSandboxAccount, message: PtsJsonObject): PtsSandboxServed {
    const orderId = message.order_id as string;
    const sub = this.subscriptions.get(key(account.userId, orderId));
    if (!sub)
      throw PtsSandboxRefusal.fromCode('1002', `no subscription ${orderId} for this merchant`);
    const wasEnabled = sub.enabled;
    sub.enabled = false;
    sub.nextPaymentAt = null;
    const payments = sub.payments.map((p) => ({
      payment_id: p.paymentId,
      status: p.status,
      timestamp: p.timestamp,
    }));
    return {
      response: 'subscribeDisableResponse',
      message: 'Accepted',
      orderId,
      fields: {
        user_id: sub.userId,
        order_id: sub.orderId,
        transaction_id: sub.transactionId,
        enabled: false,
        payments,
      },
      after: wasEnabled ? () => this.report(sub) : undefined,
    };
  }

  /** The compressed clock: a charge now, then one every interval while enabled. */
  private startCharging(sub: PtsSandboxSubscription): void {
    this.timers.run(async () => {
      const intervalMs = sub.periodCount * this.settings.subscriptionUnitMs;
      while (sub.enabled && !this.timers.isStopped) {
        this.charge(sub.userId, sub.orderId, 'pay');
        if (!(await this.timers.sleep(intervalMs))) return;
      }
    });
  }

  private intervalSeconds(sub: PtsSandboxSubscription): number {
    const unitMs = this.settings.subscriptionUnitMs;
    return unitMs > 0
      ? Math.max(1, Math.round((sub.periodCount * unitMs) / 1000))
      : sub.periodCount * UNIT_DAYS[sub.periodUnit] * 86_400;
  }

  /** The subscribe callback: the subscription's state and, after a charge, that payment. */
  private report(sub: PtsSandboxSubscription, payment?: PtsSandboxSubscriptionPayment): void {
    const account = this.account(sub.userId);
    if (!account) return;
    if (!sub.callbackUrl) {
      this.settings.log(`subscription ${sub.orderId}: no callback_url, so no callback`);
      return;
    }
    const fields: Record<string, unknown> = {
      user_id: sub.userId,
      order_id: sub.orderId,
      transaction_id: sub.transactionId,
      channel: sub.channel,
      submit_currency: sub.currency,
      submit_amount: sub.amount,
      accept_currency: sub.currency,
      accept_amount: sub.amount,
      exchange_rate: '1',
      enabled: sub.enabled,
      period_count: sub.periodCount,
      period_unit: sub.periodUnit,
      subscribe_at: sub.subscribeAt,
      timestamp: payment?.timestamp ?? unixNow(),
    };
    if (payment) {
      fields.payment_transaction_id = payment.paymentId;
      fields.payment_status = payment.status;
    }
    if (sub.lastPaymentAt !== null) fields.last_payment_at = sub.lastPaymentAt;
    if (sub.nextPaymentAt !== null) fields.next_payment_at = sub.nextPaymentAt;
    this.deliveries.enqueueMessage(account, {
      kind: 'subscribeCallback',
      version: 'v2',
      url: sub.callbackUrl,
      userId: sub.userId,
      orderId: sub.orderId,
      status: payment?.status,
      fields,
    });
  }
}

function key(userId: string, orderId: string): string {
  return `${userId}\u0000${orderId}`;
}

function intText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (isLosslessNumber(value)) return value.value;
  return '';
}
