import { createVerify, generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtsPayments } from '../../src/pts/orders/pts-payments.js';
import { handRsaSign, handSignString, SIGNED_FIELDS } from '../support/hand-made-pts.js';
import { callbackFields, signedCallbackBody } from '../support/pts-test-callbacks.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { submitCheckout } from '../support/checkout.js';
import { ADMIN_KEY, startTestService, type TestService } from '../support/test-service.js';
import { eventually, quietFor } from '../support/waiting.js';

type Row = {
  outcome: string;
  reason: string | null;
  http_status: number;
  number_rendering: string | null;
};

describe('callbacks (docs/protocol.md A6-A8) over real HTTP and PostgreSQL', () => {
  let service: TestService;
  let payments: PtsPayments;
  let keys: { gatewayPrivateKeyPem: string; safecode: string };
  let seq = 0;

  beforeAll(async () => {
    service = await startTestService({ label: 'callbacks' });
    payments = service.app.get(PtsPayments);
    keys = {
      gatewayPrivateKeyPem: service.credentials.gatewayPrivateKeyPem,
      safecode: service.credentials.safecode,
    };
  });

  afterAll(async () => {
    await service?.close();
  });

  async function newOrder(amount = '100.10') {
    return payments.createPayment({
      orderId: `cb-${++seq}-${Date.now()}`,
      amount,
      currency: 'PHP',
      channel: 'QRPH',
    });
  }

  function post(path: string, body: string | Buffer, contentType = 'application/json') {
    return request(service.url).post(path).set('Content-Type', contentType).send(body);
  }

  async function rows(orderId: string): Promise<Row[]> {
    return service.db.dataSource.query(
      `SELECT outcome, reason, http_status, number_rendering FROM pts_callbacks WHERE order_id = $1 ORDER BY id`,
      [orderId],
    );
  }

  async function statusOf(orderId: string): Promise<{ status: string; flags: string[] }> {
    const rows = await service.db.dataSource.query<{ status: string; flags: string[] }[]>(
      `SELECT status, flags FROM pts_orders WHERE order_id = $1`,
      [orderId],
    );
    return rows[0];
  }

  it('applies 20 concurrent copies of one success callback exactly once', async () => {
    const order = await newOrder();
    const body = signedCallbackBody(
      keys,
      callbackFields(service.credentials.userId, order, '2000'),
    );
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => post('/pts/callback/payment', body)),
    );
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(reply.text).toBe('SUCCESS');
      expect(reply.headers['content-type']).toMatch(/^text\/plain/);
    }
    const outcomes = (await rows(order.orderId)).map((r) => r.outcome).sort();
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(19);
    const history: { to_status: string }[] = await service.db.dataSource.query(
      `SELECT h.to_status FROM pts_order_history h JOIN pts_orders o ON o.id = h.order_ref WHERE o.order_id = $1 AND h.to_status = 'success'`,
      [order.orderId],
    );
    expect(history).toHaveLength(1);
    await eventually(() =>
      service.events.some((e) => e.orderId === order.orderId && e.status === 'success'),
    );
    // Room for a second success event, which must not come.
    await quietFor(300);
    const successEvents = service.events.filter(
      (e) => e.orderId === order.orderId && e.status === 'success',
    );
    expect(successEvents).toHaveLength(1);
    expect(successEvents[0].idempotencyKey).toMatch(/:success$/);
  });

  it('keeps success when 1000 arrives after 2000, and stores but never applies a late 3000', async () => {
    const order = await newOrder();
    const uid = service.credentials.userId;
    for (const status of ['2000', '1000', '3000']) {
      const reply = await post(
        '/pts/callback/payment',
        signedCallbackBody(keys, callbackFields(uid, order, status)),
      );
      expect(reply.text).toBe('SUCCESS');
    }
    const stored = await rows(order.orderId);
    expect(stored.map((r) => r.outcome)).toEqual(['applied', 'ignored', 'ignored']);
    expect(stored[1].reason).toContain('stale');
    expect(stored[2].reason).toContain('conflict');
    const now = await statusOf(order.orderId);
    expect(now.status).toBe('success');
    expect(now.flags).toContain('conflicting_final_news');
  });

  it('verifies amounts sent as numbers with trailing zeros, and PHP float signing', async () => {
    const raw = await newOrder('40000');
    const fields = callbackFields(service.credentials.userId, raw, '2000');
    const signString = handSignString(
      { ...fields, submit_amount: '40000.0000000000', accept_amount: '40000.0000000000' },
      Object.keys(fields).filter((k) => k !== 'sign'),
      keys.safecode,
    );
    const json = JSON.stringify({
      ...fields,
      sign: handRsaSign(keys.gatewayPrivateKeyPem, signString),
    })
      .replace(/"submit_amount":"40000"/, '"submit_amount":40000.0000000000')
      .replace(/"accept_amount":"40000"/, '"accept_amount":40000.0000000000');
    const rawReply = await post('/pts/callback/payment', json);
    expect(rawReply.text).toBe('SUCCESS');
    expect((await rows(raw.orderId))[0]).toMatchObject({
      outcome: 'applied',
      number_rendering: 'raw',
    });

    const php = await newOrder('40000');
    const phpFields = callbackFields(service.credentials.userId, php, '2000');
    const phpSign = handRsaSign(
      keys.gatewayPrivateKeyPem,
      handSignString(phpFields, Object.keys(phpFields), keys.safecode),
    );
    const phpJson = JSON.stringify({ ...phpFields, sign: phpSign })
      .replace(/"submit_amount":"40000"/, '"submit_amount":40000.0000000000')
      .replace(/"accept_amount":"40000"/, '"accept_amount":40000.0000000000');
    const phpReply = await post('/pts/callback/payment', phpJson);
    expect(phpReply.text).toBe('SUCCESS');
    expect((await rows(php.orderId))[0]).toMatchObject({
      outcome: 'applied',
      number_rendering: 'php-float',
    });
  });

  it('rejects forged callbacks with 4xx FAILED, stores them, and leaves the order alone', async () => {
    const order = await newOrder();
    const uid = service.credentials.userId;
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    const wrongKey = signedCallbackBody(
      { ...keys, gatewayPrivateKeyPem: stranger },
      callbackFields(uid, order, '2000'),
    );
    const tampered = signedCallbackBody(keys, callbackFields(uid, order, '3000'), {
      tamper: { status: '2000' },
    });
    const wrongSafecode = signedCallbackBody(
      { ...keys, safecode: 'x'.repeat(32) },
      callbackFields(uid, order, '2000'),
    );
    const unsigned = JSON.stringify(callbackFields(uid, order, '2000'));
    for (const body of [wrongKey, tampered, wrongSafecode, unsigned]) {
      const reply = await post('/pts/callback/payment', body);
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
      expect(reply.text).toBe('FAILED');
    }
    const stored = await rows(order.orderId);
    expect(stored.map((r) => r.outcome)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect((await statusOf(order.orderId)).status).toBe('waiting');
  });

  it('answers 404 FAILED for a validly signed callback of an order it never created', async () => {
    const reply = await post(
      '/pts/callback/payment',
      signedCallbackBody(
        keys,
        callbackFields(
          service.credentials.userId,
          { orderId: 'never-created', amount: '1' },
          '2000',
        ),
      ),
    );
    expect(reply.status).toBe(404);
    expect(reply.text).toBe('FAILED');
    expect((await rows('never-created'))[0]).toMatchObject({
      outcome: 'rejected',
      http_status: 404,
    });
  });

  it('stores and flags a callback whose amount or currency disagrees, without applying it', async () => {
    const order = await newOrder('100.10');
    const uid = service.credentials.userId;
    const equal = signedCallbackBody(
      keys,
      callbackFields(uid, { ...order, amount: '100.1000000000' }, '1000'),
    );
    expect((await post('/pts/callback/payment', equal)).text).toBe('SUCCESS');
    const wrongAmount = signedCallbackBody(
      keys,
      callbackFields(uid, { ...order, amount: '1000.10' }, '2000'),
    );
    const wrongCurrency = signedCallbackBody(
      keys,
      callbackFields(uid, { ...order, currency: 'USD' }, '2000'),
    );
    expect((await post('/pts/callback/payment', wrongAmount)).text).toBe('SUCCESS');
    expect((await post('/pts/callback/payment', wrongCurrency)).text).toBe('SUCCESS');
    const stored = await rows(order.orderId);
    expect(stored.map((r) => r.outcome)).toEqual(['applied', 'mismatch', 'mismatch']);
    const now = await statusOf(order.orderId);
    expect(now.status).toBe('processing');
    expect(now.flags).toContain('amount_mismatch');
  });

  it.each([
    ['an empty body', ''],
    ['a body that is not JSON', 'status=2000&order_id=1'],
    ['a JSON array', '[1,2,3]'],
    ['JSON with duplicate keys', '{"user_id":"1","user_id":"2"}'],
    ['bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x00, 0x7b])],
    ['a 1 MB body', `{"pad":"${'x'.repeat(1024 * 1024)}"}`],
  ])('answers %s with 4xx FAILED and stores it', async (_what, body) => {
    const before: { n: string }[] = await service.db.dataSource.query(
      `SELECT count(*) AS n FROM pts_callbacks WHERE outcome = 'rejected'`,
    );
    const reply = await post('/pts/callback/payment', body);
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
    expect(reply.text).toBe('FAILED');
    const after: { n: string }[] = await service.db.dataSource.query(
      `SELECT count(*) AS n FROM pts_callbacks WHERE outcome = 'rejected'`,
    );
    expect(Number(after[0].n)).toBe(Number(before[0].n) + 1);
  });

  it('answers wrongly typed fields with 400 FAILED, order unchanged', async () => {
    const order = await newOrder();
    const uid = service.credentials.userId;
    for (const broken of [
      { submit_amount: true },
      { status: { code: '2000' } },
      { submit_amount: '-5' },
      { order_id: 12 },
    ]) {
      const body = JSON.stringify({
        ...callbackFields(uid, order, '2000'),
        ...broken,
        sign: 'AAAA',
      });
      const reply = await post('/pts/callback/payment', body);
      expect(reply.status, JSON.stringify(broken)).toBe(400);
      expect(reply.text).toBe('FAILED');
    }
    expect((await statusOf(order.orderId)).status).toBe('waiting');
  });

  it('replays a stored callback on request, recording the new verdict', async () => {
    const order = await newOrder();
    const body = signedCallbackBody(
      keys,
      callbackFields(service.credentials.userId, order, '2000'),
    );
    const first = await post('/pts/callback/payment', body);
    expect(first.text).toBe('SUCCESS');
    const [{ id }] = await service.db.dataSource.query<{ id: string }[]>(
      `SELECT id FROM pts_callbacks WHERE order_id = $1`,
      [order.orderId],
    );
    const replay = await request(service.url)
      .post(`/admin/callbacks/${id}/replay`)
      .set('Authorization', `Bearer ${ADMIN_KEY}`);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ replayOf: id, outcome: 'duplicate', reply: 'SUCCESS' });
    const missing = await request(service.url)
      .post(`/admin/callbacks/999999999/replay`)
      .set('Authorization', `Bearer ${ADMIN_KEY}`);
    expect(missing.status).toBe(404);
  });

  describe('withdraw confirmation', () => {
    function confirmBody(orderId: string, amount: string, privateKey = keys.gatewayPrivateKeyPem) {
      const fields = {
        user_id: service.credentials.userId,
        order_id: orderId,
        amount,
        timestamp: Math.floor(Date.now() / 1000),
      };
      const sign = handRsaSign(
        privateKey,
        handSignString(fields, SIGNED_FIELDS.gateway.withdrawConfirm, keys.safecode),
      );
      return JSON.stringify({ ...fields, sign });
    }

    function verifyReply(reply: {
      user_id: string;
      order_id: string;
      confirm: string;
      sign: string;
    }) {
      const text = handSignString(
        reply,
        SIGNED_FIELDS.gateway.withdrawConfirmAnswer,
        keys.safecode,
      );
      return createVerify('sha256')
        .update(text)
        .verify(service.credentials.merchantPublicKeyPem, reply.sign, 'base64');
    }

    it('confirms only its own unfinished withdrawals with the right amount, always signed', async () => {
      const withdraw = await payments.createWithdraw({
        orderId: `wc-${Date.now()}`,
        amount: '250.00',
        currency: 'PHP',
        channel: 'QRPH_INSTAPAY',
        details: { accountNumber: '1234567890', name: 'A B', phone: '09123456789' },
      });
      const cases: [string, string, string][] = [
        [withdraw.orderId, '250', 'SUCCESS'],
        [withdraw.orderId, '251.00', 'FAILED'],
        ['no-such-withdraw', '250.00', 'FAILED'],
      ];
      for (const [orderId, amount, confirm] of cases) {
        const reply = await post('/pts/withdraw/confirm', confirmBody(orderId, amount));
        expect(reply.status).toBe(200);
        expect(reply.headers['content-type']).toMatch(/^application\/json/);
        expect(reply.body).toMatchObject({ order_id: orderId, confirm });
        expect(verifyReply(reply.body)).toBe(true);
      }
    });

    it('answers a confirmation that does not verify with 4xx', async () => {
      const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }) as string;
      const reply = await post('/pts/withdraw/confirm', confirmBody('x', '1', stranger));
      expect(reply.status).toBe(401);
      const garbage = await post('/pts/withdraw/confirm', 'nope');
      expect(garbage.status).toBe(400);
    });
  });
});

