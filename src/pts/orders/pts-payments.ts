import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PtsClient } from '../client/pts-client.js';
import type { PtsPaymentRequest, PtsWithdrawRequest } from '../client/pts-client.js';
import {
  isPtsOutcomeUnknown,
  PtsError,
  PtsGatewayError,
  PtsInvalidRequestError,
} from '../errors/pts-error.js';
import {
  attachOrderContext,
  PtsDuplicateOrderError,
  PtsIdempotencyConflictError,
  PtsOrderNotFoundError,
} from '../errors/pts-order-errors.js';
import { PtsAccounts, type PtsAccount } from '../options/pts-accounts.js';
import { PtsSettings } from '../options/pts-settings.js';
import { checkAmount } from '../client/pts-request-fields.js';
import { PtsCallbackEntity } from '../callbacks/pts-callback.entity.js';
import { PtsOrderHistoryEntity } from './pts-order-history.entity.js';
import { generatePtsOrderId, PTS_ORDER_ID_PATTERN } from './pts-order-id.js';
import { PtsOrderEntity } from './pts-order.entity.js';
import type { PtsOrderKind, PtsOrderStatus } from './pts-order-status.js';
import { PtsOrderTransitions, type PtsOrderPatch } from './pts-order-transitions.js';
import { PtsOrderSync, patchFromResult } from './pts-order-sync.js';
import { PtsReconcileSchedule } from './pts-reconcile-schedule.js';
import { decodeOrderCursor, encodeOrderCursor } from './pts-order-cursor.js';
import { ptsRequestFingerprint } from './pts-request-fingerprint.js';

export { describeMismatch, patchFromResult } from './pts-order-sync.js';

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

export interface PtsOrderListQuery {
  account?: string;
  kind?: PtsOrderKind;
  status?: PtsOrderStatus;
  /** Orders carrying this flag, e.g. `reconcile_exhausted` (waiting for an operator). */
  flag?: string;
  from?: Date;
  to?: Date;
  /** Our order id or the PTS transaction id, exactly. */
  search?: string;
  limit?: number;
  cursor?: string;
}

export interface PtsPage<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PtsOrderDetail {
  order: PtsOrderEntity;
  callbacks: PtsCallbackEntity[];
  history: PtsOrderHistoryEntity[];
}

const MAX_PAGE = 200;

