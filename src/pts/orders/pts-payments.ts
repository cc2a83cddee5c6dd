import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PtsClient } from '../client/pts-client.js';
import type { PtsPaymentRequest, PtsWithdrawRequest } from '../client/pts-client.js';
import { checkAmount } from '../client/pts-request-fields.js';
import { PtsError } from '../errors/pts-error.js';
import { PtsAccounts, type PtsAccount } from '../options/pts-accounts.js';
import { PtsSettings } from '../options/pts-settings.js';
import type { PtsPage } from './pts-order-cursor.js';
import { checkedOrderId, failedCreate, PtsOrderIntake } from './pts-order-intake.js';
import {
  PtsOrderQueries,
  type PtsOrderDetail,
  type PtsOrderListQuery,
} from './pts-order-queries.js';
import { PtsOrderEntity } from './pts-order.entity.js';
import type { PtsOrderKind } from './pts-order-status.js';
import { PtsOrderTransitions, type PtsOrderPatch } from './pts-order-transitions.js';
import { PtsOrderSync, patchFromResult } from './pts-order-sync.js';
import { PtsReconcileSchedule } from './pts-reconcile-schedule.js';
import { ptsRequestFingerprint } from './pts-request-fingerprint.js';

// Its home is pts-order-cursor.ts; kept here for callbacks/pts-callback-queries.ts.
export type { PtsPage } from './pts-order-cursor.js';

interface PtsCreateCommon {
  /** Account name; default account when absent. */
  account?: string;
  /** Our order id; generated (sortable, URL-safe) when absent (A9). */
  orderId?: string;
  /** Decimal string, positive, at most 6 places; sent exactly as given (A7). */
  amount: string;
  currency: string;
  channel: string;
  remark?: string;
  /** Same key and same request: the same order, no second request to PTS. */
  idempotencyKey?: string;
}

export interface PtsCreatePaymentInput extends PtsCreateCommon {
  details?: Record<string, string>;
  redirectUrl?: string;
  errorUrl?: string;
  /** v1 only. */
  email?: string;
  phone?: string;
  bankCode?: string;
  realName?: string;
}

export interface PtsCreateWithdrawInput extends PtsCreateCommon {
  /** v2 payee details. */
  details?: PtsWithdrawRequest['details'];
  /** v1 bank card fields. */
  bankCard?: PtsWithdrawRequest['bankCard'];
}

/**
 * The persisted, state-machine-guarded layer over `PtsClient` (README, "Using the module in your
 * app"): an order is stored as `created` before its request leaves, then moves to `waiting`,
 * `rejected` or `unknown` (A8). Every status change goes through `PtsOrderTransitions`. Reading
 * orders is `PtsOrderQueries`; `get`, `detail` and `list` here hand over to it.
 */
