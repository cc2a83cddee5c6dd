import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { PtsClient } from '../client/pts-client.js';
import type {
  PtsOrderQueryResult,
  PtsPaymentRequest,
  PtsWithdrawRequest,
} from '../client/pts-client.js';
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
import { sameAmount } from '../protocol/pts-amount.js';
import { idText } from '../protocol/pts-message.js';
import { PtsCallbackEntity } from '../callbacks/pts-callback.entity.js';
import { PtsOrderHistoryEntity } from './pts-order-history.entity.js';
import { generatePtsOrderId, PTS_ORDER_ID_PATTERN } from './pts-order-id.js';
import { PtsOrderEntity } from './pts-order.entity.js';
import {
  PTS_STATUS_BY_TRANSACTION_STATUS,
  type PtsOrderKind,
  type PtsOrderStatus,
} from './pts-order-status.js';
import { PtsOrderTransitions, type PtsOrderPatch } from './pts-order-transitions.js';
import { keptFieldsPatch } from './pts-kept-fields.js';
import { PtsOutboxDispatcher } from './pts-outbox-dispatcher.js';
import { PTS_ORDERS_SETTINGS, type PtsOrdersSettings } from './pts-orders-settings.js';

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
  from?: Date;
  to?: Date;
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
 * The persisted, state-machine-guarded layer over `PtsClient` (interface.md section 1): an
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
    private readonly dispatcher: PtsOutboxDispatcher,
    @Inject(PTS_ORDERS_SETTINGS) private readonly settings: PtsOrdersSettings,
  ) {}

  createPayment(input: PtsCreatePaymentInput): Promise<PtsOrderEntity> {
    return this.create('payment', input);
  }

  createWithdraw(input: PtsCreateWithdrawInput): Promise<PtsOrderEntity> {
    return this.create('withdraw', input);
  }

  /** Query PTS now and apply its answer (A8: the only way out of `unknown`). */
  async sync(orderId: string, accountName?: string): Promise<PtsOrderEntity> {
    const order = await this.get(orderId, accountName);
    if (order.kind === 'subscription') {
      throw new PtsInvalidRequestError(
        'no_query_endpoint',
        `order ${order.orderId} is a subscription; PTS has no query for subscriptions (B4.11), its callbacks are the only news`,
      );
    }
    // v1 queries ask for the transaction hash, which the order keeps (B4.3, B4.6).
    const query = {
      account: order.account,
      returnHash: order.apiVersion === 'v1' ? true : undefined,
    };
    let result: PtsOrderQueryResult;
    try {
      result =
        order.kind === 'payment'
          ? await this.client.queryPayment(order.orderId, query)
          : await this.client.queryWithdraw(order.orderId, query);
    } catch (error) {
      if (
        error instanceof PtsGatewayError &&
        error.ptsCode === '1002' &&
        (order.status === 'unknown' || order.status === 'created') &&
        Date.now() - order.createdAt.getTime() >= this.settings.unknownNotFoundGraceMs
      ) {
        // PTS never saw the create: it is safe to call the order refused.
        return this.move(order.id, {
          to: 'rejected',
          cause: 'not_found_at_gateway',
          detail: 'PTS answered 1002 (transaction not found) to a query',
          patch: { errorCode: '1002', errorMessage: error.ptsMessage, lastQueriedAt: new Date() },
        });
      }
      throw error;
    }
    const to = PTS_STATUS_BY_TRANSACTION_STATUS[result.status];
    const account = this.accounts.get(order.account);
    const mismatch = describeMismatch(order, account, {
      userId: idText(result.raw.user_id),
      submitAmount: result.submitAmount,
      submitCurrency: result.submitCurrency,
    });
    return this.move(order.id, {
      to,
      cause: 'query',
      detail: mismatch ?? `PTS status ${result.status}`,
      flags: mismatch ? ['amount_mismatch'] : [],
      patch: mismatch
        ? { lastQueriedAt: new Date() }
        : {
            ...patchFromResult(result),
            ...keptFieldsPatch(result.raw),
            ptsStatus: result.status,
            lastQueriedAt: new Date(),
          },
    });
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
    if (query.cursor) {
      const [at, id] = decodeCursor(query.cursor);
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
      nextCursor: last && lastRaw ? encodeCursor(lastRaw.cursor_at, last.id) : null,
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
    const fingerprint = fingerprintOf(kind, account.name, input);

    const stored = await this.insertCreated(kind, account, orderId, input, fingerprint);
    if (!stored.fresh) return stored.order;

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
      await this.transitions.record(manager, order, null, { to: 'created', cause: 'create' });
      return order;
    });
    if (inserted) {
      this.dispatcher.nudge();
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

  /** A transition in its own transaction, then a nudge to the event dispatcher. */
  private async move(
    orderRef: string,
    request: Parameters<PtsOrderTransitions['apply']>[2],
  ): Promise<PtsOrderEntity> {
    const result = await this.dataSource.transaction((manager: EntityManager) =>
      this.transitions.apply(manager, orderRef, request),
    );
    if (result.decision === 'apply') this.dispatcher.nudge();
    return result.order;
  }
}

/** What a create, query or callback answer tells about amounts and ids. */
export function patchFromResult(result: {
  transactionId: string;
  submitAmount: string;
  submitCurrency: string;
  acceptAmount: string;
  acceptCurrency: string;
  exchangeRate: string;
}): PtsOrderPatch {
  return {
    transactionId: result.transactionId,
    submitAmount: result.submitAmount,
    submitCurrency: result.submitCurrency,
    acceptAmount: result.acceptAmount,
    acceptCurrency: result.acceptCurrency,
    exchangeRate: result.exchangeRate,
  };
}

/**
 * A8: news whose `submit_amount`, `submit_currency` or `user_id` disagrees with the order is
 * stored and flagged, never applied. Returns what disagrees, or undefined.
 */
export function describeMismatch(
  order: Pick<PtsOrderEntity, 'amount' | 'currency'>,
  account: Pick<PtsAccount, 'userId'>,
  news: { userId?: string; submitAmount?: string; submitCurrency?: string },
): string | undefined {
  const problems: string[] = [];
  if (news.userId !== undefined && news.userId !== account.userId) {
    problems.push(`user_id ${news.userId} is not the account's ${account.userId}`);
  }
  if (news.submitAmount !== undefined && !sameAmount(news.submitAmount, order.amount)) {
    problems.push(`submit_amount ${news.submitAmount} differs from the order's ${order.amount}`);
  }
  if (news.submitCurrency !== undefined && news.submitCurrency !== order.currency) {
    problems.push(
      `submit_currency ${news.submitCurrency} differs from the order's ${order.currency}`,
    );
  }
  return problems.length ? problems.join('; ') : undefined;
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

function fingerprintOf(kind: PtsOrderKind, account: string, input: object): string {
  const fields: Record<string, unknown> = { ...input, kind, account };
  delete fields.idempotencyKey;
  return createHash('sha256').update(stableJson(fields)).digest('hex');
}

function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      !Number.isNaN(Date.parse(value[0])) &&
      typeof value[1] === 'string' &&
      /^[0-9a-f-]{36}$/.test(value[1])
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through
  }
  throw new PtsInvalidRequestError(
    'invalid_cursor',
    'cursor is not one this API returned',
    'cursor',
  );
}
