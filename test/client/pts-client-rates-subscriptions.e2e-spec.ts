import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PtsGatewayError,
  PtsInvalidRequestError,
  type PtsSubscribeRequest,
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

/** A recognisable test card number (valid check digit) to search for everywhere. */
const CARD = '4111111111111111';

let db: TestDatabase;
let harness: PtsClientHarness;
let v1: PtsClientApp;
let v2: PtsClientApp;
const logged: string[] = [];
const sandboxLog: string[] = [];
const logger = {
  log: (m: unknown) => logged.push(String(m)),
  error: (m: unknown) => logged.push(String(m)),
  warn: (m: unknown) => logged.push(String(m)),
  debug: (m: unknown) => logged.push(String(m)),
  verbose: (m: unknown) => logged.push(String(m)),
};

function subscription(overrides: Partial<PtsSubscribeRequest> = {}): PtsSubscribeRequest {
  return {
    orderId: newOrderId('S'),
    amount: '499.00',
    currency: 'PHP',
    channel: 'CARD',
    card: {
      number: CARD,
      expMonth: '12',
      expYear: String(new Date().getUTCFullYear() + 3),
      cvc: '737',
    },
    firstName: 'Juan',
    lastName: 'Dela Cruz',
    periodCount: 1,
    periodUnit: 'month',
    ...overrides,
  };
}

beforeAll(async () => {
  [db, harness] = await Promise.all([
    createTestDatabase('client_rates_subs'),
    startSandboxHarness({ subscriptionUnitMs: 0, log: (line) => sandboxLog.push(line) }),
  ]);
  v1 = await startClientApp(db, { accounts: [harness.account('v1')] }, logger);
  v2 = await startClientApp(db, { accounts: [harness.account('v2')] }, logger);
});

afterAll(async () => {
  await v1?.close();
  await v2?.close();
  await harness?.stop();
  await db?.drop();
});

describe('v1 Exchange Rate (B4.9)', () => {
  it('reads the signed rate table as decimal text', async () => {
    const result = await v1.client.exchangeRate({ tradeCurrency: 'PHP' });
    expect(result.tradeCurrency).toBe('PHP');
    expect(result.rates.USD).toEqual({ payment: '55.07', withdraw: '55.09' });
    expect(result.verification).not.toBe('unverified');
    expect(requestsFor(harness.sandbox, 'exchangeRate')).toEqual([
      expect.objectContaining({ version: 'v1', code: '1000', path: '/merchant/rate' }),
    ]);
  });

  it('passes on the gateway refusal for a currency without rates (8008)', async () => {
    await expect(v1.client.exchangeRate({ tradeCurrency: 'EUR' })).rejects.toMatchObject({
      name: 'PtsGatewayError',
      ptsCode: '8008',
    });
  });

  it('refuses a v2 account before anything is sent', async () => {
    const before = harness.sandbox.requests.length;
    await expect(v2.client.exchangeRate()).rejects.toBeInstanceOf(PtsInvalidRequestError);
    await expect(v2.client.exchangeRate()).rejects.toMatchObject({
      code: 'endpoint_not_for_version',
    });
    expect(harness.sandbox.requests.length).toBe(before);
  });

  it('refuses a malformed trade currency', async () => {
    await expect(v1.client.exchangeRate({ tradeCurrency: 'p h p' })).rejects.toMatchObject({
      code: 'invalid_field',
      field: 'tradeCurrency',
    });
  });
});

describe('v1 return_hash on queries (B4.3, B4.6)', () => {
  it('asks for the hash only when told to, and returns it', async () => {
    const orderId = newOrderId('H');
    await v1.client.createPayment({
      orderId,
      amount: '10.00',
      currency: 'PHP',
      channel: 'QRPH',
      redirectUrl: 'https://merchant.example/back',
    });
    const plain = await v1.client.queryPayment(orderId);
    expect(plain.hash).toBeUndefined();
    const hashed = await v1.client.queryPayment(orderId, { returnHash: true });
    expect(hashed.hash).toMatch(/^[0-9a-z]{64}$/);
  });

  it('refuses returnHash on a v2 account, which has no such flag', async () => {
    await expect(v2.client.queryPayment('ANY1', { returnHash: true })).rejects.toMatchObject({
      code: 'field_not_for_version',
      field: 'returnHash',
    });
  });
});

describe('v2.1 subscribe and subscribe/disable (B4.11)', () => {
  it('subscribes with a card: the gateway keeps only its last four digits', async () => {
    const req = subscription();
    const result = await v2.client.subscribe(req);
    expect(result).toMatchObject({ orderId: req.orderId, submitAmount: '499.00' });
    expect(result.transactionId).toMatch(/^S/);
    expect(requestsFor(harness.sandbox, 'subscribe', req.orderId)).toEqual([
      expect.objectContaining({
        code: '1000',
        path: expect.stringMatching(/^\/merchant\/v2\.1\//),
      }),
    ]);
    const held = harness.sandbox.subscription(harness.credentials.userId, req.orderId);
    expect(held).toMatchObject({ cardLast4: '1111', enabled: true, periodCount: 1, periodUnit: 2 });
  });

  it('refuses a card with a bad check digit without quoting it', async () => {
    const bad = '4111111111111112';
    const error = await v2.client
      .subscribe(
        subscription({ card: { number: bad, expMonth: '1', expYear: '2099', cvc: '123' } }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PtsInvalidRequestError);
    expect((error as Error).message).not.toContain(bad);
    expect((error as PtsInvalidRequestError).field).toBe('card.number');
  });

  it('refuses a period out of range and a v1 account', async () => {
    await expect(v2.client.subscribe(subscription({ periodCount: 13 }))).rejects.toMatchObject({
      field: 'periodCount',
    });
    await expect(v1.client.subscribe(subscription())).rejects.toMatchObject({
      code: 'endpoint_not_for_version',
    });
  });

  it('is checked strictly by the sandbox: an expired card is refused with 1001', async () => {
    const req = subscription({
      card: { number: CARD, expMonth: '01', expYear: '2020', cvc: '123' },
    });
    const error = await v2.client.subscribe(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PtsGatewayError);
    expect(error).toMatchObject({ ptsCode: '1001' });
    expect((error as Error).message).toContain('card_exp');
  });

  it('disables a subscription and lists its payments', async () => {
    const req = subscription();
    await v2.client.subscribe(req);
    harness.sandbox.chargeSubscription(harness.credentials.userId, req.orderId, 'pay');
    harness.sandbox.chargeSubscription(harness.credentials.userId, req.orderId, 'fail');
    const result = await v2.client.disableSubscription(req.orderId);
    expect(result.enabled).toBe(false);
    expect(result.payments.map((p) => p.status)).toEqual(['2000', '3000']);
    expect(result.verification).not.toBe('unverified');
    expect(harness.sandbox.subscription(harness.credentials.userId, req.orderId)?.enabled).toBe(
      false,
    );
    await expect(v2.client.disableSubscription('NO-SUCH-SUB')).rejects.toMatchObject({
      ptsCode: '1002',
    });
  });

  it('never logs the card number, on either side', () => {
    expect(logged.join('\n')).not.toContain(CARD);
    expect(sandboxLog.join('\n')).not.toContain(CARD);
    expect(JSON.stringify(harness.sandbox.requests)).not.toContain(CARD);
    expect(JSON.stringify(harness.sandbox.subscriptions())).not.toContain(CARD);
  });
});
