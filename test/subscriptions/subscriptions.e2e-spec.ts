import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonLogger } from '../../src/app/logging/json-logger.js';
import { PtsOutboxDispatcher } from '../../src/pts/orders/pts-outbox-dispatcher.js';
import type { PtsSubscriptionPaymentEvent } from '../../src/pts/index.js';
import { handRsaSign, handSignString } from '../support/hand-made-pts.js';
import { ADMIN_KEY, startTestService, type TestService } from '../support/test-service.js';
import { eventually, quietFor } from '../support/waiting.js';

/**
 * v2.1 subscriptions end to end (B4.11, docs/subscriptions.md): the admin API, the sandbox
 * gateway charging and calling back over real HTTP, PostgreSQL, host events; and the card
 * number searched for everywhere afterwards.
 */

/** A recognisable test card number (valid check digit). */
const CARD = '4242424242424242';
const CVC = '9417';
const YEAR = String(new Date().getUTCFullYear() + 2);

const admin = () => ({ Authorization: `Bearer ${ADMIN_KEY}` });
let seq = 0;

function body(overrides: Record<string, unknown> = {}) {
  return {
    orderId: `sub-${++seq}-${Date.now()}`,
    amount: '499.00',
    currency: 'PHP',
    channel: 'CARD',
    card: { number: CARD, expMonth: '07', expYear: YEAR, cvc: CVC },
    firstName: 'Juan',
    lastName: 'Dela Cruz',
    periodCount: 1,
    periodUnit: 'month',
    ...overrides,
  };
}

/** Every row of every table of the test schema and of its job schema, as one text. */
async function dumpSchema(service: TestService): Promise<string> {
  const schemas = [service.db.settings.schema, `${service.db.settings.schema}_jobs`];
  const tables = await service.db.dataSource.query<{ table_schema: string; table_name: string }[]>(
    `SELECT table_schema, table_name FROM information_schema.tables
      WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE'`,
    [schemas],
  );
  const parts: string[] = [];
  for (const { table_schema, table_name } of tables) {
    const rows = await service.db.dataSource.query(
      `SELECT * FROM "${table_schema}"."${table_name}"`,
    );
    parts.push(`${table_schema}.${table_name}: ${JSON.stringify(rows)}`);
  }
  return parts.join('\n');
}

/** Delivers every pending host event now (each order's events in order), as the jobs would. */
async function deliverPending(service: TestService): Promise<void> {
  const pending = await service.db.dataSource.query<{ order_ref: string }[]>(
    `SELECT DISTINCT order_ref FROM "${service.db.settings.schema}".pts_outbox
      WHERE delivered_at IS NULL AND dead_at IS NULL`,
  );
  const dispatcher = service.app.get(PtsOutboxDispatcher);
  for (const { order_ref } of pending) await dispatcher.deliverOrder(order_ref);
}

