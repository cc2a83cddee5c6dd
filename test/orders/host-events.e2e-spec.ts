import { Injectable, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OnPtsOrderStatus,
  PtsModule,
  PtsPayments,
  type PtsOrderStatusEvent,
} from '../../src/pts/index.js';
import type { PtsSandboxCredentials } from '../../src/sandbox/index.js';
import { callbackFields, signedCallbackBody } from '../support/pts-test-callbacks.js';
import { startSandboxHost, type SandboxHost } from '../support/sandbox-host.js';
import type { TestDatabase } from '../support/test-database.js';
import { eventually } from '../support/waiting.js';

@Injectable()
class ShopOrders {
  /** `orderId:status` keys whose next delivery fails, to rehearse a busy shop. */
  readonly failOnce = new Set<string>();
  /** `orderId:status` keys whose deliveries always fail. */
  readonly failAlways = new Set<string>();
  /** Every delivery attempt, failed ones included. */
  readonly attempts: PtsOrderStatusEvent[] = [];
  readonly paid: PtsOrderStatusEvent[] = [];
  readonly everything: string[] = [];

  // Declared first, so it runs before the other handlers of the same event.
  @OnPtsOrderStatus()
  gate(event: PtsOrderStatusEvent): void {
    this.attempts.push(event);
    if (this.failAlways.has(`${event.orderId}:${event.status}`)) {
      throw new Error('this event always fails');
    }
    if (this.failOnce.delete(`${event.orderId}:${event.status}`)) {
      throw new Error('the shop database is busy');
    }
  }

  @OnPtsOrderStatus('success')
  async markPaid(event: PtsOrderStatusEvent): Promise<void> {
    this.paid.push(event);
  }

  @OnPtsOrderStatus()
  audit(event: PtsOrderStatusEvent): void {
    this.everything.push(`${event.orderId}:${event.status}`);
  }
}

/**
 * The module as a host app uses it (README, "Using the module in your app"): its own TypeORM wiring, forRootAsync,
 * a decorated handler, Nest's `rawBody: true` instead of our middleware.
 */
describe('PtsModule in a host app: status events reach decorated handlers', () => {
  let host: SandboxHost;
  let db: TestDatabase;
  let credentials: PtsSandboxCredentials;
  let app: INestApplication;

  beforeAll(async () => {
    host = await startSandboxHost({
      label: 'hostevents',
      pts: (account) =>
        PtsModule.forRootAsync({
          useFactory: () => ({
            accounts: [account],
            orders: { dispatchIntervalMs: 50, dispatchRetryBaseMs: 50, dispatchMaxAttempts: 3 },
          }),
        }),
      providers: [ShopOrders],
    });
    ({ db, credentials, app } = host);
  });

  afterAll(async () => {
    await host?.close();
  });

  function successCallback(order: { orderId: string; amount: string }) {
    return request(app.getHttpServer())
      .post('/pts/callback/payment')
      .set('Content-Type', 'application/json')
      .send(
        signedCallbackBody(
          {
            gatewayPrivateKeyPem: credentials.gatewayPrivateKeyPem,
            safecode: credentials.safecode,
          },
          callbackFields(credentials.userId, order, '2000'),
        ),
      );
  }

  it('delivers a committed success again after the handler threw, with one idempotency key', async () => {
    const shop = app.get(ShopOrders);
    const orderId = `host-${Date.now()}`;
    shop.failOnce.add(`${orderId}:success`);
    const order = await app
      .get(PtsPayments)
      .createPayment({ orderId, amount: '99.99', currency: 'PHP', channel: 'QRPH' });
    const reply = await successCallback(order);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('SUCCESS');

    await eventually(() => shop.paid.some((e) => e.orderId === orderId), 5000, 'the redelivery');
    const tries = shop.attempts.filter((e) => e.orderId === orderId && e.status === 'success');
    expect(tries).toHaveLength(2);
    expect(tries[0].idempotencyKey).toBe(tries[1].idempotencyKey);
    expect(shop.paid.filter((e) => e.orderId === orderId)).toHaveLength(1);
    expect(tries[0]).toMatchObject({
      status: 'success',
      previousStatus: 'waiting',
      amount: '99.99',
    });
    // `markPaid` has run, but the dispatcher marks the event delivered only after every handler
    // of it returned: wait for that commit rather than read the row in between.
    const row = await eventually(
      async () => {
        const [found] = await db.dataSource.query<
          { attempts: number; delivered_at: Date | null }[]
        >(`SELECT attempts, delivered_at FROM pts_outbox WHERE idempotency_key = $1`, [
          tries[0].idempotencyKey,
        ]);
        return found?.delivered_at ? found : undefined;
      },
      5000,
      'the delivery to be committed',
    );
    expect(row.attempts).toBe(2);
    expect(row.delivered_at).not.toBeNull();
  });

  it("holds an order's later events while an earlier one is being retried", async () => {
    const shop = app.get(ShopOrders);
    const orderId = `fifo-${Date.now()}`;
    shop.failOnce.add(`${orderId}:waiting`);
    const order = await app
      .get(PtsPayments)
      .createPayment({ orderId, amount: '10.00', currency: 'PHP', channel: 'QRPH' });
    expect((await successCallback(order)).text).toBe('SUCCESS');
    await eventually(() => shop.everything.includes(`${orderId}:success`), 5000, 'success');
    expect(shop.failOnce.has(`${orderId}:waiting`)).toBe(false);
    expect(shop.everything.filter((e) => e.startsWith(orderId))).toEqual([
      `${orderId}:created`,
      `${orderId}:waiting`,
      `${orderId}:success`,
    ]);
  });

  it("parks an event after the last attempt, and the order's later events go on", async () => {
    const shop = app.get(ShopOrders);
    const orderId = `park-${Date.now()}`;
    shop.failAlways.add(`${orderId}:waiting`);
    const order = await app
      .get(PtsPayments)
      .createPayment({ orderId, amount: '11.00', currency: 'PHP', channel: 'QRPH' });
    expect((await successCallback(order)).text).toBe('SUCCESS');
    await eventually(() => shop.everything.includes(`${orderId}:success`), 8000, 'success');
    const tries = shop.attempts.filter((e) => e.orderId === orderId && e.status === 'waiting');
    expect(tries).toHaveLength(3);
    const [row] = await db.dataSource.query<
      { attempts: number; dead_at: Date | null; delivered_at: Date | null; last_error: string }[]
    >(
      `SELECT attempts, dead_at, delivered_at, last_error FROM pts_outbox WHERE idempotency_key = $1`,
      [tries[0].idempotencyKey],
    );
    expect(row).toMatchObject({ attempts: 3, delivered_at: null });
    expect(row.dead_at).not.toBeNull();
    expect(row.last_error).toContain('always fails');
  });
});
