import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PtsJobs, PTS_JOB_QUEUES, type PtsJob } from './pts-jobs.js';
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
  order_ref: string;
  attempts: number;
  event_type: string;
  payload: PtsOrderStatusEvent;
}

/** Wake-ups one worker takes at a time. */
const BATCH = 50;
/** Orders claimed together and delivered side by side (each order's events stay in order). */
const PARALLEL_ORDERS = 8;
/** Events of one order claimed at a time. */
const CLAIM = 20;

/**
 * Delivers committed status changes from `pts_outbox` to host handlers, at least once, and for
 * each order in the order they happened (a later event waits while an earlier one fails).
 * Every event is written with a wake-up job for its order in the transaction of the change;
 * the job engine hands each wake-up to one instance, which delivers that order's pending events
 * in id order. The claim looks at one order's rows only (an index range), so it costs the same
 * with 10 or 10,000 events pending, whatever the table statistics say. A handler that throws
 * gets the event again with exponential backoff (a wake-up for that moment); after
 * `dispatchMaxAttempts` the event is parked (`dead_at`) for a person and later events go on.
 */
@Injectable()
export class PtsOutboxDispatcher implements OnApplicationBootstrap {
  private readonly logger = new Logger('PtsOutboxDispatcher');
  private handlers: Handler[] = [];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: PtsJobs,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(PTS_ORDERS_SETTINGS) private readonly settings: PtsOrdersSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.handlers = this.discoverHandlers();
    await this.jobs.work<{ orderRef: string }>(
      PTS_JOB_QUEUES.events,
      { batchSize: BATCH },
      async (jobs) => this.wake(jobs),
    );
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

  /** Ask this instance's workers to look now (after a commit that wrote events). */
  nudge(): void {
    this.jobs.notify(PTS_JOB_QUEUES.events);
  }

  /** Delivers the pending events of one order, oldest first; the number delivered. */
  deliverOrder(orderRef: string): Promise<number> {
    return this.deliverOrders([orderRef]);
  }

  /**
   * Delivers the pending events of these orders, each order's oldest first, `PARALLEL_ORDERS`
   * orders side by side; the number delivered. Orders go in groups of that size: one statement
   * claims what is ready for the group (up to `CLAIM` per order), its orders are delivered side
   * by side, one statement marks what the handlers took. So each order's lease starts when its
   * delivery does (one claim for a whole batch of 50 would start the last orders' leases while
   * the first were still at their handlers), and a group costs two statements, not two per
   * order. An order that had `CLAIM` ready goes round again; one with fewer had them all (an
   * event written meanwhile comes with a wake-up of its own).
   */
  async deliverOrders(orderRefs: readonly string[]): Promise<number> {
    let delivered = 0;
    const waiting = [...new Set(orderRefs)];
    while (waiting.length > 0) {
      const group = waiting.splice(0, PARALLEL_ORDERS);
      const claimed = groupByOrder(await this.claim(group));
      const done: string[] = [];
      await Promise.all(
        [...claimed].map(async ([orderRef, rows]) => {
          const all = await this.deliverInOrder(orderRef, rows, done);
          if (all && rows.length === CLAIM) waiting.push(orderRef);
        }),
      );
      if (done.length > 0) {
        await this.dataSource.query(
          `UPDATE pts_outbox SET delivered_at = now(), last_error = NULL WHERE id = ANY($1::bigint[])`,
          [done],
        );
      }
      delivered += done.length;
    }
    return delivered;
  }

  /**
   * One order's claimed events to the handlers in id order, the delivered ones' ids added to
   * `done`; false when one failed (it holds back the rest, which are handed back now so that
   * they follow its retry rather than wait for their lease).
   */
  private async deliverInOrder(
    orderRef: string,
    rows: ClaimedRow[],
    done: string[],
  ): Promise<boolean> {
    for (const [index, row] of rows.entries()) {
      const outcome = await this.deliver(row, orderRef);
      if (outcome === 'delivered') done.push(row.id);
      if (outcome === 'retry') {
        await this.release(rows.slice(index + 1).map((r) => r.id));
        return false;
      }
    }
    return true;
  }

