import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  PtsSandbox,
  sandboxMerchantFromCredentials,
  type PtsSandboxCredentials,
} from '../../src/sandbox/index.js';
import { quietFor } from '../support/waiting.js';
import { CallbackReceiver, type ReceivedCall, type Reply } from './support/callback-receiver.js';
import {
  handRsaSign,
  handSeal,
  handSignString,
  now,
  send,
  v2Url,
  parseExact,
  SIGNED_FIELDS,
  verifiesWithGatewayKey,
  type HandMerchant,
} from '../support/hand-made-pts.js';
import { createWithdrawalV2 } from './support/merchant-calls.js';
import { handMerchant, testCredentials } from './support/sandbox-fixture.js';

const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;

describe('sandbox withdrawals: confirmation, progression and callbacks', () => {
  let credentials: PtsSandboxCredentials;
  let merchant: HandMerchant;
  /** The same keys under another user id, without a confirmation URL. */
  let plain: HandMerchant;
  let sandbox: PtsSandbox;
  let confirmer: CallbackReceiver;
  let callbacks: CallbackReceiver;
  const confirmRequests: ReceivedCall[] = [];

  /** What a merchant answers (A6): signed JSON, `confirm` as given. */
  function confirmation(
    call: ReceivedCall,
    confirm: string,
    key = merchant.merchantPrivateKeyPem,
  ): Reply {
    const answer: Record<string, unknown> = {
      user_id: call.json.user_id,
      order_id: call.json.order_id,
      confirm,
    };
    answer.sign = handRsaSign(
      key,
      handSignString(answer, SIGNED_FIELDS.gateway.withdrawConfirmAnswer, merchant.safecode),
    );
    return { contentType: 'application/json', body: JSON.stringify(answer) };
  }

  beforeAll(async () => {
    credentials = testCredentials();
    merchant = handMerchant(credentials);
    plain = handMerchant(credentials, { userId: '880', guid: 'no-confirmation' });
    confirmer = await CallbackReceiver.start();
    callbacks = await CallbackReceiver.start();
    sandbox = await PtsSandbox.start({
      gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
      merchants: [
        sandboxMerchantFromCredentials(credentials, {
          withdrawConfirmUrl: `${confirmer.url}/pts/withdraw/confirm`,
        }),
        { ...sandboxMerchantFromCredentials(credentials), userId: plain.userId, guid: plain.guid },
      ],
      withdrawDelayMs: 50,
      callbackRetry: { attempts: 3, baseDelayMs: 20 },
    });
  });

  afterEach(() => {
    confirmer.reply = () => ({ body: 'SUCCESS' });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await confirmer?.stop();
    await callbacks?.stop();
  });

  const withdraw = (who: HandMerchant = merchant) =>
    createWithdrawalV2(sandbox.url, who, {
      callback_url: `${callbacks.url}/pts/callback/withdraw`,
    });

  it('asks the confirmation URL with a signed request, and on SUCCESS moves to 1000 then 2000', async () => {
    confirmer.reply = (call) => {
      confirmRequests.push(call);
      return confirmation(call, 'SUCCESS');
    };
    const { orderId, code, timestamp } = await withdraw();
    expect(code).toBe('1000');
    await callbacks.waitFor(() => callbacks.for(orderId).length === 2);

    const [request] = confirmRequests.filter((c) => c.json.order_id === orderId);
    expect(request.contentType).toBe('application/json');
    expect(request.json).toMatchObject({
      user_id: merchant.userId,
      order_id: orderId,
      amount: '250.50',
      timestamp,
    });
    expect(
      verifiesWithGatewayKey(
        merchant,
        parseExact(request.text),
        SIGNED_FIELDS.gateway.withdrawConfirm,
      ),
    ).toBe(true);

    const calls = callbacks.for(orderId);
    expect(calls.map((c) => c.json.status)).toEqual(['1000', '2000']);
    for (const call of calls) {
      expect(
        verifiesWithGatewayKey(merchant, parseExact(call.text), SIGNED_FIELDS.gateway.status),
      ).toBe(true);
    }
    expect(calls[1].json.reference_number).toMatch(/^REF/);
    expect(sandbox.order(merchant.userId, orderId)).toMatchObject({
      status: '2000',
      confirmation: 'confirmed',
    });
    expect(
      sandbox.deliveries.find((d) => d.kind === 'withdrawConfirm' && d.orderId === orderId),
    ).toMatchObject({
      attempt: 1,
      httpStatus: 200,
      accepted: true,
      confirm: 'SUCCESS',
    });
  });

  it.each([
    ['a signed FAILED', (call: ReceivedCall) => confirmation(call, 'FAILED')],
    [
      'SUCCESS signed with another key',
      (call: ReceivedCall) => confirmation(call, 'SUCCESS', otherKey),
    ],
    [
      'SUCCESS for another order',
      (call: ReceivedCall) =>
        confirmation({ ...call, json: { ...call.json, order_id: 'SOMETHING-ELSE' } }, 'SUCCESS'),
    ],
    ['SUCCESS as plain text', () => ({ body: 'SUCCESS' })],
    ['a 4xx', () => ({ status: 400, body: 'FAILED' })],
  ])('halts the withdrawal as 4000 when the merchant answers %s', async (_label, reply) => {
    confirmer.reply = reply;
    const { orderId } = await withdraw();
    await callbacks.waitFor(() => callbacks.for(orderId).length === 1);
    // Room for a 1000 or 2000 after the halt, which must not come.
    await quietFor(150);
    const calls = callbacks.for(orderId);
    expect(calls).toHaveLength(1);
    expect(calls[0].json).toMatchObject({
      status: '4000',
      error_message: 'Withdraw confirm failed',
    });
    expect(sandbox.order(merchant.userId, orderId)).toMatchObject({
      status: '4000',
      confirmation: 'rejected',
    });
    expect(
      sandbox.deliveries.filter((d) => d.kind === 'withdrawConfirm' && d.orderId === orderId),
    ).toHaveLength(1);
  });

  it('retries a confirmation URL answering 5xx, then halts the withdrawal as 4000', async () => {
    confirmer.reply = () => ({ status: 503, body: 'busy' });
    const { orderId } = await withdraw();
    await callbacks.waitFor(() => callbacks.for(orderId).length === 1);
    expect(callbacks.for(orderId)[0].json.status).toBe('4000');
    const attempts = sandbox.deliveries.filter(
      (d) => d.kind === 'withdrawConfirm' && d.orderId === orderId,
    );
    expect(attempts.map((d) => [d.attempt, d.httpStatus, d.accepted])).toEqual([
      [1, 503, false],
      [2, 503, false],
      [3, 503, false],
    ]);
  });

  it('moves a withdrawal without confirmation URL 0000 -> 1000 -> 2000 after the delay', async () => {
    const started = Date.now();
    const { orderId } = await withdraw(plain);
    expect(sandbox.order(plain.userId, orderId)?.status).toBe('0000');
    await callbacks.waitFor(() => callbacks.for(orderId).length === 2);
    const calls = callbacks.for(orderId);
    expect(calls.map((c) => c.json.status)).toEqual(['1000', '2000']);
    expect(calls[0].at - started).toBeGreaterThanOrEqual(45);
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(40);
    expect(
      sandbox.deliveries.some((d) => d.kind === 'withdrawConfirm' && d.orderId === orderId),
    ).toBe(false);
  });

  it('lets settle() force an outcome; the timer then leaves the order alone', async () => {
    const { orderId } = await withdraw(plain);
    await sandbox.settle(plain.userId, orderId, 'fail');
    await callbacks.waitFor(() => callbacks.for(orderId).length >= 1);
    // Room for the withdrawal timer (50 ms a step) to move the settled order on: it must not.
    await quietFor(200);
    expect(callbacks.for(orderId).map((c) => c.json.status)).toEqual(['3000']);
    expect(sandbox.order(plain.userId, orderId)?.status).toBe('3000');
  });

  it('takes a paid-out withdrawal off the balance total', async () => {
    const { orderId } = await withdraw(plain);
    await callbacks.waitFor(() => callbacks.for(orderId).length === 2);
    const paidOut = sandbox
      .orders(plain.userId)
      .filter((o) => o.kind === 'withdraw' && o.status === '2000').length;
    const answer = await send(
      v2Url(sandbox.url, plain.guid, 'balance'),
      handSeal({ user_id: plain.userId, timestamp: now() }, SIGNED_FIELDS.v2.balance, plain),
    );
    expect(answer.json?.code).toBe('1000');
    const php = answer.json!.data!.PHP as Record<string, string>;
    expect(php.QRPH_INSTAPAY).toBe(
      (100000 - 250.5 * paidOut).toFixed(2).replace(/0+$/, '').replace(/\.$/, ''),
    );
  });
});

describe('sandbox withdrawals that wait to be settled by hand', () => {
  it('stay at 0000 until settle() pays them out', async () => {
    const credentials = testCredentials();
    const merchant = handMerchant(credentials);
    const callbacks = await CallbackReceiver.start();
    const sandbox = await PtsSandbox.start({
      gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
      merchants: [sandboxMerchantFromCredentials(credentials)],
      withdrawDelayMs: 10,
      autoSettleWithdrawals: false,
    });
    try {
      const { orderId } = await createWithdrawalV2(sandbox.url, merchant, {
        callback_url: `${callbacks.url}/cb`,
      });
      // Ten times the withdrawal delay: an order that settled itself would have moved by now.
      await quietFor(100);
      expect(sandbox.order(merchant.userId, orderId)?.status).toBe('0000');
      expect(callbacks.calls).toHaveLength(0);
      await sandbox.settle(merchant.userId, orderId, 'pay');
      await callbacks.waitFor(() => callbacks.calls.length === 2);
      expect(callbacks.calls.map((c) => c.json.status)).toEqual(['1000', '2000']);
    } finally {
      await sandbox.stop();
      await callbacks.stop();
    }
  });
});
