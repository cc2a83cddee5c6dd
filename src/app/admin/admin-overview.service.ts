import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { PtsAccounts, PtsCallbackEntity, PtsOrderEntity } from 'pts-nest';
import type { OverviewBucket, OverviewQuery } from './admin-dtos.js';

const HOUR_MS = 3_600_000;
/** At most this many points in one series: a month by the hour, a year by the day. */
const MAX_SPAN_MS: Record<OverviewBucket, number> = {
  hour: 31 * 24 * HOUR_MS,
  day: 366 * 24 * HOUR_MS,
};

const TRUNC: Record<OverviewBucket, string> = { hour: 'hour', day: 'day' };

interface CountRow {
  n: string;
}

/**
 * The numbers behind the console's overview, read from PostgreSQL. Orders by kind and status
 * are the same query as the `pts_orders` gauge of `/metrics`; callbacks by kind and outcome
 * count the stored callbacks, which `pts_callbacks_total` counts as they arrive (equal for a
 * single instance that has run since the database was empty; see docs/console.md).
 */
@Injectable()
export class AdminOverviewService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accounts: PtsAccounts,
  ) {}

  async overview(query: OverviewQuery) {
    const account = query.account === undefined ? undefined : this.accounts.get(query.account).name;
    const bucket = query.bucket ?? 'hour';
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 24 * HOUR_MS);
    if (from.getTime() >= to.getTime()) {
      throw new BadRequestException('from must be before to');
    }
    if (to.getTime() - from.getTime() > MAX_SPAN_MS[bucket]) {
      throw new BadRequestException(
        `a ${bucket} series covers at most ${bucket === 'hour' ? '31 days' : '366 days'}; narrow from/to or use bucket=day`,
      );
    }
    const [orders, series, callbacks, flags] = await Promise.all([
      this.ordersByStatus(account),
      this.series(account, bucket, from, to),
      this.callbacksByOutcome(account),
      this.flags(account),
    ]);
    const count = (status: string) =>
      orders.filter((o) => o.status === status).reduce((sum, o) => sum + o.count, 0);
    const success = count('success');
    const failed = count('failed');
    const rejected = count('rejected');
    const final = success + failed + rejected;
    return {
      account: account ?? null,
      accounts: this.accounts.all().map((a) => ({ name: a.name, apiVersion: a.apiVersion })),
      orders,
      successRate: { success, failed, rejected, rate: final === 0 ? null : success / final },
      series: { bucket, from: from.toISOString(), to: to.toISOString(), points: series },
      callbacks,
      flags,
    };
  }

  private orderQuery(account: string | undefined): SelectQueryBuilder<PtsOrderEntity> {
    const qb = this.dataSource.getRepository(PtsOrderEntity).createQueryBuilder('o');
    if (account) qb.where('o.account = :account', { account });
    return qb;
  }

  private async ordersByStatus(account: string | undefined) {
    const rows = await this.orderQuery(account)
      .select('o.kind', 'kind')
      .addSelect('o.status', 'status')
      .addSelect('count(*)', 'n')
      .groupBy('o.kind')
      .addGroupBy('o.status')
      .orderBy('o.kind')
      .addOrderBy('o.status')
      .getRawMany<CountRow & { kind: string; status: string }>();
    return rows.map((r) => ({ kind: r.kind, status: r.status, count: Number(r.n) }));
  }

  private async series(account: string | undefined, bucket: OverviewBucket, from: Date, to: Date) {
    // `bucket` is one of the two literals the DTO allows, written into the SQL from this map.
    const at = `date_trunc('${TRUNC[bucket]}', o.created_at AT TIME ZONE 'UTC')`;
    const rows = await this.orderQuery(account)
      .select(`to_char(${at}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`, 'at')
      .addSelect('o.status', 'status')
      .addSelect('count(*)', 'n')
      .andWhere('o.created_at >= :from AND o.created_at < :to', { from, to })
      .groupBy('"at"')
      .addGroupBy('o.status')
      .orderBy('"at"')
      .addOrderBy('o.status')
      .getRawMany<CountRow & { at: string; status: string }>();
    return rows.map((r) => ({ at: r.at, status: r.status, count: Number(r.n) }));
  }

  private async callbacksByOutcome(account: string | undefined) {
    const qb = this.dataSource
      .getRepository(PtsCallbackEntity)
      .createQueryBuilder('c')
      .select('c.kind', 'kind')
      .addSelect('c.outcome', 'outcome')
      .addSelect('count(*)', 'n')
      .groupBy('c.kind')
      .addGroupBy('c.outcome')
      .orderBy('c.kind')
      .addOrderBy('c.outcome');
    if (account) qb.where('c.account = :account', { account });
    const rows = await qb.getRawMany<CountRow & { kind: string; outcome: string }>();
    return rows.map((r) => ({ kind: r.kind, outcome: r.outcome, count: Number(r.n) }));
  }

  private async flags(account: string | undefined) {
    const rows = await this.orderQuery(account)
      .select('unnest(o.flags)', 'flag')
      .addSelect('count(*)', 'n')
      .andWhere(`o.flags <> '{}'`)
      .groupBy('"flag"')
      .orderBy('"flag"')
      .getRawMany<CountRow & { flag: string }>();
    return rows.map((r) => ({ flag: r.flag, count: Number(r.n) }));
  }
}
