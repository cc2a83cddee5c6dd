import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource } from 'typeorm';
import { PtsCallbackEntity } from '../callbacks/pts-callback.entity.js';
import { PtsClient } from '../client/pts-client.js';
import { checkAmount } from '../client/pts-request-fields.js';
import { checkCard, checkPeriod } from '../client/pts-subscription-fields.js';
import type { PtsCard, PtsSubscriptionPeriodUnit } from '../client/pts-subscription.types.js';
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
import { PtsOrderHistoryEntity } from '../orders/pts-order-history.entity.js';
import { generatePtsOrderId, PTS_ORDER_ID_PATTERN } from '../orders/pts-order-id.js';
import { PtsOrderEntity } from '../orders/pts-order.entity.js';
import type { PtsOrderStatus } from '../orders/pts-order-status.js';
import { PtsOrderTransitions, type PtsTransitionRequest } from '../orders/pts-order-transitions.js';
import { PtsOutboxDispatcher } from '../orders/pts-outbox-dispatcher.js';
import { patchFromResult, type PtsPage } from '../orders/pts-payments.js';
import { PtsSubscriptionPaymentEntity } from './pts-subscription-payment.entity.js';
import { PtsSubscriptionEntity } from './pts-subscription.entity.js';
import { decodeOrderCursor, encodeOrderCursor } from '../orders/pts-order-cursor.js';
import { ptsRequestFingerprint } from '../orders/pts-request-fingerprint.js';

export interface PtsCreateSubscriptionInput {
  /** Account name (a v2 account); default account when absent. */
  account?: string;
  /** Our order id; generated when absent. */
  orderId?: string;
  /** Charged every period; decimal string (A7). */
  amount: string;
  currency: string;
  channel: string;
  /** Goes to PTS only; the subscription keeps the last four digits. */
  card: PtsCard;
  firstName: string;
  lastName: string;
  middleName?: string;
  periodCount: number;
  periodUnit: PtsSubscriptionPeriodUnit;
  details?: Record<string, string>;
  remark?: string;
  /** Same key and same request: the same subscription, no second request to PTS. */
  idempotencyKey?: string;
}

export interface PtsSubscriptionListQuery {
  account?: string;
  status?: PtsOrderStatus;
  limit?: number;
  cursor?: string;
}

/** A subscription: its order row, its details, its payments, callbacks and history. */
export interface PtsSubscriptionRecord {
  order: PtsOrderEntity;
  subscription: PtsSubscriptionEntity;
  payments: PtsSubscriptionPaymentEntity[];
}

export interface PtsSubscriptionDetail extends PtsSubscriptionRecord {
  callbacks: PtsCallbackEntity[];
  history: PtsOrderHistoryEntity[];
}

const MAX_PAGE = 200;

/**
 * v2.1 card subscriptions (B4.11, docs/subscriptions.md) as orders of kind `subscription`:
 * stored `created` before the request leaves, then `active`, `rejected` or `unknown`, and
 * `disabled` for good once disabled (here or at PTS). Payments arrive by the subscribe callback
 * (PtsSubscriptionCallbacks). The card goes to PTS and nowhere else.
 */
