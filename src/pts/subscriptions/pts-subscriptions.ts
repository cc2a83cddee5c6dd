import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PtsClient } from '../client/pts-client.js';
import { checkAmount } from '../client/pts-request-fields.js';
import { checkCard, checkPeriod } from '../client/pts-subscription-fields.js';
import type { PtsCard, PtsSubscriptionPeriodUnit } from '../client/pts-subscription.types.js';
import { PtsError, PtsInvalidRequestError } from '../errors/pts-error.js';
import { PtsAccounts } from '../options/pts-accounts.js';
import { PtsSettings } from '../options/pts-settings.js';
import type { PtsPage } from '../orders/pts-order-cursor.js';
import { checkedOrderId, failedCreate, PtsOrderIntake } from '../orders/pts-order-intake.js';
import { patchFromResult } from '../orders/pts-order-sync.js';
import { PtsOrderTransitions } from '../orders/pts-order-transitions.js';
import { PtsOutboxDispatcher } from '../orders/pts-outbox-dispatcher.js';
import { scrubCard, subscriptionFingerprint } from './pts-subscription-card.js';
import { PtsSubscriptionEntity } from './pts-subscription.entity.js';
import {
  PtsSubscriptionQueries,
  type PtsSubscriptionDetail,
  type PtsSubscriptionListQuery,
  type PtsSubscriptionRecord,
} from './pts-subscription-queries.js';

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

/**
 * v2.1 card subscriptions (B4.11, docs/subscriptions.md) as orders of kind `subscription`:
 * stored `created` before the request leaves, then `active`, `rejected` or `unknown`, and
 * `disabled` for good once disabled (here or at PTS). Payments arrive by the subscribe callback
 * (PtsSubscriptionCallbacks). The card goes to PTS and nowhere else. Reading subscriptions is
 * `PtsSubscriptionQueries`; `get`, `detail` and `list` here hand over to it.
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
    private readonly intake: PtsOrderIntake,
    private readonly queries: PtsSubscriptionQueries,
    private readonly dispatcher: PtsOutboxDispatcher,
  ) {}

  async create(input: PtsCreateSubscriptionInput): Promise<PtsSubscriptionRecord> {
    const account = this.accounts.get(input.account);
    if (account.apiVersion !== 'v2') {
      throw new PtsInvalidRequestError({
        code: 'endpoint_not_for_version',
        message: `subscriptions exist only in API v2 (v2.1 paths); account "${account.name}" uses ${account.apiVersion}`,
      });
    }
    checkAmount(input.amount);
    const card = checkCard(input.card);
    checkPeriod(input.periodCount, input.periodUnit);
    const orderId = checkedOrderId(input.orderId);
    checkHolderNames(input);
    // Order row, subscription row, `created` history and event in one transaction; no
    // reconciliation (a subscription has no query, docs/protocol.md B4.11).
    const stored = await this.intake.insertCreated(
      {
        account: account.name,
        userId: account.userId,
        apiVersion: account.apiVersion,
        kind: 'subscription',
        orderId,
        amount: input.amount,
        currency: input.currency,
        channel: input.channel,
        callbackUrl: this.ptsSettings.callbackUrl('subscription') ?? null,
        redirectUrl: null,
        errorUrl: null,
        remark: input.remark ?? null,
        details: input.details ?? null,
        idempotencyKey: input.idempotencyKey ?? null,
        requestFingerprint: subscriptionFingerprint(account.name, input, card),
      },
      async (manager, orderRef) => {
        await manager.insert(PtsSubscriptionEntity, {
          orderRef,
          periodCount: input.periodCount,
          periodUnit: input.periodUnit,
          cardLast4: card.number.slice(-4),
          firstName: input.firstName,
          middleName: input.middleName ?? null,
          lastName: input.lastName,
        });
      },
    );
    if (!stored.fresh) return this.queries.record(stored.order);
    this.dispatcher.nudge();

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
      await this.transitions.move(stored.order.id, {
        to: 'active',
        cause: 'gateway_accepted',
        patch: patchFromResult(result),
      });
      await this.dataSource
        .createQueryBuilder()
        .update(PtsSubscriptionEntity)
        .set({ subscribeAt: () => 'COALESCE(subscribe_at, now())' })
        .where('order_ref = :orderRef', { orderRef: stored.order.id })
        .execute();
      return this.queries.reload(stored.order.id);
    } catch (raw) {
      const error = scrubCard(raw, card);
      const failure = failedCreate(error, error instanceof Error ? error.message : 'failed');
      const { order } = await this.transitions.move(stored.order.id, failure.request);
      this.logger.warn(
        `subscription ${orderId} (${account.name}) is ${order.status}: ${failure.code}`,
      );
      const context = { orderId, account: account.name, status: order.status };
      throw error instanceof PtsError ? error.withOrder(context) : error;
    }
  }

  /** Disables the subscription at PTS and records it; a disabled one is returned as it is. */
  async disable(orderId: string, accountName?: string): Promise<PtsSubscriptionRecord> {
    const order = await this.queries.order(orderId, accountName);
    if (order.status === 'disabled') return this.queries.record(order);
    if (order.status === 'rejected' || order.status === 'created') {
      throw new PtsInvalidRequestError({
        code: 'not_active',
        message: `subscription ${orderId} is ${order.status}; there is nothing to disable at PTS`,
      });
    }
    const answer = await this.client.disableSubscription(order.orderId, { account: order.account });
    await this.dataSource.transaction(async (manager) => {
      const result = await this.transitions.apply(manager, order.id, {
        to: 'disabled',
        cause: 'subscription_disabled',
        detail: `disabled at PTS; ${answer.payments.length} payment(s) listed`,
      });
      await manager
        .createQueryBuilder()
        .update(PtsSubscriptionEntity)
        .set({
          enabled: false,
          nextPaymentAt: null,
          disabledAt: () => 'COALESCE(disabled_at, now())',
        })
        .where('order_ref = :orderRef', { orderRef: order.id })
        .execute();
      return result;
    });
    this.dispatcher.nudge();
    this.logger.log(`subscription ${orderId} (${order.account}) disabled`);
    return this.queries.reload(order.id);
  }

  get(orderId: string, accountName?: string): Promise<PtsSubscriptionRecord> {
    return this.queries.get(orderId, accountName);
  }

  /** A subscription with its payments, callbacks and history, oldest first. */
  detail(orderId: string, accountName?: string): Promise<PtsSubscriptionDetail> {
    return this.queries.detail(orderId, accountName);
  }

  /** Newest first; `nextCursor` continues after the last item. */
  list(query: PtsSubscriptionListQuery): Promise<PtsPage<PtsSubscriptionRecord>> {
    return this.queries.list(query);
  }
}

function checkHolderNames(input: PtsCreateSubscriptionInput): void {
  for (const [field, value, required] of [
    ['firstName', input.firstName, true],
    ['lastName', input.lastName, true],
    ['middleName', input.middleName, false],
  ] as const) {
    if (value === undefined && !required) continue;
    if (typeof value !== 'string' || value.trim() === '' || value.length > 64) {
      throw new PtsInvalidRequestError({
        code: 'invalid_field',
        message: `\`${field}\` must be a name of 1 to 64 characters`,
        field,
      });
    }
  }
}
