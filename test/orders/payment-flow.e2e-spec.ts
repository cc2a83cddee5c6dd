import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitCheckout } from '../support/checkout.js';
import {
  ADMIN_KEY,
  startTestService,
  VIEWER_KEY,
  type TestService,
} from '../support/test-service.js';
import { eventually } from '../support/waiting.js';

type OrderBody = {
  orderId: string;
  status: string;
  transactionId: string | null;
  payUrl: string | null;
  amount: string;
  details: Record<string, unknown> | null;
  callbacks: { outcome: string; reason: string | null; ptsStatus: string | null }[];
  history: { from: string | null; to: string; cause: string }[];
};

describe('payments and withdrawals end to end (admin API, sandbox, real PostgreSQL)', () => {
  let service: TestService;
  const admin = () => ({ Authorization: `Bearer ${ADMIN_KEY}` });

  beforeAll(async () => {
    service = await startTestService({ label: 'flow', withdrawConfirm: true });
  });

  afterAll(async () => {
    await service?.close();
  });

  async function order(orderId: string): Promise<OrderBody> {
    const res = await request(service.url).get(`/admin/orders/${orderId}`).set(admin());
    expect(res.status).toBe(200);
    return res.body as OrderBody;
  }

  function createPayment(body: Record<string, unknown>, idempotencyKey?: string) {
    const req = request(service.url).post('/admin/payments').set(admin());
    if (idempotencyKey) req.set('Idempotency-Key', idempotencyKey);
    return req.send(body);
  }

  it('takes a payment from create through the checkout page to success', async () => {
    const created = await createPayment({ amount: '100.10', currency: 'PHP', channel: 'QRPH' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'waiting', amount: '100.10', kind: 'payment' });
    expect(created.body.transactionId).toMatch(/^P/);
    expect(created.body.payUrl).toContain('/sandbox/checkout/');
    expect(created.body.callbackUrl).toBe(`${service.url}/pts/callback/payment`);
    const orderId = created.body.orderId as string;

    await submitCheckout(created.body.payUrl as string, 'pay');
    const done = await eventually(
      async () => {
        const o = await order(orderId);
        return o.status === 'success' ? o : undefined;
      },
      5000,
      'success',
    );

    expect(done.history.map((h) => [h.from, h.to, h.cause])).toEqual([
      [null, 'created', 'create'],
      ['created', 'waiting', 'gateway_accepted'],
      ['waiting', 'processing', 'callback'],
      ['processing', 'success', 'callback'],
    ]);
    expect(done.callbacks.map((c) => [c.ptsStatus, c.outcome])).toEqual([
      ['1000', 'applied'],
      ['2000', 'applied'],
    ]);
    const statuses = await eventually(() => {
      const seen = service.events.filter((e) => e.orderId === orderId).map((e) => e.status);
      return seen.includes('success') ? seen : undefined;
    });
    expect(statuses).toEqual(['created', 'waiting', 'processing', 'success']);
  });

  it('marks a payment failed when the payer chooses Fail', async () => {
    const created = await createPayment({ amount: '5', currency: 'PHP', channel: 'QRPH' });
    expect(created.status).toBe(201);
    await submitCheckout(created.body.payUrl as string, 'fail');
    const done = await eventually(async () => {
      const o = await order(created.body.orderId as string);
      return o.status === 'failed' ? o : undefined;
    });
    expect(done.callbacks.at(-1)).toMatchObject({ ptsStatus: '3000', outcome: 'applied' });
  });

  it('confirms a withdrawal it created and follows it to success', async () => {
    const created = await request(service.url)
      .post('/admin/withdrawals')
      .set(admin())
      .send({
        amount: '250.00',
        currency: 'PHP',
        channel: 'QRPH_INSTAPAY',
        details: {
          channelSubject: 'UNO',
          accountNumber: '1234567890',
          name: 'Juan Dela Cruz',
          email: 'juan@example.com',
          phone: '09123456789',
          address: 'Manila',
        },
      });
    expect(created.status).toBe(201);
    expect(created.body.transactionId).toMatch(/^W/);
    const done = await eventually(
      async () => {
        const o = await order(created.body.orderId as string);
        return o.status === 'success' ? o : undefined;
      },
      8000,
      'withdraw success',
    );
    const confirm = await request(service.url)
      .get('/admin/callbacks')
      .set(admin())
      .query({ outcome: 'applied', limit: 200 });
    const confirmation = (confirm.body.items as { kind: string; orderId: string }[]).find(
      (c) => c.kind === 'withdrawConfirm' && c.orderId === created.body.orderId,
    );
    expect(confirmation).toBeDefined();
    expect(done.details).toMatchObject({ accountNumber: '…7890' });
  });

  it('answers the same Idempotency-Key and body with the same order and no second gateway request', async () => {
    const body = { amount: '42.00', currency: 'PHP', channel: 'QRPH' };
    const first = await createPayment(body, 'idem-1');
    const creates = () =>
      service.sandbox.requests.filter(
        (r) => r.endpoint === 'payment' && r.orderId === first.body.orderId,
      ).length;
    const second = await createPayment(body, 'idem-1');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.orderId).toBe(first.body.orderId);
    expect(creates()).toBe(1);
    const other = await createPayment({ ...body, amount: '43.00' }).set(
      'Idempotency-Key',
      'idem-1',
    );
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ statusCode: 422 });
    expect(other.body.message).toContain('Idempotency-Key');
  });

  it('sends one request to the gateway for concurrent creates with one Idempotency-Key', async () => {
    const body = { amount: '15.00', currency: 'PHP', channel: 'QRPH' };
    const replies = await Promise.all(
      Array.from({ length: 6 }, () => createPayment(body, 'idem-concurrent')),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(6).fill(201));
    const ids = new Set(replies.map((r) => r.body.orderId as string));
    expect(ids.size).toBe(1);
    const [orderId] = [...ids];
    expect(
      service.sandbox.requests.filter((r) => r.endpoint === 'payment' && r.orderId === orderId),
    ).toHaveLength(1);
  });

  it('keeps a payment settled while its create answer was on the way, and fills in the answer', async () => {
    // The create's own row version is stale by the time its answer comes back: the checked
    // move writes nothing, and the locked move takes the answer as older news.
    const orderId = `overtaken-${Date.now()}`;
    const userId = service.credentials.userId;
    service.sandbox.setFault({ kind: 'delay', ms: 1000, endpoint: 'payment', orderId, times: 1 });
    // Sent now (`then` starts a supertest request), awaited once the callback is in.
    const pending = createPayment({
      orderId,
      amount: '42.00',
      currency: 'PHP',
      channel: 'QRPH',
    }).then((res) => res);
    await eventually(() => service.sandbox.order(userId, orderId), 5000, 'the sandbox has it');
    await service.sandbox.settle(userId, orderId, 'pay');
    await eventually(
      async () => (await order(orderId)).status === 'success',
      5000,
      'the callback applied while the create waits for its answer',
    );

    const created = await pending;
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ orderId, status: 'success', ptsStatus: '2000' });
    expect(created.body.payUrl).toContain('/sandbox/checkout/');
    const stored = await order(orderId);
    expect(stored.payUrl).toBe(created.body.payUrl);
    // The sandbox's settle reports `processing`, then `success`; the late answer moved nothing.
    expect(stored.history.map((h) => [h.from, h.to, h.cause])).toEqual([
      [null, 'created', 'create'],
      ['created', 'processing', 'callback'],
      ['processing', 'success', 'callback'],
    ]);
  });

  it('refuses a second order with the same orderId with 409', async () => {
    const first = await createPayment({
      orderId: 'dup-1',
      amount: '1',
      currency: 'PHP',
      channel: 'QRPH',
    });
    const second = await createPayment({
      orderId: 'dup-1',
      amount: '1',
      currency: 'PHP',
      channel: 'QRPH',
    });
    expect(first.status).toBe(201);
    expect(second.status).toBe(409);
  });

  it('requires an admin key, and an admin one to write', async () => {
    const none = await request(service.url).get('/admin/orders');
    expect(none.status).toBe(401);
    const wrong = await request(service.url)
      .get('/admin/orders')
      .set('Authorization', 'Bearer nope');
    expect(wrong.status).toBe(401);
    const viewerRead = await request(service.url)
      .get('/admin/orders')
      .set('Authorization', `Bearer ${VIEWER_KEY}`);
    expect(viewerRead.status).toBe(200);
    const viewerWrite = await request(service.url)
      .post('/admin/payments')
      .set('Authorization', `Bearer ${VIEWER_KEY}`)
      .send({ amount: '1', currency: 'PHP', channel: 'QRPH' });
    expect(viewerWrite.status).toBe(403);
  });

  it('answers validation errors with 400 and the names of the fields', async () => {
    const res = await createPayment({ amount: 100.1, currency: 'PHP', extra: 1 });
    expect(res.status).toBe(400);
    const text = JSON.stringify(res.body.message);
    expect(text).toContain('amount');
    expect(text).toContain('channel');
    expect(text).toContain('extra');
    for (const amount of ['0', '0.000', '1.1234567', '-5', '1e3', ' 1']) {
      const bad = await createPayment({ amount, currency: 'PHP', channel: 'QRPH' });
      expect(bad.status, amount).toBe(400);
    }
    const badDetails = await request(service.url)
      .post('/admin/withdrawals')
      .set(admin())
      .send({ amount: '1', currency: 'PHP', channel: 'QRPH_INSTAPAY', details: { name: 'x' } });
    expect(badDetails.status).toBe(400);
    expect(JSON.stringify(badDetails.body.message)).toContain('details.accountNumber');
  });

  it("shows the account's balance and channels at PTS", async () => {
    const balance = await request(service.url).get('/admin/balance').set(admin());
    expect(balance.status).toBe(200);
    expect(balance.body.account).toBe('main');
    expect(Object.keys(balance.body.balances as object)).toContain('PHP');
    const channels = await request(service.url).get('/admin/channels').set(admin());
    expect(channels.status).toBe(200);
    expect(channels.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ channel: 'QRPH', type: 'payment' })]),
    );
    const unknownAccount = await request(service.url)
      .get('/admin/balance')
      .set(admin())
      .query({ account: 'nope' });
    expect(unknownAccount.status).toBe(400);
  });

  it('answers 404 for an order it does not know', async () => {
    const res = await request(service.url).get('/admin/orders/no-such-order').set(admin());
    expect(res.status).toBe(404);
  });

  it('walks every order exactly once with the cursor', async () => {
    for (let i = 0; i < 7; i++) {
      const res = await createPayment({
        orderId: `page-${i}`,
        amount: '1',
        currency: 'PHP',
        channel: 'QRPH',
      });
      expect(res.status).toBe(201);
    }
    const all = await request(service.url).get('/admin/orders').set(admin()).query({ limit: 200 });
    const expected = (all.body.items as { orderId: string }[]).map((o) => o.orderId);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await request(service.url)
        .get('/admin/orders')
        .set(admin())
        .query(cursor ? { limit: 3, cursor } : { limit: 3 });
      expect(res.status).toBe(200);
      seen.push(...(res.body.items as { orderId: string }[]).map((o) => o.orderId));
      cursor = res.body.nextCursor as string | null;
      pages++;
    } while (cursor && pages < 100);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(7);
    const bad = await request(service.url)
      .get('/admin/orders')
      .set(admin())
      .query({ cursor: 'junk' });
    expect(bad.status).toBe(400);
  });

  it('serves the OpenAPI document of the admin API at /docs', async () => {
    // Behind an admin or viewer key on the public port (docs/hardening.md).
    const res = await request(service.url).get('/docs/json').set(admin());
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths as object)).toEqual(
      expect.arrayContaining(['/admin/payments', '/admin/withdrawals', '/admin/orders/{orderId}']),
    );
    const ui = await request(service.url).get('/docs').set(admin());
    expect(ui.status).toBe(200);
  });
});

