import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PtsAccounts,
  PtsGatewayError,
  PtsInvalidRequestError,
  type PtsBankCard,
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
const logged: string[] = [];
const logger = {
  log: (m: unknown) => logged.push(String(m)),
  error: (m: unknown) => logged.push(String(m)),
  warn: (m: unknown) => logged.push(String(m)),
  debug: (m: unknown) => logged.push(String(m)),
  verbose: (m: unknown) => logged.push(String(m)),
};

const bankCard: PtsBankCard = {
  cardNo: '6222020202020202',
  cardName: 'Zhang San',
  cardType: 1,
  bankCode: 'ICBC',
  bankName: 'Industrial and Commercial Bank of China',
  bankBranch: 'Pudong',
  bankProvince: 'Shanghai',
  bankCity: 'Shanghai',
  email: 'zhang@example.com',
  phone: '09123456789',
};

function v1Options() {
  return { accounts: [harness.account('v1')] };
}

const tokenFetches = () => requestsFor(harness.sandbox, 'token').length;

async function emptyTokenCache(): Promise<void> {
  await db.dataSource.query('DELETE FROM pts_access_tokens');
}

beforeAll(async () => {
  [db, harness] = await Promise.all([createTestDatabase('client_v1'), startSandboxHarness()]);
  app = await startClientApp(db, v1Options(), logger);
});

afterAll(async () => {
  await app?.close();
  await harness?.stop();
  await db?.drop();
});

