import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource } from 'typeorm';
import type { PtsCallbackEntity } from '../callbacks/pts-callback.entity.js';
import { PtsOrderNotFoundError } from '../errors/pts-order-errors.js';
import { PtsAccounts } from '../options/pts-accounts.js';
import type { PtsOrderHistoryEntity } from '../orders/pts-order-history.entity.js';
import { pageOfOrders, ptsPageLimit, type PtsPage } from '../orders/pts-order-cursor.js';
import { PtsOrderQueries } from '../orders/pts-order-queries.js';
import { PtsOrderEntity } from '../orders/pts-order.entity.js';
import type { PtsOrderStatus } from '../orders/pts-order-status.js';
import { PtsSubscriptionPaymentEntity } from './pts-subscription-payment.entity.js';
import { PtsSubscriptionEntity } from './pts-subscription.entity.js';

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

/** Reading subscriptions: one, one with its callbacks and history, and the list. */
@Injectable()
export class PtsSubscriptionQueries {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: PtsAccounts,
    private readonly orders: PtsOrderQueries,
  ) {}

  async get(orderId: string, accountName?: string): Promise<PtsSubscriptionRecord> {
    return this.record(await this.order(orderId, accountName));
  }

  /** A subscription with its payments, callbacks and history, oldest first. */
  async detail(orderId: string, accountName?: string): Promise<PtsSubscriptionDetail> {
    const record = await this.get(orderId, accountName);
    return { ...record, ...(await this.orders.trail(record.order.id)) };
  }

  /** Newest first; `nextCursor` continues after the last item. */
  async list(query: PtsSubscriptionListQuery): Promise<PtsPage<PtsSubscriptionRecord>> {
    const qb = this.dataSource
      .getRepository(PtsOrderEntity)
      .createQueryBuilder('o')
      .where(`o.kind = 'subscription'`);
    if (query.account) qb.andWhere('o.account = :account', { account: query.account });
    if (query.status) qb.andWhere('o.status = :status', { status: query.status });
    const page = await pageOfOrders(qb, ptsPageLimit(query.limit), query.cursor);
    return { items: await this.records(page.items), nextCursor: page.nextCursor };
  }

  /** The order row of a subscription; `PtsOrderNotFoundError` when unknown. */
  async order(orderId: string, accountName?: string): Promise<PtsOrderEntity> {
    const account = this.accounts.get(accountName);
    const order = await this.dataSource
      .getRepository(PtsOrderEntity)
      .findOneBy({ account: account.name, orderId, kind: 'subscription' });
    if (!order) throw PtsOrderNotFoundError.forOrder(orderId, account.name);
    return order;
  }

  /** The subscription as it stands now, by its order's row id. */
  async reload(orderRef: string): Promise<PtsSubscriptionRecord> {
    return this.record(
      await this.dataSource.getRepository(PtsOrderEntity).findOneByOrFail({ id: orderRef }),
    );
  }

  async record(order: PtsOrderEntity): Promise<PtsSubscriptionRecord> {
    const [subscription, payments] = await Promise.all([
      this.dataSource.getRepository(PtsSubscriptionEntity).findOneByOrFail({ orderRef: order.id }),
      this.dataSource
        .getRepository(PtsSubscriptionPaymentEntity)
        .find({ where: { orderRef: order.id }, order: { id: 'ASC' } }),
    ]);
    return { order, subscription, payments };
  }

  /** Several subscriptions in the given order, in two queries. */
  private async records(orders: PtsOrderEntity[]): Promise<PtsSubscriptionRecord[]> {
    if (orders.length === 0) return [];
    const orderRefs = orders.map((o) => o.id);
    const [subscriptions, payments] = await Promise.all([
      this.dataSource.getRepository(PtsSubscriptionEntity).findBy({ orderRef: In(orderRefs) }),
      this.dataSource
        .getRepository(PtsSubscriptionPaymentEntity)
        .find({ where: { orderRef: In(orderRefs) }, order: { id: 'ASC' } }),
    ]);
    const subById = new Map(subscriptions.map((x) => [x.orderRef, x]));
    return orders.map((order) => ({
      order,
      subscription: subById.get(order.id)!,
      payments: payments.filter((p) => p.orderRef === order.id),
    }));
  }
}
