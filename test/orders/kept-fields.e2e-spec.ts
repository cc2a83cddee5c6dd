import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtsPayments } from '../../src/pts/orders/pts-payments.js';
import { callbackFields, signedCallbackBody } from '../support/pts-test-callbacks.js';
import { ADMIN_KEY, startTestService, type TestService } from '../support/test-service.js';
import { eventually } from '../support/waiting.js';

/**
 * reference_number, details_url, submit_promo, accept_promo (B4.2, B4.5) and the v1 `hash`
 * (B4.3) kept on the order as columns, not only in the raw callback body.
 */
type Kept = {
  reference_number: string | null;
  details_url: string | null;
  submit_promo: string | null;
  accept_promo: string | null;
  pts_hash: string | null;
  status: string;
};

let seq = 0;
const admin = () => ({ Authorization: `Bearer ${ADMIN_KEY}` });

async function kept(service: TestService, orderId: string): Promise<Kept> {
  const rows = await service.db.dataSource.query<Kept[]>(
    `SELECT reference_number, details_url, submit_promo, accept_promo, pts_hash, status
       FROM pts_orders WHERE order_id = $1`,
    [orderId],
  );
  return rows[0];
}

describe('v2: fields of callbacks and queries kept on the order', () => {
  let service: TestService;
  let payments: PtsPayments;
  let keys: { gatewayPrivateKeyPem: string; safecode: string };

  beforeAll(async () => {
    service = await startTestService({
      label: 'kept_v2',
      sandbox: { autoSettleWithdrawals: false },
    });
    payments = service.app.get(PtsPayments);
    keys = {
      gatewayPrivateKeyPem: service.credentials.gatewayPrivateKeyPem,
      safecode: service.credentials.safecode,
    };
  });

  afterAll(async () => {
    await service?.close();
  });

  const post = (path: string, body: string) =>
    request(service.url).post(path).set('Content-Type', 'application/json').send(body);

  it('keeps reference_number and both promo amounts of a payment callback, digits as sent', async () => {
    const order = await payments.createPayment({
      orderId: `kp-${++seq}-${Date.now()}`,
      amount: '100.10',
      currency: 'PHP',
      channel: 'QRPH',
    });
    const body = signedCallbackBody(
      keys,
      callbackFields(service.credentials.userId, order, '2000', {
        reference_number: 'INV-7781',
        submit_promo: '5.5000000000',
        accept_promo: '5.50',
      }),
    );
    const reply = await post('/pts/callback/payment', body);
    expect(reply.text).toBe('SUCCESS');
    expect(await kept(service, order.orderId)).toMatchObject({
      status: 'success',
      reference_number: 'INV-7781',
      submit_promo: '5.5000000000',
      accept_promo: '5.50',
    });
    const shown = await request(service.url).get(`/admin/orders/${order.orderId}`).set(admin());
    expect(shown.body).toMatchObject({
      referenceNumber: 'INV-7781',
      submitPromo: '5.5000000000',
      acceptPromo: '5.50',
    });
    // A later copy without the fields does not erase them.
    const again = signedCallbackBody(
      keys,
      callbackFields(service.credentials.userId, order, '2000'),
    );
    expect((await post('/pts/callback/payment', again)).text).toBe('SUCCESS');
    expect((await kept(service, order.orderId)).reference_number).toBe('INV-7781');
  });

  it('keeps reference_number and details_url of a withdraw callback', async () => {
    const order = await payments.createWithdraw({
      orderId: `kw-${++seq}-${Date.now()}`,
      amount: '250.00',
      currency: 'PHP',
      channel: 'QRPH_INSTAPAY',
      details: { channelSubject: 'UNO', accountNumber: '1234567890', phone: '09123456789' },
    });
    const body = signedCallbackBody(
      keys,
      callbackFields(
        service.credentials.userId,
        { ...order, transactionId: order.transactionId },
        '2000',
        {
          reference_number: 'BANKREF-1',
          details_url: 'https://gateway.example/withdraw/details/abc',
        },
      ),
    );
    expect((await post('/pts/callback/withdraw', body)).text).toBe('SUCCESS');
    expect(await kept(service, order.orderId)).toMatchObject({
      status: 'success',
      reference_number: 'BANKREF-1',
      details_url: 'https://gateway.example/withdraw/details/abc',
    });
  });

  it('keeps the reference_number of a query answer (sync)', async () => {
    const order = await payments.createPayment({
      orderId: `kq-${++seq}-${Date.now()}`,
      amount: '20.00',
      currency: 'PHP',
      channel: 'QRPH',
    });
    await service.sandbox.settle(service.credentials.userId, order.orderId, 'pay');
    // The callbacks bring it too; forget it so that only the query answer can bring it back.
    await eventually(async () => (await kept(service, order.orderId)).status === 'success');
    await service.db.dataSource.query(
      `UPDATE pts_orders SET reference_number = NULL WHERE order_id = $1`,
      [order.orderId],
    );
    const synced = await payments.sync(order.orderId);
    expect(synced.status).toBe('success');
    const expected = service.sandbox.order(
      service.credentials.userId,
      order.orderId,
    )?.referenceNumber;
    expect(expected).toMatch(/^INV/);
    expect(synced.referenceNumber).toBe(expected);
  });
});

describe('v1: the query hash kept on the order', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ label: 'kept_v1', apiVersion: 'v1' });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('asks for return_hash on sync and keeps the hash', async () => {
    const payments = service.app.get(PtsPayments);
    const order = await payments.createPayment({
      orderId: `kh-${++seq}-${Date.now()}`,
      amount: '30.00',
      currency: 'PHP',
      channel: 'QRPH',
      redirectUrl: 'https://merchant.example/back',
    });
    expect(order.ptsHash).toBeNull();
    const synced = await payments.sync(order.orderId);
    expect(synced.ptsHash).toMatch(/^[0-9a-z]{64}$/);
    expect((await kept(service, order.orderId)).pts_hash).toBe(synced.ptsHash);
  });
});