describe('PtsClient on API v1 against the sandbox over HTTP', () => {
  it('creates a payment with the access token and reads the signed answer', async () => {
    const orderId = newOrderId('P');
    const result = await app.client.createPayment({
      orderId,
      amount: '300.00',
      currency: 'PHP',
      channel: 'QRPH',
      redirectUrl: 'https://merchant.example/back',
      email: 'payer@example.com',
      phone: '09123456789',
    });
    expect(result).toMatchObject({ kind: 'json', orderId, submitAmount: '300.00' });
    expect((result as PtsJsonPaymentResult).verification).not.toBe('unverified');
    expect(requestsFor(harness.sandbox, 'payment', orderId)).toEqual([
      expect.objectContaining({ version: 'v1', code: '1000' }),
    ]);
  });

  it('refuses a v1 payment without redirectUrl, naming the field', async () => {
    const error = await app.client
      .createPayment({ orderId: newOrderId('R'), amount: '1', currency: 'PHP', channel: 'QRPH' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PtsInvalidRequestError);
    expect(error).toMatchObject({ code: 'missing_field', field: 'redirectUrl' });
  });

  it('queries a payment through its states', async () => {
    const orderId = newOrderId('Q');
    await app.client.createPayment({
      orderId,
      amount: '12.5',
      currency: 'PHP',
      channel: 'QRPH',
      redirectUrl: 'https://merchant.example/back',
    });
    expect((await app.client.queryPayment(orderId)).status).toBe('0000');
    await harness.sandbox.settle(harness.credentials.userId, orderId, 'pay');
    expect(await app.client.queryPayment(orderId)).toMatchObject({ orderId, status: '2000' });
  });

  it('creates and queries a withdrawal with the v1 bank card', async () => {
    const orderId = newOrderId('W');
    const created = await app.client.createWithdraw({
      orderId,
      amount: '75',
      currency: 'PHP',
      channel: 'QRPH_INSTAPAY',
      bankCard,
    });
    expect(created).toMatchObject({ orderId, submitAmount: '75' });
    await harness.sandbox.settle(harness.credentials.userId, orderId, 'pay');
    expect(await app.client.queryWithdraw(orderId)).toMatchObject({
      orderId,
      status: '2000',
      transactionId: created.transactionId,
    });
  });

  it('refuses a v1 withdrawal without bank card', async () => {
    const error = await app.client
      .createWithdraw({ orderId: newOrderId('W'), amount: '1', currency: 'PHP', channel: 'QRPH' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'missing_field', field: 'bankCard' });
  });

  it('reads the balance as total and as withdrawable, and refuses mode 2', async () => {
    const total = await app.client.balance({ mode: 0 });
    expect(Object.keys(total.balances)).toContain('PHP');
    const available = await app.client.balance({ mode: 1 });
    expect(Object.keys(available.balances.PHP)).toEqual(Object.keys(total.balances.PHP));
    await expect(app.client.balance({ mode: 2 })).rejects.toBeInstanceOf(PtsInvalidRequestError);
  });

  it('says that v1 has no support-channel endpoint, without calling PTS', async () => {
    const before = harness.sandbox.requests.length;
    await expect(app.client.supportChannels()).rejects.toMatchObject({
      code: 'endpoint_not_for_version',
    });
    expect(harness.sandbox.requests.length).toBe(before);
  });
});

describe('the v1 access token', () => {
  it('is fetched once for 50 concurrent calls with an empty cache', async () => {
    await emptyTokenCache();
    const fresh = await startClientApp(db, v1Options(), logger);
    try {
      const before = tokenFetches();
      const results = await Promise.all(Array.from({ length: 50 }, () => fresh.client.balance()));
      expect(results).toHaveLength(50);
      expect(tokenFetches() - before).toBe(1);
      expect(await fresh.metrics.registry.metrics()).toMatch(
        /pts_token_refreshes_total\{account="v1"\} 1/,
      );
    } finally {
      await fresh.close();
    }
  });

  it('is fetched once for two instances sharing the database', async () => {
    await emptyTokenCache();
    const [a, b] = await Promise.all([
      startClientApp(db, v1Options(), logger),
      startClientApp(db, v1Options(), logger),
    ]);
    try {
      const before = tokenFetches();
      await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).client.balance()));
      expect(tokenFetches() - before).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('is stored sealed in PostgreSQL and reused by a new instance without a fetch', async () => {
    await app.client.balance();
    const rows: { access_token_sealed: string; token_type: string }[] = await db.dataSource.query(
      'SELECT access_token_sealed, token_type FROM pts_access_tokens',
    );
    expect(rows).toHaveLength(1);
    const cipher = app.moduleRef.get(PtsAccounts).get('v1').cipher;
    const token = cipher.decrypt(rows[0].access_token_sealed);
    expect(token.length).toBeGreaterThan(8);
    expect(rows[0].access_token_sealed).not.toContain(token);
    expect(rows[0].token_type).toBe('Bearer');
    const another = await startClientApp(db, v1Options(), logger);
    try {
      const before = tokenFetches();
      await another.client.balance();
      expect(tokenFetches()).toBe(before);
    } finally {
      await another.close();
    }
  });

  it('is refreshed once when PTS says it expired (1016), and the call succeeds', async () => {
    await app.client.balance();
    harness.sandbox.expireTokens(harness.credentials.userId);
    const before = tokenFetches();
    const balancesBefore = requestsFor(harness.sandbox, 'balance').length;
    await expect(app.client.balance()).resolves.toHaveProperty('balances');
    expect(tokenFetches() - before).toBe(1);
    const balanceCodes = requestsFor(harness.sandbox, 'balance')
      .slice(balancesBefore)
      .map((r) => r.code);
    expect(balanceCodes).toEqual(['1016', '1000']);
  });

  it('is refreshed once when 30 concurrent calls all meet the expired token', async () => {
    await app.client.balance();
    harness.sandbox.expireTokens(harness.credentials.userId);
    const before = tokenFetches();
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () => app.client.balance()),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(tokenFetches() - before).toBe(1);
  });

  it('is refreshed on 1012 even for a create, which is sent once more and succeeds', async () => {
    await app.client.balance();
    const orderId = newOrderId('T');
    harness.sandbox.setFault({
      kind: 'error',
      code: '1012',
      endpoint: 'payment',
      orderId,
      times: 1,
    });
    const before = tokenFetches();
    const result = await app.client.createPayment({
      orderId,
      amount: '5',
      currency: 'PHP',
      channel: 'QRPH',
      redirectUrl: 'https://merchant.example/back',
    });
    expect(result.kind).toBe('json');
    expect(tokenFetches() - before).toBe(1);
    expect(requestsFor(harness.sandbox, 'payment', orderId).map((r) => r.code)).toEqual([
      '1012',
      '1000',
    ]);
  });

  it('is re-fetched only once: a second refusal is the caller’s error', async () => {
    await app.client.balance();
    harness.sandbox.setFault({ kind: 'error', code: '1016', endpoint: 'balance', times: 2 });
    try {
      const before = tokenFetches();
      const error = await app.client.balance().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PtsGatewayError);
      expect(error).toMatchObject({ ptsCode: '1016', meaning: 'API token expired' });
      expect(tokenFetches() - before).toBe(1);
    } finally {
      harness.sandbox.clearFaults();
    }
  });

  it('is refreshed ahead of its expiry by the configured margin', async () => {
    await app.client.balance();
    // Another instance sees a token 10 s from expiry; the margin is 30 s, so it fetches anew.
    await db.dataSource.query(
      "UPDATE pts_access_tokens SET expires_at = now() + interval '10 seconds', fetched_at = now() - interval '1 hour'",
    );
    const other = await startClientApp(db, v1Options(), logger);
    try {
      const before = tokenFetches();
      await other.client.balance();
      expect(tokenFetches() - before).toBe(1);
      const [row]: { expires_at: Date }[] = await db.dataSource.query(
        'SELECT expires_at FROM pts_access_tokens',
      );
      expect(row.expires_at.getTime()).toBeGreaterThan(Date.now() + 3600_000);
    } finally {
      await other.close();
    }
  });
});

describe('secrets of a v1 account', () => {
  it('never appear in what the module logged: safecode, token', async () => {
    await app.client.balance();
    const [row]: { access_token_sealed: string }[] = await db.dataSource.query(
      'SELECT access_token_sealed FROM pts_access_tokens',
    );
    const token = app.moduleRef.get(PtsAccounts).get('v1').cipher.decrypt(row.access_token_sealed);
    const text = logged.join('\n');
    expect(text).toMatch(/Fetched a v1 access token for account "v1"/);
    expect(text).toMatch(/PTS refused the access token of account "v1" \(1016\)/);
    expect(text).not.toContain(token);
    expect(text).not.toContain(harness.credentials.safecode);
  });
});
