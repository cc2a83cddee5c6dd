import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PTS_UNVERIFIED_BODY_PREFIX_BYTES } from '../../src/pts/callbacks/pts-callback-processor.js';
import { PtsPayments } from '../../src/pts/orders/pts-payments.js';
import { handRsaSign, handSignString, SIGNED_FIELDS } from '../support/hand-made-pts.js';
import { callbackFields, signedCallbackBody } from '../support/pts-test-callbacks.js';
import {
  ADMIN_KEY,
  startTestService,
  VIEWER_KEY,
  type TestService,
} from '../support/test-service.js';
import { postFrom } from '../support/post-from.js';

async function tableBytes(service: TestService): Promise<number> {
  const [row] = await service.db.dataSource.query<{ n: string }[]>(
    `SELECT pg_total_relation_size('pts_callbacks') AS n`,
  );
  return Number(row.n);
}

describe('callback storage is bounded per request', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ label: 'flood' });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('keeps 150 junk bodies of 48 KiB as prefix, length and SHA-256: a few KiB each', async () => {
    const before = await tableBytes(service);
    const sent: { length: number; sha256: string }[] = [];
    for (let i = 0; i < 150; i++) {
      // Random text: nothing for PostgreSQL's compression to win back.
      const body = `{"junk":"${randomBytes(36 * 1024).toString('base64')}"}`;
      sent.push({
        length: Buffer.byteLength(body),
        sha256: createHash('sha256').update(body).digest('hex'),
      });
      const reply = await request(service.url)
        .post('/pts/callback/payment')
        .set('Content-Type', 'application/json')
        .send(body);
      expect(reply.status).toBe(400);
      expect(reply.text).toBe('FAILED');
    }
    const grown = (await tableBytes(service)) - before;
    expect(grown / 150).toBeLessThan(8 * 1024);
    const rows = await service.db.dataSource.query<
      { stored: number; body_bytes: number; body_truncated: boolean; body_sha256: string }[]
    >(
      `SELECT octet_length(raw_body) AS stored, body_bytes, body_truncated, body_sha256
         FROM pts_callbacks ORDER BY id`,
    );
    expect(rows).toHaveLength(150);
    rows.forEach((row, i) => {
      expect(row.stored).toBeLessThanOrEqual(PTS_UNVERIFIED_BODY_PREFIX_BYTES);
      expect(row.body_bytes).toBe(sent[i].length);
      expect(row.body_truncated).toBe(true);
      expect(row.body_sha256).toBe(sent[i].sha256);
    });
  });

  it('keeps a verified callback whole', async () => {
    const order = await service.app.get(PtsPayments).createPayment({
      orderId: `whole-${Date.now()}`,
      amount: '5',
      currency: 'PHP',
      channel: 'QRPH',
    });
    const body = signedCallbackBody(
      {
        gatewayPrivateKeyPem: service.credentials.gatewayPrivateKeyPem,
        safecode: service.credentials.safecode,
      },
      callbackFields(service.credentials.userId, order, '1000', {
        error_message: 'x'.repeat(PTS_UNVERIFIED_BODY_PREFIX_BYTES),
      }),
    );
    const reply = await request(service.url)
      .post('/pts/callback/payment')
      .set('Content-Type', 'application/json')
      .send(body);
    expect(reply.text).toBe('SUCCESS');
    const [row] = await service.db.dataSource.query<
      { raw_body: string; body_truncated: boolean; body_sha256: string }[]
    >(`SELECT raw_body, body_truncated, body_sha256 FROM pts_callbacks WHERE order_id = $1`, [
      order.orderId,
    ]);
    expect(row.raw_body).toBe(body);
    expect(row.body_truncated).toBe(false);
    expect(row.body_sha256).toBe(createHash('sha256').update(body).digest('hex'));
  });
});