describe('a create that times out', () => {
  let service: TestService;

  beforeAll(async () => {
    // Callbacks go nowhere (port 9 refuses), so only a query can tell what happened.
    service = await startTestService({
      label: 'timeout',
      pts: { callbackBaseUrl: 'http://127.0.0.1:9', timeoutMs: 500 },
      sandbox: { callbackRetry: { attempts: 1, baseDelayMs: 10 } },
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('leaves the order unknown, answers 504 with its id, and a later sync settles it', async () => {
    service.sandbox.setFault({ kind: 'delay', ms: 1500, endpoint: 'payment', times: 1 });
    const started = Date.now();
    const res = await request(service.url)
      .post('/admin/payments')
      .set('Authorization', `Bearer ${ADMIN_KEY}`)
      .send({ orderId: 'slow-1', amount: '12.50', currency: 'PHP', channel: 'QRPH' });
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(res.body.order).toMatchObject({ orderId: 'slow-1', status: 'unknown' });
    const creates = service.sandbox.requests.filter((r) => r.endpoint === 'payment');
    expect(creates).toHaveLength(1);

    await service.sandbox.settle(service.credentials.userId, 'slow-1', 'pay');
    const synced = await request(service.url)
      .post('/admin/orders/slow-1/sync')
      .set('Authorization', `Bearer ${ADMIN_KEY}`);
    expect(synced.status).toBe(200);
    expect(synced.body).toMatchObject({ status: 'success', ptsStatus: '2000' });
    expect(synced.body.transactionId).toMatch(/^P/);
    const detail = await request(service.url)
      .get('/admin/orders/slow-1')
      .set('Authorization', `Bearer ${ADMIN_KEY}`);
    expect(
      detail.body.history.map((h: { to: string; cause: string }) => `${h.to}:${h.cause}`),
    ).toEqual(['created:create', 'unknown:gateway_no_answer', 'success:query']);
  });
});