  private async wake(jobs: PtsJob<{ orderRef: string }>[]): Promise<void> {
    await this.deliverOrders(jobs.map((job) => job.data.orderRef));
  }

  /**
   * Each order's oldest pending events that no other delivery holds (`available_at` is both
   * the lease of a delivery in progress and the time of the next retry), in id order and up to
   * the first one that is not ready: a later event never overtakes an earlier one. Each order
   * is an index range of its own (a lateral subquery per order), so the claim costs the same
   * with 10 or 10,000 events pending, whatever the table statistics say. Orders are locked in
   * one sorted order, so two instances claiming overlapping sets wait rather than deadlock.
   * Hand-written SQL: row locks with the lease check after them, which the query builder
   * cannot say.
   */
  private async claim(orderRefs: readonly string[]): Promise<ClaimedRow[]> {
    return this.dataSource.query(
      `WITH pending AS (
         SELECT p.id, p.order_ref, p.ready
           FROM unnest($1::uuid[]) AS r(order_ref)
          CROSS JOIN LATERAL (
                SELECT o.id, o.order_ref, o.available_at <= now() AS ready FROM pts_outbox o
                 WHERE o.order_ref = r.order_ref AND o.delivered_at IS NULL AND o.dead_at IS NULL
                 ORDER BY o.id LIMIT $3 FOR UPDATE) p),
       ready AS (
         SELECT p.id FROM pending p
          WHERE p.id < COALESCE((SELECT min(n.id) FROM pending n
                                  WHERE n.order_ref = p.order_ref AND NOT n.ready),
                                9223372036854775807)),
       claimed AS (
         UPDATE pts_outbox o SET attempts = o.attempts + 1,
                available_at = now() + make_interval(secs => $2)
           FROM ready WHERE o.id = ready.id
         RETURNING o.id, o.order_ref, o.attempts, o.event_type, o.payload)
       SELECT id, order_ref, attempts, event_type, payload FROM claimed ORDER BY id`,
      [[...orderRefs].sort(), this.settings.dispatchLeaseMs / 1000, CLAIM],
    );
  }

  /** Claimed events that were not attempted go back to the queue as they were. */
  private async release(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE pts_outbox SET attempts = attempts - 1, available_at = now() WHERE id = ANY($1::bigint[])`,
      [ids],
    );
  }

  private async deliver(
    row: ClaimedRow,
    orderRef: string,
  ): Promise<'delivered' | 'retry' | 'parked'> {
    const event = row.payload;
    try {
      for (const handler of this.handlers) {
        if (handler.eventType !== row.event_type) continue;
        if (handler.statuses.length === 0 || handler.statuses.includes(event.status)) {
          await handler.call(event);
        }
      }
      return 'delivered';
    } catch (error) {
      const dead = row.attempts >= this.settings.dispatchMaxAttempts;
      const backoffMs = Math.min(
        this.settings.dispatchRetryBaseMs * 2 ** (row.attempts - 1),
        this.settings.dispatchRetryMaxMs,
      );
      this.logger.warn(
        `handler failed for ${event.idempotencyKey} (attempt ${row.attempts}${dead ? ', parked' : ''}): ${describe(error)}`,
      );
      await this.dataSource.transaction(async (manager) => {
        await manager.query(
          `UPDATE pts_outbox SET last_error = $2,
                  available_at = now() + make_interval(secs => $3),
                  dead_at = CASE WHEN $4 THEN now() END
            WHERE id = $1`,
          [row.id, describe(error).slice(0, 2000), backoffMs / 1000, dead],
        );
        if (!dead) {
          // The retry: a wake-up at the same database time as the event's `available_at`.
          await this.jobs.send(
            manager,
            PTS_JOB_QUEUES.events,
            { orderRef },
            { startAfter: backoffMs / 1000 },
          );
        }
      });
      return dead ? 'parked' : 'retry';
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

/** Claimed rows by order, each order's in id order (as claimed), orders in first-claimed order. */
function groupByOrder(rows: ClaimedRow[]): Map<string, ClaimedRow[]> {
  const byOrder = new Map<string, ClaimedRow[]>();
  for (const row of rows) {
    const list = byOrder.get(row.order_ref);
    if (list) list.push(row);
    else byOrder.set(row.order_ref, [row]);
  }
  return byOrder;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