describe('callbacks when the database is unreachable', () => {
  let service: TestService;
  let proxy: TcpProxy;

  beforeAll(async () => {
    service = await startTestService({
      label: 'dbdown',
      sandbox: { callbackRetry: { attempts: 12, baseDelayMs: 100, maxDelayMs: 400 } },
      // The app reaches PostgreSQL through a proxy the test can cut.
      database: async (settings) => {
        proxy = TcpProxy.forUrl(settings.url);
        await proxy.start();
        return { ...settings, url: proxy.proxiedUrl(settings.url) };
      },
    });
  });

  afterAll(async () => {
    await proxy?.restore();
    await service?.close();
    await proxy?.stop();
  });

  it('answers FAILED with 5xx while the database is down, and applies the gateway retry once it is back', async () => {
    const created = await request(service.url)
      .post('/admin/payments')
      .set('Authorization', `Bearer ${ADMIN_KEY}`)
      .send({ amount: '10', currency: 'PHP', channel: 'QRPH' });
    expect(created.status).toBe(201);
    const orderId = created.body.orderId as string;
    await proxy.cut();
    await submitCheckout(created.body.payUrl as string, 'pay');
    const failed = await eventually(
      () =>
        service.sandbox.deliveries.find((d) => d.orderId === orderId && (d.httpStatus ?? 0) >= 500),
      5000,
      'a delivery answered 5xx',
    );
    expect(failed.responseBody).toBe('FAILED');
    await proxy.restore();
    const done = await eventually(
      async () => {
        const res = await request(service.url)
          .get(`/admin/orders/${orderId}`)
          .set('Authorization', `Bearer ${ADMIN_KEY}`);
        return res.body.status === 'success' ? res.body : undefined;
      },
      10000,
      'success after the database came back',
    );
    expect(done.status).toBe('success');
    // Everything acknowledged SUCCESS is on record.
    const acknowledged = service.sandbox.deliveries.filter(
      (d) => d.orderId === orderId && d.responseBody === 'SUCCESS',
    );
    const recorded = (done.callbacks as { outcome: string }[]).filter((c) =>
      ['applied', 'duplicate'].includes(c.outcome),
    );
    expect(recorded.length).toBe(acknowledged.length);
  });
});

describe('callback IP allow-list', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({
      label: 'ipallow',
      pts: { callbackAllowedIps: ['203.0.113.0/24'] },
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('refuses a callback from an address outside the list with 403 FAILED and stores it', async () => {
    const reply = await request(service.url)
      .post('/pts/callback/payment')
      .set('Content-Type', 'application/json')
      .send('{}');
    expect(reply.status).toBe(403);
    expect(reply.text).toBe('FAILED');
    const stored: { reason: string }[] = await service.db.dataSource.query(
      `SELECT reason FROM pts_callbacks WHERE outcome = 'rejected'`,
    );
    expect(stored[0].reason).toContain('not allowed');
  });
});
