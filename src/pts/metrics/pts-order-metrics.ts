import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
import { PtsMetrics } from './pts-metrics.js';

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
  }
}
