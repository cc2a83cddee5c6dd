import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtsPayments } from '../../src/pts/orders/pts-payments.js';
import { callbackFields, signedCallbackBody } from '../support/pts-test-callbacks.js';
import { ADMIN_KEY, startTestService, type TestService } from '../support/test-service.js';
import { eventually, quietFor } from '../support/waiting.js';

/** Two instances of the service on one PostgreSQL: nothing that matters lives in one process. */
describe('two service instances on one database', () => {
  let a: TestService;
  let b: TestService;

  beforeAll(async () => {
    a = await startTestService({ label: 'twins' });
    b = await startTestService({ label: 'twins', instanceOf: a });
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('applies one callback sent to both instances at once exactly once, and delivers its event once', async () => {
    const order = await a.app.get(PtsPayments).createPayment({
      amount: '77.70',
      currency: 'PHP',
      channel: 'QRPH',
    });
    const body = signedCallbackBody(
      {
        gatewayPrivateKeyPem: a.credentials.gatewayPrivateKeyPem,
        safecode: a.credentials.safecode,
      },
      callbackFields(a.credentials.userId, order, '2000'),
    );
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(i % 2 ? a.url : b.url)
          .post('/pts/callback/payment')
          .set('Content-Type', 'application/json')
          .send(body),
      ),
    );
    expect(replies.map((r) => `${r.status} ${r.text}`)).toEqual(Array(20).fill('200 SUCCESS'));

    const seen = await request(b.url)
      .get(`/admin/orders/${order.orderId}`)
      .set('Authorization', `Bearer ${ADMIN_KEY}`);
    expect(seen.body.status).toBe('success');
    const outcomes = (seen.body.callbacks as { outcome: string }[]).map((c) => c.outcome);
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(19);

    const successes = () =>
      [...a.events, ...b.events].filter(
        (e) => e.orderId === order.orderId && e.status === 'success',
      );
    await eventually(() => successes().length > 0, 5000, 'the success event');
    // Both dispatchers poll every 50 ms; give a double delivery time to show itself.
    await quietFor(500);
    expect(successes()).toHaveLength(1);
  });
});
