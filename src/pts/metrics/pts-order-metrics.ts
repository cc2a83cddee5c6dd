import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
import { PtsMetrics } from './pts-metrics.js';

import { PTS_ORDER_FLAGS } from '../orders/pts-order-flags.js';

/**
 * Order and callback metrics on the module's registry: callbacks by outcome, transitions by
 * status, and orders by current status (read from PostgreSQL at scrape time, so every instance
 * reports the shared truth rather than what it saw itself).
 */
@Injectable()
export class PtsOrderMetrics {
  readonly callbacks: Counter<'kind' | 'outcome'>;
  readonly transitions: Counter<'kind' | 'status'>;
  readonly orders: Gauge<'kind' | 'status'>;
  readonly reconciles: Counter<'outcome'>;
  readonly flagged: Gauge<'flag'>;

  constructor(metrics: PtsMetrics, @InjectDataSource() dataSource: DataSource) {
    this.callbacks = new Counter({
      name: 'pts_callbacks_total',
      help: 'Callbacks and withdraw confirmations received, by kind and outcome.',
      labelNames: ['kind', 'outcome'] as const,
      registers: [metrics.registry],
    });
    this.transitions = new Counter({
      name: 'pts_order_transitions_total',
      help: 'Order status transitions committed by this instance, by kind and new status.',
      labelNames: ['kind', 'status'] as const,
      registers: [metrics.registry],
    });
    this.orders = new Gauge({
      name: 'pts_orders',
      help: 'Orders in the database by kind and current status.',
      labelNames: ['kind', 'status'] as const,
      registers: [metrics.registry],
      async collect() {
        const rows = await dataSource.query<{ kind: string; status: string; n: string }[]>(
          `SELECT kind, status, count(*) AS n FROM pts_orders GROUP BY kind, status`,
        );
        this.reset();
        for (const row of rows) this.set({ kind: row.kind, status: row.status }, Number(row.n));
      },
    });
    this.reconciles = new Counter({
      name: 'pts_reconcile_total',
      help: 'Scheduled reconciliation steps run by this instance, by outcome (moved, no_news, not_found, retry, failed, exhausted, interrupted_create).',
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    });
    this.flagged = new Gauge({
      name: 'pts_orders_flagged',
      help: 'Orders in the database carrying a flag for an operator (reconcile_exhausted, pay_url_missing, amount_mismatch, conflicting_final_news).',
      labelNames: ['flag'] as const,
      registers: [metrics.registry],
      async collect() {
        const rows = await dataSource.query<{ flag: string; n: string }[]>(
          `SELECT flag, count(*) AS n FROM pts_orders, unnest(flags) AS flag
            WHERE flags <> '{}' GROUP BY flag`,
        );
        this.reset();
        for (const flag of PTS_ORDER_FLAGS) this.set({ flag }, 0);
        for (const row of rows) this.set({ flag: row.flag }, Number(row.n));
      },
    });
  }
}
