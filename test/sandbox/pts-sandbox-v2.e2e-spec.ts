import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtsCipher } from '../../src/pts/protocol/pts-cipher.js';
import { sealPtsRequest } from '../../src/pts/protocol/pts-envelope.js';
import { ptsMessageSpec } from '../../src/pts/protocol/pts-fields.js';
import { PtsSigner } from '../../src/pts/protocol/pts-signer.js';
import {
  PtsSandbox,
  sandboxMerchantFromCredentials,
  type PtsSandboxCredentials,
} from '../../src/sandbox/index.js';
import {
  handEncrypt,
  handHmac,
  handSeal,
  now,
  send,
  SIGNED_FIELDS,
  v2Url,
  verifiesWithGatewayKey,
  type HandMerchant,
  type HandSealOptions,
  type V2Endpoint,
} from '../support/hand-made-pts.js';
import { handMerchant, newOrderId, testCredentials } from './support/sandbox-fixture.js';

const ENDPOINTS: V2Endpoint[] = [
  'payment',
  'paymentQuery',
  'withdraw',
  'withdrawQuery',
  'balance',
  'supportChannel',
];

const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;

describe('sandbox API v2: requests assembled by hand from the spec', () => {
  let credentials: PtsSandboxCredentials;
  let merchant: HandMerchant;
  let sandbox: PtsSandbox;
  let paymentOrderId: string;
  let withdrawOrderId: string;

  function fields(endpoint: V2Endpoint, orderId = newOrderId()): Record<string, unknown> {
    const base = { user_id: merchant.userId, timestamp: now() };
    switch (endpoint) {
      case 'payment':
        return {
          ...base,
          order_id: orderId,
          amount: '100.10',
          currency: 'PHP',
          channel: 'QRPH',
          redirect_url: 'https://merchant.example/return',
          remark: 'hand made',
        };
      case 'withdraw':
        return {
          ...base,
          order_id: orderId,
          amount: '250.5',
          currency: 'PHP',
          channel: 'QRPH_INSTAPAY',
          details: {
            channel_subject: 'UNO',
            account_number: '1234567890',
            email: 'payee@example.com',
            phone: '09123456789',
            name: 'Juan Dela Cruz',
            address: 'Manila',
          },
        };
      case 'paymentQuery':
        return { ...base, order_id: paymentOrderId };
      case 'withdrawQuery':
        return { ...base, order_id: withdrawOrderId };
      case 'balance':
        return { ...base, balance_mode: 2 };
      case 'supportChannel':
        return { ...base, currency: 'PHP' };
    }
  }

  async function call(
    endpoint: V2Endpoint,
    body: Record<string, unknown> = fields(endpoint),
    options: HandSealOptions = {},
    who: HandMerchant = merchant,
  ) {
    return send(
      v2Url(sandbox.url, who.guid, endpoint),
      handSeal(body, SIGNED_FIELDS.v2[endpoint], who, options),
    );
  }

  beforeAll(async () => {
    credentials = testCredentials();
    merchant = handMerchant(credentials);
    sandbox = await PtsSandbox.start({
      gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
      merchants: [
        sandboxMerchantFromCredentials(credentials),
        // A 16-character safecode (AES-128) with the HMAC over the plaintext (A2.5 option).
        {
          ...sandboxMerchantFromCredentials(credentials, { transactionSignatureOver: 'plaintext' }),
          userId: '777',
          guid: 'guid-aes128-plaintext-hmac',
          safecode: 'abcdef0123456789',
        },
        // A 20-character safecode NUL-padded to 32 bytes, as PHP's openssl does (A2.3 option).
        {
          ...sandboxMerchantFromCredentials(credentials, { aesKeyMode: 'zero-pad-256' }),
          userId: '778',
          guid: 'guid-zero-pad',
          safecode: 'abcdefghij0123456789',
        },
      ],
      autoSettleWithdrawals: false,
    });
    paymentOrderId = newOrderId('PAY');
    withdrawOrderId = newOrderId('WDR');
    expect((await call('payment', fields('payment', paymentOrderId))).json?.code).toBe('1000');
    expect((await call('withdraw', fields('withdraw', withdrawOrderId))).json?.code).toBe('1000');
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  describe('a conformant request succeeds', () => {
    it('creates a payment: P transaction id, pay_url on the checkout page, QR payload, signed data', async () => {
      const orderId = newOrderId();
      const answer = await call('payment', fields('payment', orderId));
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({ code: '1000', message: 'Accepted' });
      const data = answer.json!.data!;
      expect(data).toMatchObject({
        user_id: merchant.userId,
        order_id: orderId,
        channel: 'QRPH',
        submit_currency: 'PHP',
        submit_amount: '100.10',
        accept_currency: 'PHP',
        accept_amount: '100.10',
        exchange_rate: '1',
      });
      expect(data.transaction_id).toMatch(/^P\d+$/);
      expect(data.pay_url).toBe(`${sandbox.url}/sandbox/checkout/${String(data.transaction_id)}`);
      expect(data.qr_code).toMatch(/^000201/);
      expect(verifiesWithGatewayKey(merchant, data, SIGNED_FIELDS.gateway.paymentResponse)).toBe(
        true,
      );
      expect(sandbox.order(merchant.userId, orderId)?.status).toBe('0000');
    });

    it('answers a payment query with the current status, signed', async () => {
      const answer = await call('paymentQuery');
      expect(answer.json).toMatchObject({ code: '1000', message: 'Order Success' });
      const data = answer.json!.data!;
      expect(data).toMatchObject({
        order_id: paymentOrderId,
        status: '0000',
        submit_amount: '100.10',
      });
      expect(typeof data.timestamp).toBe('number');
      expect(verifiesWithGatewayKey(merchant, data, SIGNED_FIELDS.gateway.status)).toBe(true);
    });

    it('creates a withdrawal: W transaction id, signed data', async () => {
      const orderId = newOrderId();
      const answer = await call('withdraw', fields('withdraw', orderId));
      expect(answer.json?.code).toBe('1000');
      const data = answer.json!.data!;
      expect(data).toMatchObject({
        order_id: orderId,
        submit_amount: '250.5',
        channel: 'QRPH_INSTAPAY',
      });
      expect(data.transaction_id).toMatch(/^W\d+$/);
      expect(data.pay_url).toBeUndefined();
      expect(verifiesWithGatewayKey(merchant, data, SIGNED_FIELDS.gateway.withdrawResponse)).toBe(
        true,
      );
    });

    it('answers a withdraw query with the current status, signed', async () => {
      const answer = await call('withdrawQuery');
      expect(answer.json).toMatchObject({ code: '1000', message: 'Order Success' });
      expect(answer.json!.data).toMatchObject({ order_id: withdrawOrderId, status: '0000' });
      expect(
        verifiesWithGatewayKey(merchant, answer.json!.data!, SIGNED_FIELDS.gateway.status),
      ).toBe(true);
    });

    it('answers the balance in each balance_mode shape of B 4.7', async () => {
      const total = await call('balance', { ...fields('balance'), balance_mode: 0 });
      expect(total.json?.code).toBe('1000');
      expect(total.json!.data!.PHP).toMatchObject({ QRPH: '100000.00' });
      expect(
        verifiesWithGatewayKey(merchant, total.json!.data!, SIGNED_FIELDS.gateway.balance),
      ).toBe(true);

      // The pending withdrawals (250.5 each) are held: available is lower than total.
      const available = await call('balance', { ...fields('balance'), balance_mode: 1 });
      const both = await call('balance', { ...fields('balance'), balance_mode: 2 });
      const pending = sandbox
        .orders(merchant.userId)
        .filter((o) => o.kind === 'withdraw' && o.status === '0000').length;
      const expected = (100000 - 250.5 * pending).toFixed(1).replace(/\.0$/, '');
      expect((available.json!.data!.PHP as Record<string, string>).QRPH_INSTAPAY).toBe(expected);
      expect((both.json!.data!.PHP as Record<string, unknown>).QRPH_INSTAPAY).toEqual({
        total: '100000.00',
        available: expected,
      });
      const withoutMode = { ...fields('balance') };
      delete withoutMode.balance_mode;
      expect((await call('balance', withoutMode)).json!.data!.PHP).toMatchObject({
        QRPH: '100000.00',
      });
    });

    it('answers the support channels with the table key names of B 4.8', async () => {
      const answer = await call('supportChannel');
      expect(answer.json?.code).toBe('1000');
      const data = answer.json!.data!;
      expect(data.items).toContainEqual({
        transaction_channel: 'QRPH_INSTAPAY',
        transaction_channel_subject: 'UNO',
        transaction_channel_subject_name: 'UNOBank',
        transaction_type: 'withdraw',
        currency: 'PHP',
      });
      expect(verifiesWithGatewayKey(merchant, data, SIGNED_FIELDS.gateway.supportChannel)).toBe(
        true,
      );
    });

    it('accepts a timestamp sent as a string of digits, as the docs example does (B 8.6)', async () => {
      const answer = await call('balance', { ...fields('balance'), timestamp: String(now()) });
      expect(answer.json?.code).toBe('1000');
    });

    it('accepts a 16-character safecode (AES-128) with the HMAC over the plaintext', async () => {
      const aes128 = handMerchant(credentials, {
        userId: '777',
        guid: 'guid-aes128-plaintext-hmac',
        safecode: 'abcdef0123456789',
      });
      const answer = await call(
        'balance',
        { user_id: '777', timestamp: now() },
        { hmacOver: 'plaintext' },
        aes128,
      );
      expect(answer.json?.code).toBe('1000');
      const overBody = await call('balance', { user_id: '777', timestamp: now() }, {}, aes128);
      expect(overBody.json?.code).toBe('1009');
    });

    it('accepts a short safecode NUL-padded to 32 bytes when the merchant uses zero-pad-256', async () => {
      const padded = handMerchant(credentials, {
        userId: '778',
        guid: 'guid-zero-pad',
        safecode: 'abcdefghij0123456789',
      });
      const answer = await call(
        'balance',
        { user_id: '778', timestamp: now() },
        { zeroPadKey: true },
        padded,
      );
      expect(answer.json?.code).toBe('1000');
    });

    it('accepts what our own sealPtsRequest produces too', async () => {
      const spec = ptsMessageSpec('v2', 'paymentRequest');
      const sealed = sealPtsRequest(fields('payment'), {
        spec,
        signer: new PtsSigner({
          privateKey: merchant.merchantPrivateKeyPem,
          safecode: merchant.safecode,
        }),
        cipher: new PtsCipher({ safecode: merchant.safecode }),
        transactionSecret: merchant.transactionSecret,
      });
      const answer = await send(v2Url(sandbox.url, merchant.guid, 'payment'), sealed);
      expect(answer.json?.code).toBe('1000');
    });

    it('records every request with its endpoint, version, merchant, order and answered code', async () => {
      const orderId = newOrderId();
      await call('payment', fields('payment', orderId));
      expect(sandbox.requests.find((r) => r.orderId === orderId)).toMatchObject({
        method: 'POST',
        path: `/merchant/v2/${merchant.guid}/payment`,
        endpoint: 'payment',
        version: 'v2',
        userId: merchant.userId,
        code: '1000',
        httpStatus: 200,
      });
    });
  });

  describe.each(ENDPOINTS)('%s refuses a malformed request with its PTS code', (endpoint) => {
    const cases: [string, string, () => Promise<{ json?: { code: string } }>][] = [
      [
        'a body that is not base64',
        '1017',
        () => call(endpoint, fields(endpoint), { body: () => 'not*base64*at*all' }),
      ],
      [
        'a body encrypted with another safecode',
        '1017',
        () => call(endpoint, fields(endpoint), { encryptWith: 'ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ' }),
      ],
      [
        'a sign made with another key',
        '1010',
        () => call(endpoint, fields(endpoint), { signWith: otherKey }),
      ],
      [
        'a signed field changed after signing',
        '1010',
        () =>
          call(endpoint, fields(endpoint), {
            afterSign: (m) => {
              m.timestamp = (m.timestamp as number) - 1;
            },
          }),
      ],
      [
        'a missing required field',
        '1001',
        () =>
          call(endpoint, fields(endpoint), {
            afterSign: (m) => {
              delete m.timestamp;
            },
          }),
      ],
      ['no sign at all', '1001', () => call(endpoint, fields(endpoint), { noSign: true })],
      [
        'a stale timestamp',
        '1020',
        () => call(endpoint, { ...fields(endpoint), timestamp: now() - 60 }),
      ],
      [
        'a timestamp from the future',
        '1020',
        () => call(endpoint, { ...fields(endpoint), timestamp: now() + 60 }),
      ],
      [
        'an X-Transaction-Signature made with another secret',
        '1009',
        () =>
          call(endpoint, fields(endpoint), { hmac: handHmac('not the transaction secret', 'x') }),
      ],
      [
        'no X-Transaction-Signature',
        '1009',
        () => call(endpoint, fields(endpoint), { hmac: false }),
      ],
      [
        'Content-Type application/json',
        '1020',
        () => call(endpoint, fields(endpoint), { contentType: 'application/json' }),
      ],
      [
        'the user_id of another merchant',
        '1009',
        () => call(endpoint, { ...fields(endpoint), user_id: '777' }),
      ],
    ];
    it.each(cases)('%s -> %s', async (_label, code, run) => {
      const answer = await run();
      expect(answer.json?.code).toBe(code);
    });

    it('an unknown GUID -> 1009', async () => {
      const stranger = { ...merchant, guid: 'no-such-guid' };
      const answer = await call(endpoint, fields(endpoint), {}, stranger);
      expect(answer.json?.code).toBe('1009');
    });

    it('a GET -> 1020', async () => {
      const answer = await send(
        v2Url(sandbox.url, merchant.guid, endpoint),
        { body: '', headers: {} },
        'GET',
      );
      expect(answer.status).toBe(200);
      expect(answer.json?.code).toBe('1020');
    });

    it('a body that decrypts to something other than JSON -> 1001', async () => {
      const body = handEncrypt('hello', merchant.safecode);
      const answer = await send(v2Url(sandbox.url, merchant.guid, endpoint), {
        body,
        headers: {
          'Content-Type': 'text/plain',
          'X-Transaction-Signature': handHmac(merchant.transactionSecret, body),
        },
      });
      expect(answer.json?.code).toBe('1001');
    });
  });

  describe('endpoint rules', () => {
    it.each(['payment', 'withdraw'] as const)(
      '%s: a duplicate order_id -> 1003',
      async (endpoint) => {
        const orderId = newOrderId();
        expect((await call(endpoint, fields(endpoint, orderId))).json?.code).toBe('1000');
        const again = await call(endpoint, fields(endpoint, orderId));
        expect(again.json).toMatchObject({ code: '1003' });
        expect(again.json?.data).toBeUndefined();
      },
    );

    it('an order_id is unique per merchant across payments and withdrawals -> 1003', async () => {
      const answer = await call('withdraw', fields('withdraw', paymentOrderId));
      expect(answer.json?.code).toBe('1003');
    });

    it.each(['paymentQuery', 'withdrawQuery'] as const)(
      '%s: an unknown order -> 1002',
      async (endpoint) => {
        const answer = await call(endpoint, { ...fields(endpoint), order_id: 'NO-SUCH-ORDER' });
        expect(answer.json?.code).toBe('1002');
      },
    );

    it('a payment query for a withdraw order id -> 1002', async () => {
      const answer = await call('paymentQuery', {
        ...fields('paymentQuery'),
        order_id: withdrawOrderId,
      });
      expect(answer.json?.code).toBe('1002');
    });

    it.each([
      ['a JSON number', 100],
      ['more than 6 decimals', '1.1234567'],
      ['zero', '0.00'],
      ['a negative amount', '-5'],
      ['not a number', 'ten'],
    ])('payment: an amount that is %s -> 1001', async (_label, amount) => {
      const answer = await call('payment', { ...fields('payment'), amount });
      expect(answer.json?.code).toBe('1001');
    });

    it('payment: a currency other than PHP -> 1008', async () => {
      const answer = await call('payment', { ...fields('payment'), currency: 'USD' });
      expect(answer.json?.code).toBe('1008');
    });

    it('payment: a callback_url that is no URL -> 1001', async () => {
      const answer = await call('payment', { ...fields('payment'), callback_url: 'not a url' });
      expect(answer.json?.code).toBe('1001');
    });

    it('withdraw: a payee phone outside the B 4.4 format -> 1001', async () => {
      const body = fields('withdraw');
      const answer = await call('withdraw', {
        ...body,
        details: { ...(body.details as object), phone: '12345' },
      });
      expect(answer.json?.code).toBe('1001');
    });

    it('balance: a balance_mode other than 0, 1, 2 -> 1001', async () => {
      const answer = await call('balance', { ...fields('balance'), balance_mode: 3 });
      expect(answer.json?.code).toBe('1001');
    });

    it('support channel: a currency other than PHP -> 1008', async () => {
      const answer = await call('supportChannel', { ...fields('supportChannel'), currency: 'USD' });
      expect(answer.json?.code).toBe('1008');
    });

    it('a path under /merchant that is no endpoint answers 404 with code 1011', async () => {
      const answer = await send(`${sandbox.url}/merchant/v2/${merchant.guid}/refund`, {
        body: 'x',
        headers: {},
      });
      expect(answer.status).toBe(404);
      expect(answer.json?.code).toBe('1011');
    });
  });
});
