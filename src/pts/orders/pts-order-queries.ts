import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PtsCallbackEntity } from '../callbacks/pts-callback.entity.js';
import { PtsOrderNotFoundError } from '../errors/pts-order-errors.js';
import { PtsAccounts } from '../options/pts-accounts.js';
import { pageOfOrders, ptsPageLimit, type PtsPage } from './pts-order-cursor.js';
import { PtsOrderHistoryEntity } from './pts-order-history.entity.js';
import { PtsOrderEntity } from './pts-order.entity.js';
import type { PtsOrderKind, PtsOrderStatus } from './pts-order-status.js';

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

export interface PtsOrderDetail {
  order: PtsOrderEntity;
  callbacks: PtsCallbackEntity[];
  history: PtsOrderHistoryEntity[];
}

/** Reading orders: one, one with its callbacks and history, and the filtered list. */
@Injectable()
export class PtsOrderQueries {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: PtsAccounts,
  ) {}

  /** One order by our id; `PtsOrderNotFoundError` when unknown. */
  async get(orderId: string, accountName?: string): Promise<PtsOrderEntity> {
    const account = this.accounts.get(accountName);
    const order = await this.dataSource
      .getRepository(PtsOrderEntity)
      .findOneBy({ account: account.name, orderId });
    if (!order) throw PtsOrderNotFoundError.forOrder(orderId, account.name);
    return order;
  }

  /** An order with its callbacks and status history, oldest first. */
  async detail(orderId: string, accountName?: string): Promise<PtsOrderDetail> {
    const order = await this.get(orderId, accountName);
    return { order, ...(await this.trail(order.id)) };
  }

  /** The callbacks and status history of an order (or a subscription), oldest first. */
  async trail(
    orderRef: string,
  ): Promise<{ callbacks: PtsCallbackEntity[]; history: PtsOrderHistoryEntity[] }> {
    const [callbacks, history] = await Promise.all([
      this.dataSource
        .getRepository(PtsCallbackEntity)
        .find({ where: { orderRef }, order: { id: 'ASC' } }),
      this.dataSource
        .getRepository(PtsOrderHistoryEntity)
        .find({ where: { orderRef }, order: { id: 'ASC' } }),
    ]);
    return { callbacks, history };
  }

  /** Newest first; `nextCursor` continues after the last item (keyset, stable under inserts). */
  async list(query: PtsOrderListQuery): Promise<PtsPage<PtsOrderEntity>> {
    const qb = this.dataSource.getRepository(PtsOrderEntity).createQueryBuilder('o');
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
    return pageOfOrders(qb, ptsPageLimit(query.limit), query.cursor);
  }
}
