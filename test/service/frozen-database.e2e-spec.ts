import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE_TIMEOUTS } from '../../src/app/database/data-source-options.js';
import { callbackFields, signedCallbackBody } from '../support/pts-test-callbacks.js';
import { submitCheckout } from '../support/checkout.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { ADMIN_KEY, startTestService, type TestService } from '../support/test-service.js';
import { eventually } from '../support/waiting.js';

/**
 * "A few seconds": the default statement timeout, its 500 ms grace, and a margin for a busy
 * two-core CI machine.
 */
const FAST_ENOUGH_MS = DEFAULT_DATABASE_TIMEOUTS.statementMs + 2500;

describe('a frozen database (the proxy holds every byte; no error ever arrives)', () => {
  let service: TestService;
  let proxy: TcpProxy;
  const admin = { Authorization: `Bearer ${ADMIN_KEY}` };
  const applicationName = `pts-frozen-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    service = await startTestService({
      label: 'frozen',
      // The service's default database timeouts; the sandbox retries long enough to outlast
      // the freeze.
      sandbox: { callbackRetry: { attempts: 30, baseDelayMs: 200, maxDelayMs: 1000 } },
      database: async (settings) => {
        proxy = TcpProxy.forUrl(settings.url);
        await proxy.start();
        return { ...settings, url: proxy.proxiedUrl(settings.url), applicationName };
      },
    });
  });

  afterAll(async () => {
    proxy?.thaw();
    await service?.close();
    await proxy?.stop();
  });

  it('answers callbacks 503 FAILED and admin 503 JSON within seconds, and loses nothing once it thaws', async () => {
    const created = await request(service.url)
      .post('/admin/payments')
      .set(admin)
      .send({ amount: '10', currency: 'PHP', channel: 'QRPH' });
    expect(created.status).toBe(201);
    const orderId = created.body.orderId as string;
    const keys = {
      gatewayPrivateKeyPem: service.credentials.gatewayPrivateKeyPem,
      safecode: service.credentials.safecode,
    };
    const processing = signedCallbackBody(
      keys,
      callbackFields(service.credentials.userId, created.body, '1000'),
    );

    proxy.freeze();
    const started = Date.now();
    const [callback, ...adminReplies] = await Promise.all([
      request(service.url)
        .post('/pts/callback/payment')
        .set('Content-Type', 'application/json')
        .send(processing),
      // More than the pool has connections: the rest wait for one, boundedly.
      ...Array.from({ length: 25 }, () => request(service.url).get('/admin/orders').set(admin)),
    ]);
    const elapsed = Date.now() - started;
    expect(callback.status).toBe(503);
    expect(callback.text).toBe('FAILED');
    for (const reply of adminReplies) {
      expect(reply.status).toBe(503);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      expect(reply.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    }
    expect(elapsed).toBeLessThan(FAST_ENOUGH_MS);

    // The gateway's own deliveries while frozen: answered 503 before its 5 s timeout.
    await submitCheckout(created.body.payUrl as string, 'pay');
    const refused = await eventually(
      () => service.sandbox.deliveries.find((d) => d.orderId === orderId && d.httpStatus === 503),
      15_000,
      'a delivery answered 503',
    );
    expect(refused.responseBody).toBe('FAILED');
    proxy.thaw();

    // After the thaw: our callback again, and the gateway's retries, are applied.
    const again = await request(service.url)
      .post('/pts/callback/payment')
      .set('Content-Type', 'application/json')
      .send(processing);
    expect(again.status).toBe(200);
    expect(again.text).toBe('SUCCESS');
    const done = await eventually(
      async () => {
        const res = await request(service.url).get(`/admin/orders/${orderId}`).set(admin);
        return res.body.status === 'success' ? res.body : undefined;
      },
      20_000,
      'success after the thaw',
    );
    // Nothing half-done survived the freeze: every row of this order is a committed verdict
    // (an abandoned transaction committed later would have left its provisional 404 row).
    const rows = await service.db.dataSource.query<{ outcome: string; http_status: number }[]>(
      `SELECT outcome, http_status FROM pts_callbacks WHERE order_id = $1`,
      [orderId],
    );
    expect(rows.every((r) => r.http_status === 200)).toBe(true);
    const acknowledged = service.sandbox.deliveries.filter(
      (d) => d.orderId === orderId && d.responseBody === 'SUCCESS',
    );
    const recorded = (done.callbacks as { outcome: string }[]).filter((c) =>
      ['applied', 'duplicate', 'ignored'].includes(c.outcome),
    );
    // Every acknowledged delivery plus our own second post is on record.
    expect(recorded.length).toBe(acknowledged.length + 1);
    const idle = await service.db.dataSource.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'idle in transaction' AND application_name = $1`,
      [applicationName],
    );
    expect(Number(idle[0].n)).toBe(0);
    // And the admin API answers again.
    const list = await request(service.url).get('/admin/orders').set(admin);
    expect(list.status).toBe(200);
  }, 60_000);
});