@Injectable()
export class PtsSubscriptions {
  private readonly logger = new Logger('PtsSubscriptions');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly client: PtsClient,
    private readonly accounts: PtsAccounts,
    private readonly ptsSettings: PtsSettings,
    private readonly transitions: PtsOrderTransitions,
    private readonly dispatcher: PtsOutboxDispatcher,
  ) {}

  async create(input: PtsCreateSubscriptionInput): Promise<PtsSubscriptionRecord> {
    const account = this.accounts.get(input.account);
    if (account.apiVersion !== 'v2') {
      throw new PtsInvalidRequestError(
        'endpoint_not_for_version',
        `subscriptions exist only in API v2 (v2.1 paths); account "${account.name}" uses ${account.apiVersion}`,
      );
    }
    checkAmount(input.amount);
    const card = checkCard(input.card);
    checkPeriod(input.periodCount, input.periodUnit);
    if (input.orderId !== undefined && !PTS_ORDER_ID_PATTERN.test(input.orderId)) {
      throw new PtsInvalidRequestError(
        'invalid_order_id',
        'orderId must be 1 to 64 characters of letters, digits, "_" and "-"',
        'orderId',
      );
    }
    for (const [field, value, required] of [
      ['firstName', input.firstName, true],
      ['lastName', input.lastName, true],
      ['middleName', input.middleName, false],
    ] as const) {
      if (value === undefined && !required) continue;
      if (typeof value !== 'string' || value.trim() === '' || value.length > 64) {
        throw new PtsInvalidRequestError(
          'invalid_field',
          `\`${field}\` must be a name of 1 to 64 characters`,
          field,
        );
      }
    }
    const orderId = input.orderId ?? generatePtsOrderId();
    const fingerprint = fingerprintOf(account.name, input, card);
    const stored = await this.insertCreated(account, orderId, input, card, fingerprint);
    if (!stored.fresh) return this.record(stored.order);

    try {
      const result = await this.client.subscribe(
        {
          orderId,
          amount: input.amount,
          currency: input.currency,
          channel: input.channel,
          card,
          firstName: input.firstName,
          lastName: input.lastName,
          middleName: input.middleName,
          periodCount: input.periodCount,
          periodUnit: input.periodUnit,
          details: input.details,
          remark: input.remark,
        },
        { account: account.name },
      );
      await this.move(stored.order.id, {
        to: 'active',
        cause: 'gateway_accepted',
        patch: patchFromResult(result),
      });
      await this.dataSource.query(
        `UPDATE pts_subscriptions SET subscribe_at = COALESCE(subscribe_at, now()) WHERE order_ref = $1`,
        [stored.order.id],
      );
      return this.record(await this.reload(stored.order.id));
    } catch (raw) {
      const error = scrubCard(raw, card);
      const unknown = isPtsOutcomeUnknown(error);
      const code =
        error instanceof PtsGatewayError
          ? error.ptsCode
          : error instanceof PtsError
            ? error.code
            : 'internal';
      const message = error instanceof Error ? error.message : 'failed';
      const order = await this.move(stored.order.id, {
        to: unknown ? 'unknown' : 'rejected',
        cause: unknown ? 'gateway_no_answer' : 'gateway_rejected',
        detail: message.slice(0, 500),
        patch: { errorCode: code.slice(0, 16), errorMessage: message.slice(0, 2000) },
      });
      this.logger.warn(`subscription ${orderId} (${account.name}) is ${order.status}: ${code}`);
      throw attachOrderContext(error, { orderId, account: account.name, status: order.status });
    }
  }

  /** Disables the subscription at PTS and records it; a disabled one is returned as it is. */
  async disable(orderId: string, accountName?: string): Promise<PtsSubscriptionRecord> {
    const order = await this.getOrder(orderId, accountName);
    if (order.status === 'disabled') return this.record(order);
    if (order.status === 'rejected' || order.status === 'created') {
      throw new PtsInvalidRequestError(
        'not_active',
        `subscription ${orderId} is ${order.status}; there is nothing to disable at PTS`,
      );
    }
    const answer = await this.client.disableSubscription(order.orderId, { account: order.account });
    await this.dataSource.transaction(async (manager) => {
      const result = await this.transitions.apply(manager, order.id, {
        to: 'disabled',
        cause: 'subscription_disabled',
        detail: `disabled at PTS; ${answer.payments.length} payment(s) listed`,
      });
      await manager.query(
        `UPDATE pts_subscriptions SET enabled = false, next_payment_at = NULL,
                disabled_at = COALESCE(disabled_at, now()) WHERE order_ref = $1`,
        [order.id],
      );
      return result;
    });
    this.dispatcher.nudge();
    this.logger.log(`subscription ${orderId} (${order.account}) disabled`);
    return this.record(await this.reload(order.id));
  }

  async get(orderId: string, accountName?: string): Promise<PtsSubscriptionRecord> {
    return this.record(await this.getOrder(orderId, accountName));
  }

  /** A subscription with its payments, callbacks and history, oldest first. */
  async detail(orderId: string, accountName?: string): Promise<PtsSubscriptionDetail> {
    const record = await this.get(orderId, accountName);
    const [callbacks, history] = await Promise.all([
      this.dataSource
        .getRepository(PtsCallbackEntity)
        .find({ where: { orderRef: record.order.id }, order: { id: 'ASC' } }),
      this.dataSource
        .getRepository(PtsOrderHistoryEntity)
        .find({ where: { orderRef: record.order.id }, order: { id: 'ASC' } }),
    ]);
    return { ...record, callbacks, history };
  }

  /** Newest first; `nextCursor` continues after the last item. */
  async list(query: PtsSubscriptionListQuery): Promise<PtsPage<PtsSubscriptionRecord>> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), MAX_PAGE);
    const params: unknown[] = [];
    const where = [`o.kind = 'subscription'`];
    if (query.account) {
      params.push(query.account);
      where.push(`o.account = $${params.length}`);
    }
    if (query.status) {
      params.push(query.status);
      where.push(`o.status = $${params.length}`);
    }
    if (query.cursor) {
      const [at, id] = decodeOrderCursor(query.cursor);
      params.push(at, id);
      where.push(
        `(o.created_at, o.id) < (CAST($${params.length - 1} AS timestamptz), CAST($${params.length} AS uuid))`,
      );
    }
    params.push(limit + 1);
    const rows: { id: string; cursor_at: string }[] = await this.dataSource.query(
      `SELECT o.id, to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
         FROM pts_orders o WHERE ${where.join(' AND ')}
        ORDER BY o.created_at DESC, o.id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const items = await this.records(page.map((r) => r.id));
    const last = rows.length > limit ? page[page.length - 1] : undefined;
    return { items, nextCursor: last ? encodeOrderCursor(last.cursor_at, last.id) : null };
  }

  private async getOrder(orderId: string, accountName?: string): Promise<PtsOrderEntity> {
    const account = this.accounts.get(accountName);
    const order = await this.dataSource
      .getRepository(PtsOrderEntity)
      .findOneBy({ account: account.name, orderId, kind: 'subscription' });
    if (!order) throw new PtsOrderNotFoundError(orderId, account.name);
    return order;
  }

  private async reload(orderRef: string): Promise<PtsOrderEntity> {
    return this.dataSource.getRepository(PtsOrderEntity).findOneByOrFail({ id: orderRef });
  }

  /** Several subscriptions in the given order, in three queries. */
  private async records(orderRefs: string[]): Promise<PtsSubscriptionRecord[]> {
    if (orderRefs.length === 0) return [];
    const [orders, subscriptions, payments] = await Promise.all([
      this.dataSource.getRepository(PtsOrderEntity).findBy({ id: In(orderRefs) }),
      this.dataSource.getRepository(PtsSubscriptionEntity).findBy({ orderRef: In(orderRefs) }),
      this.dataSource
        .getRepository(PtsSubscriptionPaymentEntity)
        .find({ where: { orderRef: In(orderRefs) }, order: { id: 'ASC' } }),
    ]);
    const orderById = new Map(orders.map((o) => [o.id, o]));
    const subById = new Map(subscriptions.map((x) => [x.orderRef, x]));
    return orderRefs.map((id) => ({
      order: orderById.get(id)!,
      subscription: subById.get(id)!,
      payments: payments.filter((p) => p.orderRef === id),
    }));
  }

  private async record(order: PtsOrderEntity): Promise<PtsSubscriptionRecord> {
    const [subscription, payments] = await Promise.all([
      this.dataSource.getRepository(PtsSubscriptionEntity).findOneByOrFail({ orderRef: order.id }),
      this.dataSource
        .getRepository(PtsSubscriptionPaymentEntity)
        .find({ where: { orderRef: order.id }, order: { id: 'ASC' } }),
    ]);
    return { order, subscription, payments };
  }

  /** Order row, subscription row and the `created` history entry, in one transaction. */
  private async insertCreated(
    account: PtsAccount,
    orderId: string,
    input: PtsCreateSubscriptionInput,
    card: PtsCard,
    fingerprint: string,
  ): Promise<{ order: PtsOrderEntity; fresh: boolean }> {
    const inserted = await this.dataSource.transaction(async (manager) => {
      const rows: { id: string }[] = await manager.query(
        `INSERT INTO pts_orders (account, user_id, api_version, kind, order_id, status, amount,
                currency, channel, callback_url, remark, details, idempotency_key, request_fingerprint)
         VALUES ($1, $2, $3, 'subscription', $4, 'created', $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT DO NOTHING RETURNING id`,
        [
          account.name,
          account.userId,
          account.apiVersion,
          orderId,
          input.amount,
          input.currency,
          input.channel,
          this.ptsSettings.callbackUrl('subscription') ?? null,
          input.remark ?? null,
          input.details ? JSON.stringify(input.details) : null,
          input.idempotencyKey ?? null,
          fingerprint,
        ],
      );
      if (rows.length === 0) return undefined;
      await manager.query(
        `INSERT INTO pts_subscriptions (order_ref, period_count, period_unit, card_last4,
                first_name, middle_name, last_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          rows[0].id,
          input.periodCount,
          input.periodUnit,
          card.number.slice(-4),
          input.firstName,
          input.middleName ?? null,
          input.lastName,
        ],
      );
      const order = await this.transitions.lock(manager, rows[0].id);
      // Its created event; no reconciliation (a subscription has no query, docs/protocol.md B4.11).
      await this.transitions.recordCreated(manager, order);
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
        if (previous.requestFingerprint !== fingerprint || previous.kind !== 'subscription') {
          throw new PtsIdempotencyConflictError(input.idempotencyKey, previous.orderId);
        }
        return { order: previous, fresh: false };
      }
    }
    throw new PtsDuplicateOrderError(orderId, account.name);
  }

  private async move(orderRef: string, request: PtsTransitionRequest): Promise<PtsOrderEntity> {
    return (await this.transitions.move(orderRef, request)).order;
  }
}

/**
 * The idempotency fingerprint: the request without the card's number, expiry and CVC (a
 * hash of a card number is still card data), with its last four digits instead.
 */
function fingerprintOf(account: string, input: PtsCreateSubscriptionInput, card: PtsCard): string {
  return ptsRequestFingerprint('subscription', account, {
    ...input,
    card: { last4: card.number.slice(-4) },
  });
}

/**
 * A gateway could echo what it was sent in its error message: whatever reaches our records,
 * logs or the caller has the card number and CVC cut out first.
 */
export function scrubCard<E>(error: E, card: PtsCard): E {
  if (!(error instanceof Error)) return error;
  const scrub = (text: string) =>
    text
      .replaceAll(card.number, `…${card.number.slice(-4)}`)
      .replace(new RegExp(`(?<!\\d)${card.cvc}(?!\\d)`, 'g'), '***');
  if (error.message.includes(card.number) || error.message.includes(card.cvc)) {
    error.message = scrub(error.message);
  }
  const gateway = error as unknown as { ptsMessage?: unknown };
  if (typeof gateway.ptsMessage === 'string') {
    Object.defineProperty(error, 'ptsMessage', { value: scrub(gateway.ptsMessage) });
  }
  return error;
}