describe('callbacks from refused senders, and the rate limit', () => {
  let service: TestService;

  beforeAll(async () => {
    // A limit of 20 a minute on the callback routes, per address.
    service = await startTestService({
      label: 'refused',
      pts: { callbackAllowedIps: ['127.0.0.2'] },
      rateLimits: { callbacks: { limit: 20, windowMs: 60_000 } },
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('refuses a sender outside the allow-list without reading its body, one small row each, and rate-limits it', async () => {
    const before = await tableBytes(service);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const reply = await postFrom(
        service.url,
        '127.0.0.1',
        '/pts/callback/payment',
        `{"junk":"${randomBytes(24 * 1024).toString('base64')}"}`,
      );
      statuses.push(reply.status);
      if (reply.status !== 0) expect(reply.text).toBe('FAILED');
    }
    expect(statuses.filter((s) => s === 403)).toHaveLength(20);
    expect(statuses.slice(20).every((s) => s === 429 || s === 0)).toBe(true);
    const rows = await service.db.dataSource.query<
      { raw_body: string; body_bytes: number; body_sha256: string | null; reason: string }[]
    >(`SELECT raw_body, body_bytes, body_sha256, reason FROM pts_callbacks`);
    // Throttled requests store nothing; refused ones a row without any of their body.
    expect(rows).toHaveLength(20);
    for (const row of rows) {
      expect(row.raw_body).toBe('');
      expect(row.body_sha256).toBeNull();
      expect(row.body_bytes).toBeGreaterThan(24 * 1024);
      expect(row.reason).toContain('not allowed');
    }
    expect(((await tableBytes(service)) - before) / 40).toBeLessThan(2 * 1024);
  });

  it('counts every address on its own: the allowed gateway is not slowed by the flood', async () => {
    const order = await service.app.get(PtsPayments).createPayment({
      orderId: `allowed-${Date.now()}`,
      amount: '7',
      currency: 'PHP',
      channel: 'QRPH',
    });
    const reply = await postFrom(
      service.url,
      '127.0.0.2',
      '/pts/callback/payment',
      signedCallbackBody(
        {
          gatewayPrivateKeyPem: service.credentials.gatewayPrivateKeyPem,
          safecode: service.credentials.safecode,
        },
        callbackFields(service.credentials.userId, order, '1000'),
      ),
    );
    expect(reply).toEqual({ status: 200, text: 'SUCCESS' });
  });
});

describe('validly signed callbacks whose values cannot be stored', () => {
  let service: TestService;
  let keys: { gatewayPrivateKeyPem: string; safecode: string };

  beforeAll(async () => {
    service = await startTestService({ label: 'unstorable' });
    keys = {
      gatewayPrivateKeyPem: service.credentials.gatewayPrivateKeyPem,
      safecode: service.credentials.safecode,
    };
  });

  afterAll(async () => {
    await service?.close();
  });

  async function newOrder() {
    return service.app.get(PtsPayments).createPayment({
      orderId: `us-${Date.now()}-${randomBytes(3).toString('hex')}`,
      amount: '10',
      currency: 'PHP',
      channel: 'QRPH',
    });
  }

  function post(body: string) {
    return request(service.url)
      .post('/pts/callback/payment')
      .set('Content-Type', 'application/json')
      .send(body);
  }

  async function rowsOf(orderId: string) {
    return service.db.dataSource.query<
      { outcome: string; http_status: number; reason: string; signature_valid: boolean }[]
    >(
      `SELECT outcome, http_status, reason, signature_valid FROM pts_callbacks WHERE order_id = $1 ORDER BY id`,
      [orderId],
    );
  }

  it.each([
    ['an 80-character transaction_id', { transaction_id: 'T'.repeat(80) }, 'transaction_id'],
    ['a 20-character currency', { accept_currency: 'C'.repeat(20) }, 'accept_currency'],
  ])(
    'answers %s with 400 FAILED and stores it as rejected with the reason',
    async (_what, change, field) => {
      const order = await newOrder();
      const body = signedCallbackBody(keys, {
        ...callbackFields(service.credentials.userId, order, '2000'),
        ...change,
      });
      const reply = await post(body);
      expect(reply.status).toBe(400);
      expect(reply.text).toBe('FAILED');
      const [row] = await rowsOf(order.orderId);
      expect(row).toMatchObject({ outcome: 'rejected', http_status: 400, signature_valid: true });
      expect(row.reason).toContain(field);
      // Answered the same way every time: a retry does not turn it into a 503.
      expect((await post(body)).status).toBe(400);
    },
  );

  it('answers an amount that overflows PostgreSQL numeric with 400 FAILED', async () => {
    const order = await newOrder();
    const fields = callbackFields(service.credentials.userId, order, '2000', {
      accept_amount: '1e200000',
    });
    const sign = handRsaSign(
      keys.gatewayPrivateKeyPem,
      handSignString(fields, SIGNED_FIELDS.gateway.status, keys.safecode),
    );
    const body = JSON.stringify({ ...fields, sign }).replace(
      '"accept_amount":"1e200000"',
      '"accept_amount":1e200000',
    );
    const reply = await post(body);
    expect(reply.status).toBe(400);
    expect(reply.text).toBe('FAILED');
    const [row] = await rowsOf(order.orderId);
    expect(row).toMatchObject({ outcome: 'rejected', http_status: 400, signature_valid: true });
    expect(row.reason).toContain('accept_amount');
  });

  it('cleans a NUL out of the unsigned error_message and applies the callback', async () => {
    const order = await newOrder();
    const body = signedCallbackBody(
      keys,
      callbackFields(service.credentials.userId, order, '3000', {
        error_message: 'bank\u0000declined',
      }),
    );
    const reply = await post(body);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('SUCCESS');
    const [stored] = await service.db.dataSource.query<{ status: string; error_message: string }[]>(
      `SELECT status, error_message FROM pts_orders WHERE order_id = $1`,
      [order.orderId],
    );
    expect(stored).toEqual({ status: 'failed', error_message: 'bank\uFFFDdeclined' });
  });
});

describe('replay, viewer and callback id rules', () => {
  let service: TestService;
  let body: string;
  let orderId: string;

  beforeAll(async () => {
    service = await startTestService({
      label: 'replayrules',
      pts: { callbackAllowedIps: ['127.0.0.1'] },
    });
    const order = await service.app.get(PtsPayments).createPayment({
      orderId: `rr-${Date.now()}`,
      amount: '3',
      currency: 'PHP',
      channel: 'QRPH',
    });
    orderId = order.orderId;
    body = signedCallbackBody(
      {
        gatewayPrivateKeyPem: service.credentials.gatewayPrivateKeyPem,
        safecode: service.credentials.safecode,
      },
      callbackFields(service.credentials.userId, order, '1000'),
    );
  });

  afterAll(async () => {
    await service?.close();
  });

  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  it('answers a callback without telling the sender our callback sequence', async () => {
    const reply = await request(service.url)
      .post('/pts/callback/payment')
      .set('Content-Type', 'application/json')
      .send(body);
    expect(reply.text).toBe('SUCCESS');
    expect(Object.keys(reply.headers).filter((h) => /callback-id/i.test(h))).toEqual([]);
  });

  it('shows viewers the raw body with sign cut short, admins whole', async () => {
    const sign = (JSON.parse(body) as { sign: string }).sign;
    const viewer = await request(service.url).get('/admin/callbacks').set(as(VIEWER_KEY));
    expect(viewer.status).toBe(200);
    const seen = (viewer.body.items as { rawBody: string }[])[0].rawBody;
    expect(seen).not.toContain(sign);
    expect(seen).toContain(`"sign":"${sign.slice(0, 8)}…"`);
    const detail = await request(service.url).get(`/admin/orders/${orderId}`).set(as(VIEWER_KEY));
    expect(JSON.stringify(detail.body)).not.toContain(sign);
    const admin = await request(service.url).get('/admin/callbacks').set(as(ADMIN_KEY));
    expect((admin.body.items as { rawBody: string }[])[0].rawBody).toContain(sign);
  });

  it('replays only whole bodies from senders the allow-list admits now', async () => {
    const insert = (remote: string, truncated: boolean) =>
      service.db.dataSource.query<{ id: string }[]>(
        `INSERT INTO pts_callbacks (kind, remote_address, raw_body, body_bytes, body_truncated, outcome, http_status)
         VALUES ('paymentCallback', $1, $2, $3, $4, 'rejected', 401) RETURNING id`,
        [remote, body, Buffer.byteLength(body), truncated],
      );
    const [stranger] = await insert('198.51.100.7', false);
    const refused = await request(service.url)
      .post(`/admin/callbacks/${stranger.id}/replay`)
      .set(as(ADMIN_KEY));
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('callbackAllowedIps');
    const [cut] = await insert('127.0.0.1', true);
    const partial = await request(service.url)
      .post(`/admin/callbacks/${cut.id}/replay`)
      .set(as(ADMIN_KEY));
    expect(partial.status).toBe(400);
    expect(partial.body.message).toContain('whole body');
    const [whole] = await insert('127.0.0.1', false);
    const replayed = await request(service.url)
      .post(`/admin/callbacks/${whole.id}/replay`)
      .set(as(ADMIN_KEY));
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ outcome: 'duplicate', reply: 'SUCCESS' });
  });
});
