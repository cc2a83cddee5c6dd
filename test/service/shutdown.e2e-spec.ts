import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtsPayments } from '../../src/pts/orders/pts-payments.js';
import { callbackFields, signedCallbackBody } from '../support/pts-test-callbacks.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe('graceful shutdown', () => {
  let service: TestService;
  let proxy: TcpProxy;

  beforeAll(async () => {
    service = await startTestService({
      label: 'shutdown',
      database: async (settings) => {
        proxy = TcpProxy.forUrl(settings.url);
        await proxy.start();
        return { ...settings, url: proxy.proxiedUrl(settings.url) };
      },
    });
  });

  afterAll(async () => {
    await service.sandbox.stop();
    await proxy.stop();
    await service.db.drop();
  });

  it('finishes a callback in flight, answers it, and only then closes the database', async () => {
    const order = await service.app.get(PtsPayments).createPayment({
      amount: '5.00',
      currency: 'PHP',
      channel: 'QRPH',
    });
    // A slow database keeps the callback in flight while the app is asked to stop.
    proxy.latencyMs = 150;
    const body = signedCallbackBody(
      {
        gatewayPrivateKeyPem: service.credentials.gatewayPrivateKeyPem,
        safecode: service.credentials.safecode,
      },
      callbackFields(service.credentials.userId, order, '2000'),
    );
    const arrived = new Promise((resolve) => service.app.getHttpServer().once('request', resolve));
    const inFlight = request(service.url)
      .post('/pts/callback/payment')
      .set('Content-Type', 'application/json')
      .send(body)
      .then((r) => r);
    await arrived;
    const closed = service.app.close();
    const reply = await inFlight;
    await closed;
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('SUCCESS');

    const [row] = await service.db.dataSource.query<{ status: string }[]>(
      `SELECT status FROM pts_orders WHERE order_id = $1`,
      [order.orderId],
    );
    expect(row.status).toBe('success');
    // Stopped: new connections are refused.
    await expect(fetch(`${service.url}/health`)).rejects.toThrow();
  });
});
