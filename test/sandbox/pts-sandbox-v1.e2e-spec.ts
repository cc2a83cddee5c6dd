import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PtsSandbox,
  sandboxMerchantFromCredentials,
  type PtsSandboxCredentials,
} from '../../src/sandbox/index.js';
import {
  handSeal,
  handTokenHash,
  now,
  send,
  SIGNED_FIELDS,
  V1_PATHS,
  verifiesWithGatewayKey,
  type HandMerchant,
  type HandSealOptions,
  type V1Endpoint,
} from '../support/hand-made-pts.js';
import { handMerchant, newOrderId, testCredentials } from './support/sandbox-fixture.js';

const ENDPOINTS: V1Endpoint[] = ['payment', 'paymentQuery', 'withdraw', 'withdrawQuery', 'balance'];

const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;

describe('sandbox API v1: access token, then requests assembled by hand', () => {
  let credentials: PtsSandboxCredentials;
  let merchant: HandMerchant;
  let sandbox: PtsSandbox;
  let authorization: string;
  let paymentOrderId: string;
  let withdrawOrderId: string;

  const postJson = (path: string, body: unknown, contentType = 'application/json') =>
    send(`${sandbox.url}${path}`, {
      body: JSON.stringify(body),
      headers: { 'Content-Type': contentType },
    });

  /** B 3: random code, then token with sha256_hex(random_code + user_id + safecode). */
  async function newAuthorization(who: HandMerchant = merchant): Promise<string> {
    const random = await postJson('/merchant/random_code', { user_id: who.userId });
    const code = random.json!.data!.code as string;
    const token = await postJson('/merchant/token', {
      user_id: who.userId,
      hash: handTokenHash(code, who.userId, who.safecode),
    });
    const data = token.json!.data!;
    return `${String(data.token_type)} ${String(data.access_token)}`;
  }

  function fields(endpoint: V1Endpoint, orderId = newOrderId()): Record<string, unknown> {
    const user = { user_id: merchant.userId };
    switch (endpoint) {
      case 'payment':
        return {
          ...user,
          order_id: orderId,
          amount: '40000',
          currency: 'CNY',
          channel: 'alipay',
          email: 'payer@example.com',
          phone: '09123456789',
          bank_code: '',
          callback_url: 'http://127.0.0.1:9/callback',
          redirect_url: 'https://merchant.example/return',
          timestamp: now(),
          remark: 'test',
        };
      case 'withdraw':
        return {
          ...user,
          order_id: orderId,
          amount: '1000.50',
          currency: 'CNY',
          channel: 'bank2bank',
          card_no: '6222020000000000000',
          card_name: 'Zhang San',
          card_type: 1,
          bank_code: 'ICBC',
          bank_name: 'Industrial and Commercial Bank of China',
          bank_branch: 'Main',
          bank_province: 'Beijing',
          bank_city: 'Beijing',
          cnaps_code: '',
          email: 'payee@example.com',
          phone: '09123456789',
          callback_url: 'http://127.0.0.1:9/callback',
          timestamp: now(),
        };
      case 'paymentQuery':
        return { ...user, order_id: paymentOrderId };
      case 'withdrawQuery':
        return { ...user, order_id: withdrawOrderId };
      case 'balance':
        return { ...user, type: 0 };
    }
  }

  async function call(
    endpoint: V1Endpoint,
    body: Record<string, unknown> = fields(endpoint),
    options: HandSealOptions = {},
  ) {
    const request = handSeal(body, SIGNED_FIELDS.v1[endpoint], merchant, {
      authorization,
      hmac: false,
      ...options,
    });
    if (options.authorization === '') delete request.headers.Authorization;
    return send(`${sandbox.url}${V1_PATHS[endpoint]}`, request);
  }

  beforeAll(async () => {
    credentials = testCredentials();
    merchant = handMerchant(credentials);
    sandbox = await PtsSandbox.start({
      gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
      merchants: [
        sandboxMerchantFromCredentials(credentials),
        { ...sandboxMerchantFromCredentials(credentials), userId: '779', guid: 'second' },
      ],
      autoSettleWithdrawals: false,
    });
    authorization = await newAuthorization();
    paymentOrderId = newOrderId('PAY');
    withdrawOrderId = newOrderId('WDR');
    expect((await call('payment', fields('payment', paymentOrderId))).json?.code).toBe('1000');
    expect((await call('withdraw', fields('withdraw', withdrawOrderId))).json?.code).toBe('1000');
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  describe('the access token (B 3)', () => {
    it('issues a 32-character random code that lives 300 s, as plain JSON without sign', async () => {
      const answer = await postJson('/merchant/random_code', { user_id: merchant.userId });
      expect(answer.json).toMatchObject({ code: '1000' });
      const data = answer.json!.data!;
      expect(data.code).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(data.expires_in).toBe(300);
      expect(Math.abs((data.expires_at as number) - now() - 300)).toBeLessThanOrEqual(2);
      expect(data.sign).toBeUndefined();
    });

    it('issues a Bearer token for the right hash, once per random code', async () => {
      const random = await postJson('/merchant/random_code', { user_id: merchant.userId });
      const hash = handTokenHash(
        random.json!.data!.code as string,
        merchant.userId,
        merchant.safecode,
      );
      const token = await postJson('/merchant/token', { user_id: merchant.userId, hash });
      expect(token.json?.code).toBe('1000');
      expect(token.json!.data).toMatchObject({ token_type: 'Bearer', expires_in: 7200 });
      expect(token.json!.data!.access_token).toMatch(/^[A-Za-z0-9]{48}$/);
      const again = await postJson('/merchant/token', { user_id: merchant.userId, hash });
      expect(again.json?.code).toBe('1012');
    });

    it.each([
      [
        'a hash made without the safecode',
        '1012',
        (code: string) => ({
          user_id: merchant.userId,
          hash: handTokenHash(code, merchant.userId, ''),
        }),
      ],
      [
        'an unknown user_id',
        '1009',
        (code: string) => ({
          user_id: '424242',
          hash: handTokenHash(code, '424242', merchant.safecode),
        }),
      ],
      ['no hash', '1001', () => ({ user_id: merchant.userId })],
    ])('refuses a token request with %s -> %s', async (_label, expected, body) => {
      const random = await postJson('/merchant/random_code', { user_id: merchant.userId });
      const answer = await postJson('/merchant/token', body(random.json!.data!.code as string));
      expect(answer.json?.code).toBe(expected);
    });

    it('refuses a random code request for an unknown user_id -> 1009', async () => {
      expect((await postJson('/merchant/random_code', { user_id: '424242' })).json?.code).toBe(
        '1009',
      );
    });

    it('refuses a random code request that is not application/json -> 1020', async () => {
      const answer = await postJson(
        '/merchant/random_code',
        { user_id: merchant.userId },
        'text/plain',
      );
      expect(answer.json?.code).toBe('1020');
    });

    it('refuses a random code request that is not JSON -> 1001', async () => {
      const answer = await send(`${sandbox.url}/merchant/random_code`, {
        body: 'user_id=1',
        headers: { 'Content-Type': 'application/json' },
      });
      expect(answer.json?.code).toBe('1001');
    });
  });

  describe('a conformant request succeeds', () => {
    it('creates a payment with a signed pay_url', async () => {
      const orderId = newOrderId();
      const answer = await call('payment', fields('payment', orderId));
      expect(answer.json).toMatchObject({ code: '1000', message: 'Accepted' });
      const data = answer.json!.data!;
      expect(data).toMatchObject({
        order_id: orderId,
        submit_amount: '40000',
        submit_currency: 'CNY',
      });
      expect(data.transaction_id).toMatch(/^P/);
      expect(verifiesWithGatewayKey(merchant, data, SIGNED_FIELDS.gateway.paymentResponse)).toBe(
        true,
      );
      expect(sandbox.order(merchant.userId, orderId)).toMatchObject({
        version: 'v1',
        status: '0000',
      });
    });

    it('accepts a payment without bank_code, signed as `bank_code=` (A3)', async () => {
      const body = fields('payment');
      delete body.bank_code;
      expect((await call('payment', body)).json?.code).toBe('1000');
    });

    it('answers a payment query, with `hash` when return_hash is true', async () => {
      const answer = await call('paymentQuery', { ...fields('paymentQuery'), return_hash: true });
      expect(answer.json).toMatchObject({ code: '1000', message: 'Order Success' });
      const data = answer.json!.data!;
      expect(data).toMatchObject({ order_id: paymentOrderId, status: '0000' });
      expect(data.hash).toMatch(/^[0-9a-z]{64}$/);
      expect(data.reference_number).toBeUndefined();
      expect(verifiesWithGatewayKey(merchant, data, SIGNED_FIELDS.gateway.status)).toBe(true);
    });

    it('creates a withdrawal with the bank-card fields', async () => {
      const answer = await call('withdraw');
      expect(answer.json?.code).toBe('1000');
      expect(answer.json!.data!.transaction_id).toMatch(/^W/);
      expect(
        verifiesWithGatewayKey(
          merchant,
          answer.json!.data!,
          SIGNED_FIELDS.gateway.withdrawResponse,
        ),
      ).toBe(true);
    });

    it('answers a withdraw query', async () => {
      const answer = await call('withdrawQuery');
      expect(answer.json?.code).toBe('1000');
      expect(
        verifiesWithGatewayKey(merchant, answer.json!.data!, SIGNED_FIELDS.gateway.status),
      ).toBe(true);
    });

    it('answers the balance; type 1 excludes withdrawals in progress', async () => {
      const current = await call('balance', { ...fields('balance'), type: 0 });
      const withdrawable = await call('balance', { ...fields('balance'), type: 1 });
      expect(current.json?.code).toBe('1000');
      expect(
        verifiesWithGatewayKey(merchant, current.json!.data!, SIGNED_FIELDS.gateway.balance),
      ).toBe(true);
      // Nothing configured for CNY: the pending withdrawals show as negative availability.
      expect((current.json!.data!.CNY as Record<string, string>).bank2bank).toBe('0');
      expect(
        Number((withdrawable.json!.data!.CNY as Record<string, string>).bank2bank),
      ).toBeLessThan(0);
      expect(current.json!.data!.PHP).toEqual({ QRPH: '100000.00', QRPH_INSTAPAY: '100000.00' });
    });

    it('does not apply the v2 timestamp window to v1 (none is documented)', async () => {
      const answer = await call('payment', { ...fields('payment'), timestamp: now() - 3600 });
      expect(answer.json?.code).toBe('1000');
    });

    it('reuses one token for many calls until it expires, then answers 1016', async () => {
      const mine = await newAuthorization();
      expect((await call('balance', fields('balance'), { authorization: mine })).json?.code).toBe(
        '1000',
      );
      expect((await call('balance', fields('balance'), { authorization: mine })).json?.code).toBe(
        '1000',
      );
      sandbox.expireTokens(merchant.userId);
      expect((await call('balance', fields('balance'), { authorization: mine })).json?.code).toBe(
        '1016',
      );
      authorization = await newAuthorization();
      expect((await call('balance')).json?.code).toBe('1000');
    });

    it('expires tokens on its own once their lifetime is over', async () => {
      const shortLived = await PtsSandbox.start({
        gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
        merchants: [sandboxMerchantFromCredentials(credentials)],
        tokenTtlSeconds: 0,
      });
      try {
        const random = await send(`${shortLived.url}/merchant/random_code`, {
          body: JSON.stringify({ user_id: merchant.userId }),
          headers: { 'Content-Type': 'application/json' },
        });
        const token = await send(`${shortLived.url}/merchant/token`, {
          body: JSON.stringify({
            user_id: merchant.userId,
            hash: handTokenHash(
              random.json!.data!.code as string,
              merchant.userId,
              merchant.safecode,
            ),
          }),
          headers: { 'Content-Type': 'application/json' },
        });
        const request = handSeal(fields('balance'), SIGNED_FIELDS.v1.balance, merchant, {
          hmac: false,
          authorization: `Bearer ${String(token.json!.data!.access_token)}`,
        });
        expect((await send(`${shortLived.url}${V1_PATHS.balance}`, request)).json?.code).toBe(
          '1016',
        );
      } finally {
        await shortLived.stop();
      }
    });
  });

  describe.each(ENDPOINTS)('%s refuses a malformed request with its PTS code', (endpoint) => {
    it('no Authorization -> 1012', async () => {
      expect((await call(endpoint, fields(endpoint), { authorization: '' })).json?.code).toBe(
        '1012',
      );
    });

    it('an unknown access token -> 1012', async () => {
      const answer = await call(endpoint, fields(endpoint), {
        authorization: 'Bearer not-a-token',
      });
      expect(answer.json?.code).toBe('1012');
    });

    it('an expired access token -> 1016', async () => {
      const old = await newAuthorization();
      sandbox.expireTokens(merchant.userId);
      const answer = await call(endpoint, fields(endpoint), { authorization: old });
      authorization = await newAuthorization();
      expect(answer.json?.code).toBe('1016');
    });

    it('a token of another merchant -> 1009', async () => {
      const theirs = await newAuthorization({ ...merchant, userId: '779' });
      expect((await call(endpoint, fields(endpoint), { authorization: theirs })).json?.code).toBe(
        '1009',
      );
    });

    it('a body that is not base64 -> 1017', async () => {
      const answer = await call(endpoint, fields(endpoint), { body: () => '%%%' });
      expect(answer.json?.code).toBe('1017');
    });

    it('a sign made with another key -> 1010', async () => {
      expect((await call(endpoint, fields(endpoint), { signWith: otherKey })).json?.code).toBe(
        '1010',
      );
    });

    it('a missing required field -> 1001', async () => {
      const answer = await call(endpoint, fields(endpoint), {
        afterSign: (m) => {
          delete m.user_id;
        },
      });
      expect(answer.json?.code).toBe('1001');
    });

    it('Content-Type application/json -> 1020', async () => {
      const answer = await call(endpoint, fields(endpoint), { contentType: 'application/json' });
      expect(answer.json?.code).toBe('1020');
    });
  });

  describe('endpoint rules', () => {
    it.each([
      ['payment', 'amount'],
      ['paymentQuery', 'order_id'],
      ['withdraw', 'card_no'],
      ['withdrawQuery', 'order_id'],
    ] as const)(
      '%s: a signed field (%s) changed after signing -> 1010',
      async (endpoint, field) => {
        const answer = await call(endpoint, fields(endpoint), {
          afterSign: (m) => {
            m[field] = `${String(m[field])}1`;
          },
        });
        expect(answer.json?.code).toBe('1010');
      },
    );

    it.each(['payment', 'withdraw'] as const)(
      '%s: a duplicate order_id -> 1003',
      async (endpoint) => {
        const orderId = newOrderId();
        expect((await call(endpoint, fields(endpoint, orderId))).json?.code).toBe('1000');
        expect((await call(endpoint, fields(endpoint, orderId))).json?.code).toBe('1003');
      },
    );

    it('an order created on v1 is the same order on v2 (one merchant, both versions)', async () => {
      expect((await call('payment', fields('payment', paymentOrderId))).json?.code).toBe('1003');
    });

    it('payment: a missing callback_url (required in v1) -> 1001', async () => {
      const body = fields('payment');
      delete body.callback_url;
      expect((await call('payment', body)).json?.code).toBe('1001');
    });

    it.each([
      ['card_type 3', { card_type: 3 }],
      ['card_type 2 without cnaps_code', { card_type: 2, cnaps_code: '' }],
      ['no email', { email: undefined }],
    ])('withdraw: %s -> 1001', async (_label, change) => {
      expect((await call('withdraw', { ...fields('withdraw'), ...change })).json?.code).toBe(
        '1001',
      );
    });

    it('queries: an unknown order -> 1002', async () => {
      expect(
        (await call('paymentQuery', { ...fields('paymentQuery'), order_id: 'NOPE' })).json?.code,
      ).toBe('1002');
    });

    it('balance: a type other than 0 or 1 -> 1001', async () => {
      expect((await call('balance', { ...fields('balance'), type: 2 })).json?.code).toBe('1001');
    });

    it('v1 has no support-channel endpoint: 404 with code 1011', async () => {
      const answer = await send(`${sandbox.url}/merchant/support-channel`, {
        body: 'x',
        headers: {},
      });
      expect(answer.status).toBe(404);
      expect(answer.json?.code).toBe('1011');
    });
  });
});
