import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  PTS_ORDER_STATUS_EVENT,
  PTS_ORDER_STATUS_HANDLER,
  type PtsOrderStatusEvent,
} from './pts-order-events.js';
import {
  PTS_SUBSCRIPTION_PAYMENT_EVENT,
  PTS_SUBSCRIPTION_PAYMENT_HANDLER,
  type PtsSubscriptionPaymentEvent,
} from '../subscriptions/pts-subscription-events.js';
import type { PtsOrderStatus } from './pts-order-status.js';
import { PTS_ORDERS_SETTINGS, type PtsOrdersSettings } from './pts-orders-settings.js';

type Handler = {
  name: string;
  /** The outbox `event_type` it handles: order status changes or subscription payments. */
  eventType: string;
  statuses: readonly PtsOrderStatus[];
  call: (event: PtsOrderStatusEvent) => unknown;
};

interface ClaimedRow {
  id: string;
  attempts: number;
  event_type: string;
  payload: PtsOrderStatusEvent;
}

/**
 * Delivers committed status changes from `pts_outbox` to host handlers, at least once, and
 * for each order in the order they happened (a later event waits while an earlier one fails).
 * Rows are claimed with `FOR UPDATE SKIP LOCKED` and a lease, so several service instances
 * share the work and a crashed instance's rows come back after the lease. A handler that
 * throws gets the event again with exponential backoff; after `maxAttempts` the row is parked
 * (`dead_at`) for a person.
 */
@Injectable()
export class PtsOutboxDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PtsOutboxDispatcher');
  private handlers: Handler[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(PTS_ORDERS_SETTINGS) private readonly settings: PtsOrdersSettings,
  ) {}

  onApplicationBootstrap(): void {
    this.handlers = this.discoverHandlers();
    if (this.settings.dispatchIntervalMs > 0) this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Handlers added by code rather than by decorator (e.g. tests, dynamic wiring). */
  subscribe(
    statuses: readonly PtsOrderStatus[],
    call: (event: PtsOrderStatusEvent) => unknown,
  ): () => void {
    const handler: Handler = {
      name: 'subscriber',
      eventType: PTS_ORDER_STATUS_EVENT,
      statuses,
      call,
    };
    this.handlers.push(handler);
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler);
    };
  }

  /** Code-added handlers of subscription payments (`@OnPtsSubscriptionPayment`'s twin). */
  subscribePayments(
    statuses: readonly PtsOrderStatus[],
    call: (event: PtsSubscriptionPaymentEvent) => unknown,
  ): () => void {
    const handler: Handler = {
      name: 'subscriber',
      eventType: PTS_SUBSCRIPTION_PAYMENT_EVENT,
      statuses,
      call: call as unknown as Handler['call'],
    };
    this.handlers.push(handler);
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler);
    };
  }

  /** Ask for a delivery round soon (after a commit that wrote events). */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** One delivery round; resolves when every claimable row was tried. Exposed for tests. */
  async drain(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const rows = await this.claim();
      if (rows.length === 0) return delivered;
      for (const row of rows) {
        if (await this.deliver(row)) delivered++;
      }
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.drain()
        .then(() => undefined)
        .catch((error: unknown) => {
          this.logger.warn(`outbox round failed: ${describe(error)}`);
        })
        .finally(() => {
          this.running = undefined;
          const soon = this.again;
          this.again = false;
          this.schedule(soon ? 0 : this.settings.dispatchIntervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  private async claim(): Promise<ClaimedRow[]> {
    const rows: ClaimedRow[] = await this.dataSource.query(
      // A CTE so that TypeORM hands back rows (a bare UPDATE ... RETURNING gives [rows, count]).
      `WITH claimed AS (
         UPDATE pts_outbox SET attempts = attempts + 1,
                available_at = now() + make_interval(secs => $1)
          WHERE id IN (SELECT o.id FROM pts_outbox o
                        WHERE o.delivered_at IS NULL AND o.dead_at IS NULL
                          AND o.available_at <= now()
                          -- An order's events go out in order: none while an earlier one waits.
                          AND NOT EXISTS (SELECT 1 FROM pts_outbox e
                                           WHERE e.order_ref = o.order_ref AND e.id < o.id
                                             AND e.delivered_at IS NULL AND e.dead_at IS NULL)
                        ORDER BY o.id LIMIT 20 FOR UPDATE SKIP LOCKED)
          RETURNING id, attempts, event_type, payload)
       SELECT id, attempts, event_type, payload FROM claimed ORDER BY id`,
      [this.settings.dispatchLeaseMs / 1000],
    );
    return rows;
  }

  private async deliver(row: ClaimedRow): Promise<boolean> {
    const event = row.payload;
    try {
      for (const handler of this.handlers) {
        if (handler.eventType !== row.event_type) continue;
        if (handler.statuses.length === 0 || handler.statuses.includes(event.status)) {
          await handler.call(event);
        }
      }
      await this.dataSource.query(
        `UPDATE pts_outbox SET delivered_at = now(), last_error = NULL WHERE id = $1`,
        [row.id],
      );
      return true;
    } catch (error) {
      const dead = row.attempts >= this.settings.dispatchMaxAttempts;
      const backoffMs = Math.min(
        this.settings.dispatchRetryBaseMs * 2 ** (row.attempts - 1),
        this.settings.dispatchRetryMaxMs,
      );
      this.logger.warn(
        `handler failed for ${event.idempotencyKey} (attempt ${row.attempts}${dead ? ', giving up' : ''}): ${describe(error)}`,
      );
      await this.dataSource.query(
        `UPDATE pts_outbox SET last_error = $2,
                available_at = now() + make_interval(secs => $3),
                dead_at = CASE WHEN $4 THEN now() END
          WHERE id = $1`,
        [row.id, describe(error).slice(0, 2000), backoffMs / 1000, dead],
      );
      return false;
    }
  }

  private discoverHandlers(): Handler[] {
    const found: Handler[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = (instance as Record<string, unknown>)[method];
        if (typeof fn !== 'function') continue;
        for (const [metadataKey, eventType] of HANDLER_KINDS) {
          const statuses = this.reflector.get<PtsOrderStatus[] | undefined>(
            metadataKey,
            fn as (...args: unknown[]) => unknown,
          );
          if (statuses === undefined) continue;
          found.push({
            name: `${instance.constructor.name}.${method}`,
            eventType,
            statuses,
            call: (event) => (fn as (e: PtsOrderStatusEvent) => unknown).call(instance, event),
          });
        }
      }
    }
    return found;
  }
}

/** Decorator metadata key -> the outbox `event_type` its handlers receive. */
const HANDLER_KINDS: readonly [string, string][] = [
  [PTS_ORDER_STATUS_HANDLER, PTS_ORDER_STATUS_EVENT],
  [PTS_SUBSCRIPTION_PAYMENT_HANDLER, PTS_SUBSCRIPTION_PAYMENT_EVENT],
];

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