describe('subscriptions through the admin API, the sandbox and the subscribe callback', () => {
  let service: TestService;
  const logs: string[] = [];
  const sandboxLogs: string[] = [];
  const responses: string[] = [];
  const paymentEvents: PtsSubscriptionPaymentEvent[] = [];

  const call = async (req: request.Test) => {
    const res = await req;
    responses.push(res.text);
    return res;
  };
  const post = (path: string, payload: unknown) =>
    call(
      request(service.url)
        .post(path)
        .set(admin())
        .send(payload as object),
    );
  const get = (path: string) => call(request(service.url).get(path).set(admin()));
  const userId = () => service.credentials.userId;

  beforeAll(async () => {
    service = await startTestService({
      label: 'subscriptions',
      logger: new JsonLogger('debug', [ADMIN_KEY], (line) => logs.push(line)),
      sandbox: { subscriptionUnitMs: 0, log: (line) => sandboxLogs.push(line) },
    });
    service.app.get(PtsOutboxDispatcher).subscribePayments([], (event) => {
      paymentEvents.push(event);
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('creates an active subscription; the answer shows the card as its last four digits', async () => {
    const req = body();
    const res = await post('/admin/subscriptions', req);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      orderId: req.orderId,
      kind: 'subscription',
      status: 'active',
      card: { last4: '4242' },
      periodCount: 1,
      periodUnit: 'month',
      enabled: true,
      paymentsMade: 0,
      payments: [],
    });
    expect(res.body.transactionId).toMatch(/^S/);
    expect(service.sandbox.subscription(userId(), req.orderId)).toMatchObject({
      cardLast4: '4242',
      enabled: true,
    });
  });

  it('records each payment from the signed subscribe callback and tells the host once per change', async () => {
    const req = body();
    expect((await post('/admin/subscriptions', req)).status).toBe(201);
    service.sandbox.chargeSubscription(userId(), req.orderId, 'pay');
    const first = await eventually(async () => {
      const r = await get(`/admin/subscriptions/${req.orderId}`);
      return r.body.paymentsMade === 1 ? r.body : undefined;
    });
    expect(first.payments).toEqual([
      expect.objectContaining({ status: 'success', ptsStatus: '2000', submitAmount: '499.00' }),
    ]);
    expect(first.lastPaymentAt).not.toBeNull();
    expect(first.nextPaymentAt).not.toBeNull();
    service.sandbox.chargeSubscription(userId(), req.orderId, 'fail');
    const second = await eventually(async () => {
      const r = await get(`/admin/subscriptions/${req.orderId}`);
      return r.body.payments.length === 2 ? r.body : undefined;
    });
    expect(second.paymentsMade).toBe(1);
    expect(second.payments[1]).toMatchObject({ status: 'failed', ptsStatus: '3000' });
    expect(second.callbacks.map((c: { kind: string; outcome: string }) => c.outcome)).toEqual([
      'applied',
      'applied',
    ]);

    const mine = await eventually(() => {
      const found = paymentEvents.filter((e) => e.orderId === req.orderId);
      return found.length === 2 ? found : undefined;
    });
    expect(mine.map((e) => [e.status, e.paymentsMade])).toEqual([
      ['success', 1],
      ['failed', 1],
    ]);
    const paymentId = first.payments[0].paymentTransactionId as string;
    expect(mine[0].idempotencyKey).toMatch(new RegExp(`:payment:${paymentId}:success$`));

    // The same callback again (a gateway retry): a duplicate, no second event.
    const replay = await call(
      request(service.url).post(`/admin/callbacks/${second.callbacks[0].id}/replay`).set(admin()),
    );
    expect(replay.body).toMatchObject({ outcome: 'duplicate', httpStatus: 200, reply: 'SUCCESS' });
    await deliverPending(service);
    expect(paymentEvents.filter((e) => e.orderId === req.orderId)).toHaveLength(2);
  });

  it('disables at PTS, records it, and the gateway makes no more payments', async () => {
    const req = body();
    expect((await post('/admin/subscriptions', req)).status).toBe(201);
    const res = await call(
      request(service.url).post(`/admin/subscriptions/${req.orderId}/disable`).set(admin()),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'disabled', enabled: false, nextPaymentAt: null });
    expect(service.sandbox.subscription(userId(), req.orderId)?.enabled).toBe(false);
    expect(() => service.sandbox.chargeSubscription(userId(), req.orderId, 'pay')).toThrow(
      /disabled/,
    );
    // The gateway's own "disabled" callback is then a duplicate.
    const detail = await eventually(async () => {
      const r = await get(`/admin/subscriptions/${req.orderId}`);
      return r.body.callbacks.length === 1 ? r.body : undefined;
    });
    expect(detail.callbacks[0]).toMatchObject({ kind: 'subscribeCallback', outcome: 'duplicate' });
    expect(detail.history.map((h: { to: string }) => h.to)).toEqual([
      'created',
      'active',
      'disabled',
    ]);
    // Disabling again changes nothing and sends nothing.
    const before = service.sandbox.requests.length;
    const again = await call(
      request(service.url).post(`/admin/subscriptions/${req.orderId}/disable`).set(admin()),
    );
    expect(again.body.status).toBe('disabled');
    expect(service.sandbox.requests.length).toBe(before);
  });

  it('a callback that reports the subscription disabled at PTS moves it to disabled', async () => {
    const req = body();
    expect((await post('/admin/subscriptions', req)).status).toBe(201);
    const control = await call(
      request(service.sandbox.url)
        .post(`/sandbox/control/subscriptions/${userId()}/${req.orderId}/charge`)
        .send({ outcome: 'pay' }),
    );
    expect(control.status).toBe(200);
    await eventually(
      async () => (await get(`/admin/subscriptions/${req.orderId}`)).body.paymentsMade === 1,
    );
    const sub = service.sandbox.subscription(userId(), req.orderId)!;
    const fields = {
      user_id: userId(),
      order_id: req.orderId,
      transaction_id: sub.transactionId,
      channel: 'CARD',
      submit_currency: 'PHP',
      submit_amount: '499.00',
      accept_currency: 'PHP',
      accept_amount: '499.00',
      exchange_rate: '1',
      enabled: false,
      period_count: 1,
      period_unit: 2,
      subscribe_at: sub.subscribeAt,
      timestamp: Math.floor(Date.now() / 1000),
    };
    const signed = [
      ...Object.keys(fields),
      'payment_transaction_id',
      'payment_status',
      'last_payment_at',
      'next_payment_at',
    ];
    const sign = handRsaSign(
      service.credentials.gatewayPrivateKeyPem,
      handSignString(fields, signed, service.credentials.safecode),
    );
    const reply = await request(service.url)
      .post('/pts/callback/subscribe')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ ...fields, sign }));
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('SUCCESS');
    const shown = (await get(`/admin/subscriptions/${req.orderId}`)).body;
    expect(shown).toMatchObject({ status: 'disabled', enabled: false, paymentsMade: 1 });

    // Forged: the same body with another amount does not verify.
    const forged = await request(service.url)
      .post('/pts/callback/subscribe')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ ...fields, submit_amount: '1.00', sign }));
    expect(forged.status).toBe(401);
    expect(forged.text).toBe('FAILED');
    // An unknown subscription: 404 FAILED.
    const unknownFields = { ...fields, order_id: 'no-such-sub' };
    const unknownSign = handRsaSign(
      service.credentials.gatewayPrivateKeyPem,
      handSignString(unknownFields, signed, service.credentials.safecode),
    );
    const unknown = await request(service.url)
      .post('/pts/callback/subscribe')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ ...unknownFields, sign: unknownSign }));
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe('FAILED');
  });

  it('leaves a subscribe without an answer unknown, and its callback then makes it active', async () => {
    const req = body();
    service.sandbox.setFault({ kind: 'drop', endpoint: 'subscribe', times: 1 });
    const res = await post('/admin/subscriptions', req);
    expect(res.status).toBeGreaterThanOrEqual(502);
    expect(res.text).not.toContain(CARD);
    expect((await get(`/admin/subscriptions/${req.orderId}`)).body.status).toBe('unknown');
    // The gateway did take it: its first payment's callback tells us.
    service.sandbox.chargeSubscription(userId(), req.orderId, 'pay');
    const shown = await eventually(async () => {
      const r = await get(`/admin/subscriptions/${req.orderId}`);
      return r.body.status === 'active' ? r.body : undefined;
    });
    expect(shown.paymentsMade).toBe(1);
    expect(shown.transactionId).toMatch(/^S/);
  });

  it('answers a subscribe callback signed with another key 401 FAILED and stores it rejected', async () => {
    const req = body();
    expect((await post('/admin/subscriptions', req)).status).toBe(201);
    service.sandbox.setFault({ kind: 'wrong-key', endpoint: 'subscribeCallback', times: 1 });
    service.sandbox.chargeSubscription(userId(), req.orderId, 'pay');
    await service.sandbox.waitForDeliveries((d) =>
      d.some((x) => x.orderId === req.orderId && x.httpStatus === 401),
    );
    const rows = await service.db.dataSource.query<{ outcome: string; http_status: number }[]>(
      `SELECT outcome, http_status FROM pts_callbacks WHERE order_id = $1 ORDER BY id`,
      [req.orderId],
    );
    expect(rows[0]).toEqual({ outcome: 'rejected', http_status: 401 });
    // The gateway retries the same (badly signed) body: nothing is ever applied.
    expect((await get(`/admin/subscriptions/${req.orderId}`)).body.paymentsMade).toBe(0);
  });

  it('answers a payment id without a payment status 400 FAILED', async () => {
    const req = body();
    expect((await post('/admin/subscriptions', req)).status).toBe(201);
    const sub = service.sandbox.subscription(userId(), req.orderId)!;
    const fields = {
      user_id: userId(),
      order_id: req.orderId,
      transaction_id: sub.transactionId,
      channel: 'CARD',
      submit_currency: 'PHP',
      submit_amount: '499.00',
      accept_currency: 'PHP',
      accept_amount: '499.00',
      exchange_rate: '1',
      payment_transaction_id: 'P-ONLY',
      enabled: true,
      period_count: 1,
      period_unit: 2,
      subscribe_at: sub.subscribeAt,
      timestamp: Math.floor(Date.now() / 1000),
    };
    const signed = [...Object.keys(fields), 'payment_status', 'last_payment_at', 'next_payment_at'];
    const sign = handRsaSign(
      service.credentials.gatewayPrivateKeyPem,
      handSignString(fields, signed, service.credentials.safecode),
    );
    const reply = await request(service.url)
      .post('/pts/callback/subscribe')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ ...fields, sign }));
    expect(reply.status).toBe(400);
    expect(reply.text).toBe('FAILED');
    expect((await get(`/admin/subscriptions/${req.orderId}`)).body.payments).toEqual([]);
  });

  /** A subscribe callback about one payment, signed by the gateway as given (nulls as `key=`). */
  function paymentCallback(orderId: string, overrides: Record<string, unknown>) {
    const sub = service.sandbox.subscription(userId(), orderId)!;
    const fields: Record<string, unknown> = {
      user_id: userId(),
      order_id: orderId,
      transaction_id: sub.transactionId,
      channel: 'CARD',
      submit_currency: 'PHP',
      submit_amount: '499.00',
      accept_currency: 'PHP',
      accept_amount: '499.00',
      exchange_rate: '1',
      payment_transaction_id: `P-${Date.now()}`,
      payment_status: '2000',
      enabled: true,
      period_count: 1,
      period_unit: 2,
      subscribe_at: sub.subscribeAt,
      last_payment_at: null,
      next_payment_at: null,
      timestamp: Math.floor(Date.now() / 1000),
      ...overrides,
    };
    const sign = handRsaSign(
      service.credentials.gatewayPrivateKeyPem,
      handSignString(fields, Object.keys(fields), service.credentials.safecode),
    );
    return request(service.url)
      .post('/pts/callback/subscribe')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ ...fields, sign }));
  }

  it('applies a failed payment whose accepted amount PTS signed as null (A5)', async () => {
    const req = body();
    expect((await post('/admin/subscriptions', req)).status).toBe(201);
    const reply = await paymentCallback(req.orderId, {
      payment_transaction_id: 'P-FAILED-NULLS',
      payment_status: '3000',
      accept_amount: null,
      accept_currency: '',
      exchange_rate: null,
    });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('SUCCESS');
    const shown = (await get(`/admin/subscriptions/${req.orderId}`)).body;
    expect(shown.paymentsMade).toBe(0);
    expect(shown.payments).toEqual([
      expect.objectContaining({
        paymentTransactionId: 'P-FAILED-NULLS',
        status: 'failed',
        submitAmount: '499.00',
        acceptAmount: null,
        acceptCurrency: null,
        exchangeRate: null,
      }),
    ]);
  });

  it('answers a payment made whose amounts PTS signed as null 400 FAILED once it verified', async () => {
    const req = body();
    expect((await post('/admin/subscriptions', req)).status).toBe(201);
    const reply = await paymentCallback(req.orderId, { accept_amount: null });
    expect(reply.status).toBe(400);
    expect(reply.text).toBe('FAILED');
    const rows = await service.db.dataSource.query<
      { outcome: string; signature_valid: boolean; reason: string }[]
    >(`SELECT outcome, signature_valid, reason FROM pts_callbacks WHERE order_id = $1`, [
      req.orderId,
    ]);
    expect(rows).toEqual([
      {
        outcome: 'rejected',
        signature_valid: true,
        reason: expect.stringContaining('accept_amount'),
      },
    ]);
    expect((await get(`/admin/subscriptions/${req.orderId}`)).body.payments).toEqual([]);
  });

  it('answers 400 to a cursor it did not write, as the orders list does', async () => {
    const crafted = (value: unknown) =>
      Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
    for (const cursor of [
      // Passes a looser check (a date, 36 characters of hex and dashes); PostgreSQL refuses it.
      crafted(['2024-01-01', '-'.repeat(36)]),
      crafted(['+275760-09-13T00:00:00.000000Z', '00000000-0000-0000-0000-000000000000']),
      'not-a-cursor',
    ]) {
      const res = await get(`/admin/subscriptions?cursor=${cursor}`);
      expect(res.status, cursor).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain('cursor is not one this API returned');
    }
    const long = await get(`/admin/subscriptions?cursor=${'a'.repeat(201)}`);
    expect(long.status).toBe(400);
    expect(JSON.stringify(long.body.message)).toContain('cursor');
  });

  it('lists subscriptions with a cursor, and only subscriptions', async () => {
    const page1 = await get('/admin/subscriptions?limit=2');
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await get(`/admin/subscriptions?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.length).toBeGreaterThan(0);
    const all = [...page1.body.items, ...page2.body.items];
    expect(all.every((s: { kind: string }) => s.kind === 'subscription')).toBe(true);
    expect(new Set(all.map((s: { orderId: string }) => s.orderId)).size).toBe(all.length);
    // The orders list filters by the kind too.
    const asOrders = await get('/admin/orders?kind=subscription&limit=50');
    expect(asOrders.status).toBe(200);
    expect(asOrders.body.items.length).toBeGreaterThan(0);
    expect(asOrders.body.items.every((o: { kind: string }) => o.kind === 'subscription')).toBe(
      true,
    );
    const disabled = await get('/admin/subscriptions?status=disabled');
    expect(disabled.body.items.every((s: { status: string }) => s.status === 'disabled')).toBe(
      true,
    );
  });

  it('answers bad input with a 400 that never quotes the card', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { card: { number: '4242424242424241', expMonth: '07', expYear: YEAR, cvc: CVC } },
        'card.number',
      ],
      [{ card: { number: CARD, expMonth: '13', expYear: YEAR, cvc: CVC } }, 'card.expMonth'],
      [{ card: { number: CARD, expMonth: '07', expYear: YEAR, cvc: '12' } }, 'card.cvc'],
      [{ card: undefined }, 'card'],
      [{ periodCount: 0 }, 'periodCount'],
      [{ periodUnit: 'day' }, 'periodUnit'],
      [{ amount: 499 }, 'amount'],
    ];
    for (const [overrides, field] of cases) {
      const res = await post('/admin/subscriptions', body(overrides));
      expect(res.status, `${field}: ${res.text}`).toBe(400);
      expect(res.text).toContain(field);
      expect(res.text).not.toContain(CARD);
      expect(res.text).not.toContain('424242424242');
    }
    // An unknown extra field (e.g. the whole card put at the top level) is refused too.
    const extra = await post('/admin/subscriptions', { ...body(), cardNumber: CARD });
    expect(extra.status).toBe(400);
    expect(extra.text).not.toContain(CARD);
  });

  it('stores a gateway refusal as rejected, with the card nowhere in it', async () => {
    const req = body({ card: { number: CARD, expMonth: '01', expYear: '2020', cvc: CVC } });
    const res = await post('/admin/subscriptions', req);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: '1001' });
    const shown = await get(`/admin/subscriptions/${req.orderId}`);
    expect(shown.body).toMatchObject({
      status: 'rejected',
      errorCode: '1001',
      card: { last4: '4242' },
    });
  });

  it('returns the same subscription for the same Idempotency-Key, without a second request', async () => {
    const req = body();
    const first = await call(
      request(service.url)
        .post('/admin/subscriptions')
        .set(admin())
        .set('Idempotency-Key', `k-${seq}`)
        .send(req),
    );
    expect(first.status).toBe(201);
    const sent = service.sandbox.requests.filter((r) => r.endpoint === 'subscribe').length;
    const second = await call(
      request(service.url)
        .post('/admin/subscriptions')
        .set(admin())
        .set('Idempotency-Key', `k-${seq}`)
        .send(req),
    );
    expect(second.status).toBe(201);
    expect(second.body.orderId).toBe(first.body.orderId);
    expect(service.sandbox.requests.filter((r) => r.endpoint === 'subscribe').length).toBe(sent);
    const other = await call(
      request(service.url)
        .post('/admin/subscriptions')
        .set(admin())
        .set('Idempotency-Key', `k-${seq}`)
        .send({ ...req, amount: '1.00' }),
    );
    expect(other.status).toBe(422);
    expect(other.body.message).toMatch(/Idempotency|idempotency/);
  });

  it('refuses exchange rates on a v2 account with a 400', async () => {
    const res = await get('/admin/exchange-rates?currency=PHP');
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/v1/);
  });

  it('keeps the card out of the OpenAPI document', async () => {
    const doc = await request(service.url).get('/docs/json').set(admin());
    expect(doc.status).toBe(200);
    expect(doc.text).not.toContain(CARD);
    const schemas = (doc.body as { components: { schemas: Record<string, unknown> } }).components
      .schemas;
    const card = JSON.stringify(schemas.SubscriptionCardDto);
    expect(card).toContain('"number"');
    expect(card).not.toContain('example');
    expect(card).not.toMatch(/\d{12,19}/);
    expect(JSON.stringify(schemas.CreateSubscriptionDto)).not.toMatch(/\d{12,19}/);
  });

  it('never stores, logs or answers the card number or its CVC', async () => {
    await deliverPending(service);
    const dump = await dumpSchema(service);
    expect(dump).toContain('4242'); // the last four digits are there, so the search is real
    expect(dump).not.toContain(CARD);
    expect(dump).not.toContain(`"${CVC}"`);
    expect(logs.length).toBeGreaterThan(10);
    expect(logs.join('\n')).not.toContain(CARD);
    expect(sandboxLogs.join('\n')).not.toContain(CARD);
    expect(responses.length).toBeGreaterThan(10);
    expect(responses.join('\n')).not.toContain(CARD);
    expect(JSON.stringify(paymentEvents)).not.toContain(CARD);
  });
});

describe('the sandbox charges subscriptions on its compressed clock', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({
      label: 'subs_clock',
      sandbox: { subscriptionUnitMs: 150 },
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('charges every period until disabled, and each payment is recorded', async () => {
    const req = body({ periodCount: 2, periodUnit: 'week' });
    expect(
      (await request(service.url).post('/admin/subscriptions').set(admin()).send(req)).status,
    ).toBe(201);
    const shown = await eventually(
      async () => {
        const r = await request(service.url)
          .get(`/admin/subscriptions/${req.orderId}`)
          .set(admin());
        return r.body.paymentsMade >= 3 ? r.body : undefined;
      },
      8000,
      'three payments',
    );
    expect(shown.payments.every((p: { status: string }) => p.status === 'success')).toBe(true);
    const disabled = await request(service.url)
      .post(`/admin/subscriptions/${req.orderId}/disable`)
      .set(admin());
    expect(disabled.body.status).toBe('disabled');
    const count = service.sandbox.subscription(service.credentials.userId, req.orderId)!.payments
      .length;
    // Room for the next charge of the compressed clock, which the disable must have stopped.
    await quietFor(700);
    expect(
      service.sandbox.subscription(service.credentials.userId, req.orderId)!.payments.length,
    ).toBe(count);
  });
});

describe('v1 accounts', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ label: 'subs_v1', apiVersion: 'v1' });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('GET /admin/exchange-rates?currency=PHP answers the gateway rate table', async () => {
    const res = await request(service.url).get('/admin/exchange-rates?currency=PHP').set(admin());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      account: 'main',
      currency: 'PHP',
      rates: { USD: { payment: '55.07', withdraw: '55.09' } },
    });
    const bad = await request(service.url).get('/admin/exchange-rates?currency=php!').set(admin());
    expect(bad.status).toBe(400);
    const none = await request(service.url).get('/admin/exchange-rates?currency=EUR').set(admin());
    // 8008 "Exchange rate not available" is a gateway-side failure (B5.2).
    expect(none.status).toBe(502);
    expect(none.body.code).toBe('8008');
  });

  it('answers a subscribe callback for a v1 account 400 FAILED (v1 has no subscriptions), never 500', async () => {
    const reply = await request(service.url)
      .post('/pts/callback/subscribe')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ user_id: service.credentials.userId, order_id: 'S1', sign: 'x' }));
    expect(reply.status).toBe(400);
    expect(reply.text).toBe('FAILED');
    const rows = await service.db.dataSource.query<{ kind: string; outcome: string }[]>(
      `SELECT kind, outcome FROM pts_callbacks WHERE order_id = 'S1'`,
    );
    expect(rows).toEqual([{ kind: 'subscribeCallback', outcome: 'rejected' }]);
  });

  it('refuses subscriptions on a v1 account with a 400 and stores nothing', async () => {
    const req = body();
    const res = await request(service.url).post('/admin/subscriptions').set(admin()).send(req);
    expect(res.status).toBe(400);
    const rows = await service.db.dataSource.query(`SELECT 1 FROM pts_orders WHERE order_id = $1`, [
      req.orderId,
    ]);
    expect(rows).toEqual([]);
  });
});