@Injectable()
export class PtsPayments {
  private readonly logger = new Logger('PtsPayments');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly client: PtsClient,
    private readonly accounts: PtsAccounts,
    private readonly ptsSettings: PtsSettings,
    private readonly transitions: PtsOrderTransitions,
    private readonly intake: PtsOrderIntake,
    private readonly queries: PtsOrderQueries,
    private readonly orderSync: PtsOrderSync,
    private readonly schedule: PtsReconcileSchedule,
  ) {}

  createPayment(input: PtsCreatePaymentInput): Promise<PtsOrderEntity> {
    return this.create('payment', input);
  }

  createWithdraw(input: PtsCreateWithdrawInput): Promise<PtsOrderEntity> {
    return this.create('withdraw', input);
  }

  /** Query PTS now and apply its answer (what reconciliation does on its schedule). */
  async sync(orderId: string, accountName?: string): Promise<PtsOrderEntity> {
    const order = await this.queries.get(orderId, accountName);
    return (await this.orderSync.query(order, 'query')).order;
  }

  /** One order by our id; `PtsOrderNotFoundError` when unknown. */
  get(orderId: string, accountName?: string): Promise<PtsOrderEntity> {
    return this.queries.get(orderId, accountName);
  }

  /** An order with its callbacks and status history, oldest first. */
  detail(orderId: string, accountName?: string): Promise<PtsOrderDetail> {
    return this.queries.detail(orderId, accountName);
  }

  /** Newest first; `nextCursor` continues after the last item (keyset, stable under inserts). */
  list(query: PtsOrderListQuery): Promise<PtsPage<PtsOrderEntity>> {
    return this.queries.list(query);
  }

  private async create(
    kind: PtsOrderKind,
    input: PtsCreatePaymentInput | PtsCreateWithdrawInput,
  ): Promise<PtsOrderEntity> {
    const account = this.accounts.get(input.account);
    // Checked before the row is stored; the client checks again, with the same rule.
    checkAmount(input.amount);
    const orderId = checkedOrderId(input.orderId);
    const payment = kind === 'payment' ? (input as PtsCreatePaymentInput) : undefined;
    const withdraw = kind === 'withdraw' ? (input as PtsCreateWithdrawInput) : undefined;
    const details = payment?.details ?? withdraw?.details ?? withdraw?.bankCard;
    const stored = await this.intake.insertCreated({
      account: account.name,
      userId: account.userId,
      apiVersion: account.apiVersion,
      kind,
      orderId,
      amount: input.amount,
      currency: input.currency,
      channel: input.channel,
      callbackUrl: this.ptsSettings.callbackUrl(kind) ?? null,
      redirectUrl: payment?.redirectUrl ?? null,
      errorUrl: payment?.errorUrl ?? null,
      remark: input.remark ?? null,
      details: details ? redactDetails(details) : null,
      idempotencyKey: input.idempotencyKey ?? null,
      requestFingerprint: ptsRequestFingerprint(kind, account.name, input),
    });
    if (!stored.fresh) return this.asItStands(stored.order);
    this.transitions.committed();

    try {
      const patch = await this.send(kind, account, orderId, input);
      return (
        await this.transitions.moveFrom(stored, {
          to: 'waiting',
          cause: 'gateway_accepted',
          patch: { ...patch, ptsStatus: '0000' },
        })
      ).order;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const failure = failedCreate(error, message);
      const { order } = await this.transitions.moveFrom(stored, failure.request);
      this.logger.warn(
        `${kind} ${orderId} (${account.name}) is ${order.status}: ${error instanceof Error ? error.name : 'Error'} ${failure.code}`,
      );
      const context = { orderId, account: account.name, status: order.status };
      throw error instanceof PtsError ? error.withOrder(context) : error;
    }
  }

  private async send(
    kind: PtsOrderKind,
    account: PtsAccount,
    orderId: string,
    input: PtsCreatePaymentInput | PtsCreateWithdrawInput,
  ): Promise<PtsOrderPatch> {
    const common = {
      orderId,
      amount: input.amount,
      currency: input.currency,
      channel: input.channel,
      remark: input.remark,
    };
    if (kind === 'payment') {
      const p = input as PtsCreatePaymentInput;
      const request: PtsPaymentRequest = {
        ...common,
        details: p.details,
        redirectUrl: p.redirectUrl,
        errorUrl: p.errorUrl,
        email: p.email,
        phone: p.phone,
        bankCode: p.bankCode,
        realName: p.realName,
      };
      const result = await this.client.createPayment(request, { account: account.name });
      if (result.kind === 'html') return { redirectHtml: result.html };
      if (result.kind === 'redirect') return { payUrl: result.location };
      return { ...patchFromResult(result), payUrl: result.payUrl, qrCode: result.qrCode ?? null };
    }
    const w = input as PtsCreateWithdrawInput;
    const request: PtsWithdrawRequest = { ...common, details: w.details, bankCard: w.bankCard };
    const result = await this.client.createWithdraw(request, { account: account.name });
    return patchFromResult(result);
  }

  /**
   * An `Idempotency-Key` retry gets the order as it stands, never a fresh-looking one: a create
   * still in flight is waited for (up to the request timeout); one that will get no answer any
   * more (its process died) becomes `unknown` now, and reconciliation resolves it.
   */
  private async asItStands(order: PtsOrderEntity): Promise<PtsOrderEntity> {
    const repo = this.dataSource.getRepository(PtsOrderEntity);
    let current = order;
    while (current.status === 'created') {
      const age = Date.now() - current.createdAt.getTime();
      if (age >= this.schedule.createDeadlineMs) {
        return (
          await this.transitions.move(current.id, {
            to: 'unknown',
            cause: 'interrupted',
            detail: 'the create got no answer (the service stopped or lost the connection)',
          })
        ).order;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      current = (await repo.findOneBy({ id: current.id })) ?? current;
    }
    return current;
  }
}

/** Payee details are personal data; account and card numbers keep only their last 4 digits. */
function redactDetails(details: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    const number = key === 'accountNumber' || key === 'cardNo';
    out[key] =
      number && typeof value === 'string' && value.length > 4 ? `…${value.slice(-4)}` : value;
  }
  return out;
}
