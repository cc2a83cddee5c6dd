import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtsOrderReconciler } from '../../src/pts/orders/pts-order-reconciler.js';
import { ADMIN_KEY, startTestService, type TestService } from '../support/test-service.js';
import { eventually, quietFor } from '../support/waiting.js';
import { subscriptionRequest } from './support/subscription-request.js';

/**
 * Reconciliation and subscriptions: PTS has no query for a subscription (docs/protocol.md
 * B4.11), so the schedule never takes one, whatever its status; a payment created beside them
 * in the same window is queried, so the schedule did run.
 */

const admin = { Authorization: `Bearer ${ADMIN_KEY}` };
let seq = 0;

function subscriptionBody() {
  return subscriptionRequest(`rsub-${++seq}-${Date.now()}`);
}

interface OrderRow {
  status: string;
  next_reconcile_at: Date | null;
  flags: string[];
}

describe('reconciliation leaves subscriptions alone', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({
      label: 'subs_reconcile',
      // Callbacks go nowhere, so only reconciliation could move the payment below.
      pts: { callbackBaseUrl: 'http://127.0.0.1:9', timeoutMs: 500 },
      sandbox: { subscriptionUnitMs: 0, callbackRetry: { attempts: 1, baseDelayMs: 10 } },
      orders: { reconcileDelays: '1s,2s', reconcileRetryDelayMs: 1000 },
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  const row = async (orderId: string): Promise<OrderRow> =>
    (
      await service.db.dataSource.query<OrderRow[]>(
        `SELECT status, next_reconcile_at, flags FROM pts_orders WHERE order_id = $1`,
        [orderId],
      )
    )[0];
  const queried = (orderId: string) =>
    service.sandbox.requests.filter((r) => r.orderId === orderId && /Query$/.test(r.endpoint));

  it('never queries an active or an unknown subscription, while a payment beside them is queried', async () => {
    const active = subscriptionBody();
    const created = await request(service.url).post('/admin/subscriptions').set(admin).send(active);
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('active');

    // A subscribe without an answer: `unknown`, which for a payment is what reconciliation is for.
    const lost = subscriptionBody();
    service.sandbox.setFault({ kind: 'drop', endpoint: 'subscribe', times: 1 });
    const dropped = await request(service.url).post('/admin/subscriptions').set(admin).send(lost);
    expect(dropped.status).toBeGreaterThanOrEqual(502);
    expect((await row(lost.orderId)).status).toBe('unknown');

    const payment = await request(service.url)
      .post('/admin/payments')
      .set(admin)
      .send({ orderId: `rpay-${Date.now()}`, amount: '5.00', currency: 'PHP', channel: 'QRPH' });
    expect(payment.status).toBe(201);
    const paymentId = payment.body.orderId as string;

    // The payment runs through its whole schedule (two queries, then flagged)...
    await eventually(
      async () => ((await row(paymentId)).flags.includes('reconcile_exhausted') ? true : undefined),
      8000,
      'the payment flagged reconcile_exhausted',
    );
    expect(queried(paymentId)).toHaveLength(2);
    // ... and a sweep for lost wake-ups finds nothing of the subscriptions either.
    await service.app.get(PtsOrderReconciler).sweep(0);
    // Room for a reconcile step (1 s) the sweep might wrongly have scheduled: none may run.
    await quietFor(1200);

    for (const orderId of [active.orderId, lost.orderId]) {
      expect(queried(orderId)).toEqual([]);
      const stored = await row(orderId);
      expect(stored.next_reconcile_at).toBeNull();
      expect(stored.flags).not.toContain('reconcile_exhausted');
    }
    expect((await row(active.orderId)).status).toBe('active');
    expect((await row(lost.orderId)).status).toBe('unknown');
    const causes = await service.db.dataSource.query<{ cause: string }[]>(
      `SELECT h.cause FROM pts_order_history h JOIN pts_orders o ON o.id = h.order_ref
        WHERE o.order_id = ANY($1)`,
      [[active.orderId, lost.orderId]],
    );
    expect(causes.map((c) => c.cause)).not.toContain('reconcile');
    expect(causes.map((c) => c.cause)).not.toContain('interrupted');
  });

  it('answers a sync of a subscription 400 (no query endpoint) without asking PTS', async () => {
    const body = subscriptionBody();
    expect(
      (await request(service.url).post('/admin/subscriptions').set(admin).send(body)).status,
    ).toBe(201);
    const res = await request(service.url).post(`/admin/orders/${body.orderId}/sync`).set(admin);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/is a subscription; PTS has no query for subscriptions/);
    expect(queried(body.orderId)).toEqual([]);
  });
});