/**
 * The persisted, state-machine-guarded layer over `PtsClient` (README, "Using the module in your app"): an
 * order is stored as `created` before its request leaves, then moves to `waiting`, `rejected`
 * or `unknown` (A8). Every status change goes through `PtsOrderTransitions`.
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
    const order = await this.get(orderId, accountName);
    return (await this.orderSync.query(order, 'query')).order;
  }

  /** One order by our id; `PtsOrderNotFoundError` when unknown. */
  async get(orderId: string, accountName?: string): Promise<PtsOrderEntity> {
    const account = this.accounts.get(accountName);
    const order = await this.dataSource
      .getRepository(PtsOrderEntity)
      .findOneBy({ account: account.name, orderId });
    if (!order) throw new PtsOrderNotFoundError(orderId, account.name);
    return order;
  }

  /** An order with its callbacks and status history, oldest first. */
  async detail(orderId: string, accountName?: string): Promise<PtsOrderDetail> {
    const order = await this.get(orderId, accountName);
    const [callbacks, history] = await Promise.all([
      this.dataSource
        .getRepository(PtsCallbackEntity)
        .find({ where: { orderRef: order.id }, order: { id: 'ASC' } }),
      this.dataSource
        .getRepository(PtsOrderHistoryEntity)
        .find({ where: { orderRef: order.id }, order: { id: 'ASC' } }),
    ]);
    return { order, callbacks, history };
  }

  /** Newest first; `nextCursor` continues after the last item (keyset, stable under inserts). */
  async list(query: PtsOrderListQuery): Promise<PtsPage<PtsOrderEntity>> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), MAX_PAGE);
    const qb = this.dataSource
      .getRepository(PtsOrderEntity)
      .createQueryBuilder('o')
      .addSelect(
        `to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        'cursor_at',
      )
      .orderBy('o.created_at', 'DESC')
      .addOrderBy('o.id', 'DESC')
      .limit(limit + 1);
    if (query.account) qb.andWhere('o.account = :account', { account: query.account });
    if (query.kind) qb.andWhere('o.kind = :kind', { kind: query.kind });
    if (query.status) qb.andWhere('o.status = :status', { status: query.status });
    if (query.from) qb.andWhere('o.created_at >= :from', { from: query.from });
    if (query.to) qb.andWhere('o.created_at < :to', { to: query.to });
    // `@>` rather than `= ANY`, so that the GIN index on flags answers it.
    if (query.flag) qb.andWhere('o.flags @> ARRAY[:flag]::text[]', { flag: query.flag });
    if (query.search) {
      qb.andWhere('(o.order_id = :search OR o.transaction_id = :search)', {
        search: query.search,
      });
    }
    if (query.cursor) {
      const [at, id] = decodeOrderCursor(query.cursor);
      qb.andWhere('(o.created_at, o.id) < (CAST(:at AS timestamptz), CAST(:id AS uuid))', {
        at,
        id,
      });
    }
    const { entities, raw } = await qb.getRawAndEntities<{ cursor_at: string }>();
    const items = entities.slice(0, limit);
    const last =
      items.length === limit && entities.length > limit ? items[items.length - 1] : undefined;
    const lastRaw = last ? raw[items.length - 1] : undefined;
    return {
      items,
      nextCursor: last && lastRaw ? encodeOrderCursor(lastRaw.cursor_at, last.id) : null,
    };
  }

  private async create(
    kind: PtsOrderKind,
    input: PtsCreatePaymentInput | PtsCreateWithdrawInput,
  ): Promise<PtsOrderEntity> {
    const account = this.accounts.get(input.account);
    // Checked before the row is stored; the client checks again, with the same rule.
    checkAmount(input.amount);
    if (input.orderId !== undefined && !PTS_ORDER_ID_PATTERN.test(input.orderId)) {
      throw new PtsInvalidRequestError(
        'invalid_order_id',
        'orderId must be 1 to 64 characters of letters, digits, "_" and "-"',
        'orderId',
      );
    }
    const orderId = input.orderId ?? generatePtsOrderId();
    const fingerprint = ptsRequestFingerprint(kind, account.name, input);

    const stored = await this.insertCreated(kind, account, orderId, input, fingerprint);
    if (!stored.fresh) return this.asItStands(stored.order);

    try {
      const patch = await this.send(kind, account, orderId, input);
      return await this.move(stored.order.id, {
        to: 'waiting',
        cause: 'gateway_accepted',
        patch: { ...patch, ptsStatus: '0000' },
      });
    } catch (error) {
      const unknown = isPtsOutcomeUnknown(error);
      const code =
        error instanceof PtsGatewayError
          ? error.ptsCode
          : error instanceof PtsError
            ? error.code
            : 'internal';
      const message = error instanceof Error ? error.message : String(error);
      const order = await this.move(stored.order.id, {
        to: unknown ? 'unknown' : 'rejected',
        cause: unknown ? 'gateway_no_answer' : 'gateway_rejected',
        detail: message.slice(0, 500),
        patch: { errorCode: code.slice(0, 16), errorMessage: message.slice(0, 2000) },
      });
      this.logger.warn(
        `${kind} ${orderId} (${account.name}) is ${order.status}: ${error instanceof Error ? error.name : 'Error'} ${code}`,
      );
      throw attachOrderContext(error, { orderId, account: account.name, status: order.status });
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

  /** Stores the order as `created` (committed before the request leaves, A8). */
  private async insertCreated(
    kind: PtsOrderKind,
    account: PtsAccount,
    orderId: string,
    input: PtsCreatePaymentInput | PtsCreateWithdrawInput,
    fingerprint: string,
  ): Promise<{ order: PtsOrderEntity; fresh: boolean }> {
    const payment = kind === 'payment' ? (input as PtsCreatePaymentInput) : undefined;
    const withdraw = kind === 'withdraw' ? (input as PtsCreateWithdrawInput) : undefined;
    const details = payment?.details ?? withdraw?.details ?? withdraw?.bankCard;
    const inserted = await this.dataSource.transaction(async (manager) => {
      const rows: { id: string }[] = await manager.query(
        `INSERT INTO pts_orders (account, user_id, api_version, kind, order_id, status, amount,
                currency, channel, callback_url, redirect_url, error_url, remark, details,
                idempotency_key, request_fingerprint)
         VALUES ($1, $2, $3, $4, $5, 'created', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT DO NOTHING RETURNING id`,
        [
          account.name,
          account.userId,
          account.apiVersion,
          kind,
          orderId,
          input.amount,
          input.currency,
          input.channel,
          this.ptsSettings.callbackUrl(kind) ?? null,
          payment?.redirectUrl ?? null,
          payment?.errorUrl ?? null,
          input.remark ?? null,
          details ? JSON.stringify(redactDetails(details)) : null,
          input.idempotencyKey ?? null,
          fingerprint,
        ],
      );
      if (rows.length === 0) return undefined;
      const order = await this.transitions.lock(manager, rows[0].id);
      await this.transitions.recordCreated(manager, order);
      return order;
    });
    if (inserted) {
      this.transitions.committed();
      return { order: inserted, fresh: true };
    }
    const repo = this.dataSource.getRepository(PtsOrderEntity);
    if (input.idempotencyKey !== undefined) {
      const previous = await repo.findOneBy({
        account: account.name,
        idempotencyKey: input.idempotencyKey,
      });
      if (previous) {
        if (previous.requestFingerprint !== fingerprint || previous.kind !== kind) {
          throw new PtsIdempotencyConflictError(input.idempotencyKey, previous.orderId);
        }
        return { order: previous, fresh: false };
      }
    }
    throw new PtsDuplicateOrderError(orderId, account.name);
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

  /** A transition in its own transaction; the order as it stands afterwards. */
  private async move(
    orderRef: string,
    request: Parameters<PtsOrderTransitions['apply']>[2],
  ): Promise<PtsOrderEntity> {
    return (await this.transitions.move(orderRef, request)).order;
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
