import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PtsGatewayError,
  PtsInvalidRequestError,
  type PtsJsonPaymentResult,
} from '../../src/pts/index.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import {
  newOrderId,
  requestsFor,
  startClientApp,
  startSandboxHarness,
  type PtsClientApp,
  type PtsClientHarness,
} from './support/pts-client-harness.js';

let db: TestDatabase;
let harness: PtsClientHarness;
let app: PtsClientApp;

beforeAll(async () => {
  [db, harness] = await Promise.all([createTestDatabase('client_v2'), startSandboxHarness()]);
  app = await startClientApp(db, { accounts: [harness.account('v2')] });
});

afterAll(async () => {
  await app?.close();
  await harness?.stop();
  await db?.drop();
});

describe('PtsClient on API v2 against the sandbox over HTTP', () => {
  it('creates a payment and reads the signed JSON answer with exact amounts', async () => {
    const orderId = newOrderId('P');
    const result = await app.client.createPayment({
      orderId,
      amount: '100.10',
      currency: 'PHP',
      channel: 'QRPH',
      redirectUrl: 'https://merchant.example/back',
    });
    expect(result.kind).toBe('json');
    const payment = result as PtsJsonPaymentResult;
    expect(payment).toMatchObject({
      orderId,
      channel: 'QRPH',
      submitCurrency: 'PHP',
      submitAmount: '100.10',
      verification: 'raw',
    });
    expect(payment.transactionId).toMatch(/^P/);
    expect(payment.payUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const seen = requestsFor(harness.sandbox, 'payment', orderId);
    expect(seen).toEqual([expect.objectContaining({ version: 'v2', code: '1000' })]);
    // What the gateway stored: the amount as given, the default callback URL, our redirect.
    expect(harness.sandbox.order(harness.credentials.userId, orderId)).toMatchObject({
      amount: '100.10',
      callbackUrl: 'http://127.0.0.1:9/pts/callback/payment',
      redirectUrl: 'https://merchant.example/back',
    });
  });

  it('sends the callback URL the caller gives instead of the default', async () => {
    const orderId = newOrderId('C');
    await app.client.createWithdraw({
      orderId,
      amount: '3',
      currency: 'PHP',
      channel: 'QRPH_INSTAPAY',
      callbackUrl: 'https://elsewhere.example/hook',
    });
    expect(harness.sandbox.order(harness.credentials.userId, orderId)?.callbackUrl).toBe(
      'https://elsewhere.example/hook',
    );
  });

  it('queries a payment before and after the payer paid', async () => {
    const orderId = newOrderId('Q');
    await app.client.createPayment({ orderId, amount: '25', currency: 'PHP', channel: 'QRPH' });
    const waiting = await app.client.queryPayment(orderId);
    expect(waiting).toMatchObject({ orderId, status: '0000', submitAmount: '25' });
    expect(typeof waiting.timestamp).toBe('number');
    await harness.sandbox.settle(harness.credentials.userId, orderId, 'pay');
    const paid = await app.client.queryPayment(orderId);
    expect(paid.status).toBe('2000');
    expect(paid.verification).toBe('raw');
  });

  it('creates and queries a withdrawal with v2 details', async () => {
    const orderId = newOrderId('W');
    const created = await app.client.createWithdraw({
      orderId,
      amount: '50.5',
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
    expect(created).toMatchObject({ orderId, submitAmount: '50.5', verification: 'raw' });
    expect(created.transactionId).toMatch(/^W/);
    const queried = await app.client.queryWithdraw(orderId);
    expect(queried).toMatchObject({ orderId, transactionId: created.transactionId });
    expect(['0000', '1000']).toContain(queried.status);
    await harness.sandbox.settle(harness.credentials.userId, orderId, 'fail');
    expect((await app.client.queryWithdraw(orderId)).status).toBe('3000');
  });

  it('reads the balance in all three modes', async () => {
    const total = await app.client.balance();
    const [currency] = Object.keys(total.balances);
    expect(currency).toBe('PHP');
    for (const value of Object.values(total.balances.PHP)) expect(typeof value).toBe('string');
    const available = await app.client.balance({ mode: 1 });
    expect(Object.keys(available.balances.PHP)).toEqual(Object.keys(total.balances.PHP));
    const both = await app.client.balance({ mode: 2 });
    for (const value of Object.values(both.balances.PHP)) {
      const pair = value as { total: string; available: string };
      expect(Object.keys(pair).sort()).toEqual(['available', 'total']);
      expect(pair.total).toMatch(/^\d+(\.\d+)?$/);
      expect(pair.available).toMatch(/^\d+(\.\d+)?$/);
    }
  });

  it('lists the supported channels, subjects included', async () => {
    const { items } = await app.client.supportChannels();
    expect(items).toContainEqual({
      channel: 'QRPH',
      channelSubject: null,
      channelSubjectName: null,
      type: 'payment',
      currency: 'PHP',
    });
    expect(items).toContainEqual(
      expect.objectContaining({
        channel: 'QRPH_INSTAPAY',
        type: 'withdraw',
        channelSubject: 'UNO',
      }),
    );
  });

  it('maps a duplicate order id to gateway code 1003', async () => {
    const orderId = newOrderId('D');
    const request = { orderId, amount: '10', currency: 'PHP', channel: 'QRPH' };
    await app.client.createPayment(request);
    const error = await app.client.createPayment(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PtsGatewayError);
    expect(error).toMatchObject({
      ptsCode: '1003',
      code: 'gateway_1003',
      meaning: 'Duplicate order id',
    });
  });

  it('maps a query for an unknown order to gateway code 1002', async () => {
    const error = await app.client.queryPayment(newOrderId('U')).catch((e: unknown) => e);
    expect(error).toMatchObject({ ptsCode: '1002', meaning: 'Transaction not found' });
  });

  it.each([
    ['an amount with 7 decimals', '1.1234567'],
    ['a zero amount', '0.00'],
    ['a negative amount', '-5'],
    ['a float-looking exponent', '1e3'],
  ])('refuses %s before sending anything', async (_case, amount) => {
    const before = harness.sandbox.requests.length;
    const error = await app.client
      .createPayment({ orderId: newOrderId('A'), amount, currency: 'PHP', channel: 'QRPH' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PtsInvalidRequestError);
    expect(error).toMatchObject({ code: 'invalid_amount', field: 'amount' });
    expect(harness.sandbox.requests.length).toBe(before);
  });

  it('refuses v1-only fields on a v2 account', async () => {
    const error = await app.client
      .createPayment({
        orderId: newOrderId('X'),
        amount: '1',
        currency: 'PHP',
        channel: 'QRPH',
        bankCode: 'BDO',
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'field_not_for_version', field: 'bankCode' });
  });

  it('counts every exchange in its own metrics registry', async () => {
    const text = await app.metrics.registry.metrics();
    expect(text).toMatch(/pts_requests_total\{account="v2",endpoint="payment",code="1000"\} \d+/);
    expect(text).toMatch(/pts_requests_total\{account="v2",endpoint="payment",code="1003"\} 1/);
    expect(text).toMatch(/pts_request_duration_seconds_count\{account="v2",endpoint="balance"\} 3/);
  });
});
