import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  PtsSandbox,
  sandboxMerchantFromCredentials,
  type PtsSandboxCredentials,
} from '../../src/sandbox/index.js';
import { quietFor } from '../support/waiting.js';
import { CallbackReceiver } from './support/callback-receiver.js';
import {
  parseExact,
  SIGNED_FIELDS,
  verifiesWithGatewayKey,
  type HandMerchant,
} from '../support/hand-made-pts.js';
import { createPaymentV1, createPaymentV2, pressCheckoutButton } from './support/merchant-calls.js';
import { handMerchant, testCredentials } from './support/sandbox-fixture.js';

const CALLBACK_FIELDS = SIGNED_FIELDS.gateway.status;

describe('sandbox checkout page and payment callbacks', () => {
  let credentials: PtsSandboxCredentials;
  let merchant: HandMerchant;
  let sandbox: PtsSandbox;
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    credentials = testCredentials();
    merchant = handMerchant(credentials);
    sandbox = await PtsSandbox.start({
      gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
      merchants: [sandboxMerchantFromCredentials(credentials)],
      callbackRetry: { attempts: 3, baseDelayMs: 20 },
    });
    receiver = await CallbackReceiver.start();
  });

  afterEach(() => {
    receiver.reply = () => ({ body: 'SUCCESS' });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await receiver?.stop();
  });

  const payment = (extra: Record<string, unknown> = {}) =>
    createPaymentV2(sandbox.url, merchant, {
      callback_url: `${receiver.url}/pts/callback/payment`,
      redirect_url: 'https://merchant.example/return',
      error_url: 'https://merchant.example/error',
      ...extra,
    });

  it('serves the pay_url as an HTML page with the amount and Pay, Fail and Expire buttons', async () => {
    const { data } = await payment();
    const response = await fetch(data.pay_url as string);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('100.10 PHP');
    expect(html).toContain(data.transaction_id as string);
    for (const action of ['pay', 'fail', 'expire']) {
      expect(html).toMatch(new RegExp(`<button name="action" value="${action}"`));
    }
    expect(html).toMatch(/<form method="post" action="\/sandbox\/checkout\/P\d+">/);
  });

  it('Pay sends signed callbacks 1000 then 2000 that verify with the gateway public key', async () => {
    const { orderId, data } = await payment();
    const pressed = await pressCheckoutButton(data.pay_url as string, 'pay');
    expect(pressed.status).toBe(303);
    expect(pressed.location).toBe(`/sandbox/checkout/${String(data.transaction_id)}`);
    await receiver.waitFor(() => receiver.for(orderId).length === 2);
    const calls = receiver.for(orderId);
    expect(calls.map((c) => c.json.status)).toEqual(['1000', '2000']);
    for (const call of calls) {
      expect(call.path).toBe('/pts/callback/payment');
      expect(call.contentType).toBe('application/json');
      // Flat callback fields, no {code, message, data} wrapper (B 1.4).
      expect(call.json.code).toBeUndefined();
      expect(call.json).toMatchObject({
        user_id: merchant.userId,
        order_id: orderId,
        transaction_id: data.transaction_id,
        submit_amount: '100.10',
        accept_amount: '100.10',
      });
      expect(verifiesWithGatewayKey(merchant, parseExact(call.text), CALLBACK_FIELDS)).toBe(true);
      const forged = parseExact(call.text);
      forged.accept_amount = '1000.10';
      expect(verifiesWithGatewayKey(merchant, forged, CALLBACK_FIELDS)).toBe(false);
    }
    expect(calls[1].json.reference_number).toMatch(/^INV/);
    expect(sandbox.order(merchant.userId, orderId)?.status).toBe('2000');

    const page = await (await fetch(data.pay_url as string)).text();
    expect(page).toContain('2000 success');
    expect(page).toContain('href="https://merchant.example/return"');
    expect(page).not.toContain('<button');
  });

  it('Fail sends one callback 3000 with an error_message', async () => {
    const { orderId, data } = await payment();
    await pressCheckoutButton(data.pay_url as string, 'fail');
    await receiver.waitFor(() => receiver.for(orderId).length === 1);
    const [call] = receiver.for(orderId);
    expect(call.json).toMatchObject({
      status: '3000',
      error_message: expect.any(String) as string,
    });
    expect(verifiesWithGatewayKey(merchant, parseExact(call.text), CALLBACK_FIELDS)).toBe(true);
    const page = await (await fetch(data.pay_url as string)).text();
    expect(page).toContain('href="https://merchant.example/error"');
  });

  it('Expire sends 5000, and an expired payment may still be paid (B 5.1)', async () => {
    const { orderId, data } = await payment();
    await pressCheckoutButton(data.pay_url as string, 'expire');
    await receiver.waitFor(() => receiver.for(orderId).length === 1);
    expect(receiver.for(orderId)[0].json.status).toBe('5000');
    await pressCheckoutButton(data.pay_url as string, 'pay');
    await receiver.waitFor(() => receiver.for(orderId).length === 2);
    expect(receiver.for(orderId).map((c) => c.json.status)).toEqual(['5000', '2000']);
  });

  it('refuses a button on a final payment with 409 and sends nothing more', async () => {
    const { orderId, data } = await payment();
    await pressCheckoutButton(data.pay_url as string, 'fail');
    await receiver.waitFor(() => receiver.for(orderId).length === 1);
    const again = await pressCheckoutButton(data.pay_url as string, 'pay');
    expect(again.status).toBe(409);
    expect(sandbox.order(merchant.userId, orderId)?.status).toBe('3000');
  });

  it('answers 404 for an unknown transaction and 400 for an unknown action', async () => {
    expect((await fetch(`${sandbox.url}/sandbox/checkout/P0000`)).status).toBe(404);
    const { data } = await payment();
    expect((await pressCheckoutButton(data.pay_url as string, 'refund')).status).toBe(400);
  });

  it('settle() does what the buttons do', async () => {
    const { orderId } = await payment();
    await sandbox.settle(merchant.userId, orderId, 'pay');
    await receiver.waitFor(() => receiver.for(orderId).length === 2);
    expect(receiver.for(orderId).map((c) => c.json.status)).toEqual(['1000', '2000']);
    await expect(sandbox.settle(merchant.userId, orderId, 'fail')).rejects.toThrow(/final/);
    await expect(sandbox.settle(merchant.userId, 'NOPE', 'pay')).rejects.toThrow(/no order/);
  });

  it('retries a merchant answering FAILED with growing delays, a bounded number of times, in order', async () => {
    receiver.reply = () => ({ status: 500, body: 'FAILED' });
    const { orderId } = await payment();
    await sandbox.settle(merchant.userId, orderId, 'pay');
    await sandbox.waitForDeliveries(
      (ds) => ds.filter((d) => d.orderId === orderId).length === 6,
      3000,
    );
    // Room for a 4th attempt of the 2000, which the bound forbids.
    await quietFor(150);
    const calls = receiver.for(orderId);
    // 3 attempts for 1000, then 3 for 2000: the 2000 waits until the 1000 is done.
    expect(calls.map((c) => c.json.status)).toEqual([
      '1000',
      '1000',
      '1000',
      '2000',
      '2000',
      '2000',
    ]);
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(18);
    expect(calls[2].at - calls[1].at).toBeGreaterThanOrEqual(38);
    const records = sandbox.deliveries.filter((d) => d.orderId === orderId);
    expect(records.map((d) => [d.status, d.attempt, d.accepted, d.httpStatus])).toEqual([
      ['1000', 1, false, 500],
      ['1000', 2, false, 500],
      ['1000', 3, false, 500],
      ['2000', 1, false, 500],
      ['2000', 2, false, 500],
      ['2000', 3, false, 500],
    ]);
    expect(records[0]).toMatchObject({ kind: 'paymentCallback', responseBody: 'FAILED' });
  });

  it('stops retrying as soon as the merchant answers SUCCESS (whitespace trimmed)', async () => {
    let answered = 0;
    receiver.reply = () => ({ body: answered++ === 0 ? 'success' : 'SUCCESS\n' });
    const { orderId } = await payment();
    await sandbox.settle(merchant.userId, orderId, 'fail');
    await sandbox.waitForDeliveries((ds) => ds.some((d) => d.orderId === orderId && d.accepted));
    // Room for a retry after the SUCCESS, which must not come.
    await quietFor(150);
    expect(receiver.for(orderId)).toHaveLength(2);
    expect(sandbox.deliveries.filter((d) => d.orderId === orderId).map((d) => d.accepted)).toEqual([
      false,
      true,
    ]);
  });

  it('sends exactly one callback per status to a merchant answering SUCCESS', async () => {
    const { orderId } = await payment();
    await sandbox.settle(merchant.userId, orderId, 'pay');
    await sandbox.waitForDeliveries(
      (ds) => ds.filter((d) => d.orderId === orderId && d.accepted).length === 2,
    );
    // Room for a second copy of either callback, which must not come.
    await quietFor(100);
    expect(receiver.for(orderId)).toHaveLength(2);
  });

  it('keeps trying a merchant that is down and records the network error', async () => {
    const { orderId } = await payment({ callback_url: 'http://127.0.0.1:9/unreachable' });
    await sandbox.settle(merchant.userId, orderId, 'fail');
    await sandbox.waitForDeliveries((ds) => ds.filter((d) => d.orderId === orderId).length === 3);
    const records = sandbox.deliveries.filter((d) => d.orderId === orderId);
    expect(records.every((d) => !d.accepted && /ECONNREFUSED/.test(d.error ?? ''))).toBe(true);
  });

  it('settles a payment without callback_url and sends nothing', async () => {
    const { orderId } = await payment({ callback_url: undefined });
    await sandbox.settle(merchant.userId, orderId, 'pay');
    expect(sandbox.order(merchant.userId, orderId)?.status).toBe('2000');
    // Room for a callback, which must not be tried: the order gave no callback_url.
    await quietFor(50);
    expect(sandbox.deliveries.filter((d) => d.orderId === orderId)).toHaveLength(0);
  });

  it('sends a v1 order the v1 callback fields (no reference_number)', async () => {
    const { orderId, data, code } = await createPaymentV1(
      sandbox.url,
      merchant,
      `${receiver.url}/pts/callback/payment`,
    );
    expect(code).toBe('1000');
    await pressCheckoutButton(data.pay_url as string, 'pay');
    await receiver.waitFor(() => receiver.for(orderId).length === 2);
    for (const call of receiver.for(orderId)) {
      expect(call.json.reference_number).toBeUndefined();
      expect(
        verifiesWithGatewayKey(merchant, parseExact(call.text), SIGNED_FIELDS.gateway.status),
      ).toBe(true);
    }
  });
});
