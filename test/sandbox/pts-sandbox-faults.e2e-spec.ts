import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  PtsSandbox,
  sandboxMerchantFromCredentials,
  type PtsSandboxCredentials,
} from '../../src/sandbox/index.js';
import { CallbackReceiver } from './support/callback-receiver.js';
import {
  handRsaVerify,
  handSeal,
  handSignString,
  now,
  parseExact,
  send,
  SIGNED_FIELDS,
  v2Url,
  verifiesWithGatewayKey,
  type HandMerchant,
} from '../support/hand-made-pts.js';
import { createPaymentV2 } from './support/merchant-calls.js';
import { handMerchant, newOrderId, testCredentials } from './support/sandbox-fixture.js';

/** PHP's `"{$float}"` for plain decimals: trailing zeros and a trailing dot dropped. */
const phpFloat = (text: string) =>
  text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;

describe('sandbox fault injection: each knob has its effect', () => {
  let credentials: PtsSandboxCredentials;
  let merchant: HandMerchant;
  let sandbox: PtsSandbox;
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    credentials = testCredentials();
    merchant = handMerchant(credentials);
    receiver = await CallbackReceiver.start();
    sandbox = await PtsSandbox.start({
      gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
      merchants: [
        sandboxMerchantFromCredentials(credentials),
        { ...sandboxMerchantFromCredentials(credentials), userId: '990', guid: 'bystander' },
      ],
      callbackRetry: { attempts: 2, baseDelayMs: 20 },
      autoSettleWithdrawals: false,
    });
  });

  afterEach(() => {
    sandbox.clearFaults();
  });

  afterAll(async () => {
    await sandbox?.stop();
    await receiver?.stop();
  });

  const paymentFields = (orderId = newOrderId(), who = merchant) => ({
    user_id: who.userId,
    order_id: orderId,
    amount: '100.10',
    currency: 'PHP',
    channel: 'QRPH',
    timestamp: now(),
    callback_url: `${receiver.url}/cb`,
  });
  const paymentUrl = (who = merchant) => v2Url(sandbox.url, who.guid, 'payment');
  const sealPayment = (orderId = newOrderId(), who = merchant) =>
    handSeal(paymentFields(orderId, who), SIGNED_FIELDS.v2.payment, who);
  const query = (orderId: string) =>
    send(
      v2Url(sandbox.url, merchant.guid, 'paymentQuery'),
      handSeal(
        { user_id: merchant.userId, order_id: orderId, timestamp: now() },
        SIGNED_FIELDS.v2.paymentQuery,
        merchant,
      ),
    );
  const payment = () =>
    createPaymentV2(sandbox.url, merchant, { callback_url: `${receiver.url}/cb` });

  describe('on merchant requests', () => {
    it('delay: the answer comes late but the payment took effect (a client timeout leaves it unknown)', async () => {
      sandbox.setFault({ kind: 'delay', ms: 5000, endpoint: 'payment', times: 1 });
      const orderId = newOrderId();
      const request = sealPayment(orderId);
      // The client gives up once the gateway has acted (not after a fixed time, which a busy
      // machine could outrun) and long before the delayed answer would come.
      const client = new AbortController();
      const pending = fetch(paymentUrl(), {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: client.signal,
      });
      await sandbox.waitForRequests(
        (all) => all.some((r) => r.orderId === orderId && r.code === 'delayed'),
        4000,
      );
      client.abort();
      await expect(pending).rejects.toThrow();
      expect(sandbox.order(merchant.userId, orderId)?.status).toBe('0000');
      expect(sandbox.requests.find((r) => r.orderId === orderId)).toMatchObject({
        code: 'delayed',
        envelopeCode: '1000',
        faults: ['delay'],
      });
      // Used up: the next request is answered at once.
      const started = Date.now();
      expect((await send(paymentUrl(), sealPayment())).json?.code).toBe('1000');
      expect(Date.now() - started).toBeLessThan(2500);
    });

    it('delay: a patient client gets the normal answer after the delay', async () => {
      sandbox.setFault({ kind: 'delay', ms: 150, endpoint: 'payment' });
      const started = Date.now();
      const answer = await send(paymentUrl(), sealPayment());
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(answer.json?.code).toBe('1000');
    });

    it('error: answers the given code and creates nothing', async () => {
      sandbox.setFault({ kind: 'error', code: '8001', userId: merchant.userId, times: 1 });
      const orderId = newOrderId();
      const answer = await send(paymentUrl(), sealPayment(orderId));
      expect(answer.json).toEqual({ code: '8001', message: 'Service not available' });
      expect(sandbox.order(merchant.userId, orderId)).toBeUndefined();
      expect((await send(paymentUrl(), sealPayment(orderId))).json?.code).toBe('1000');
    });

    it('error: a custom message is sent as given', async () => {
      sandbox.setFault({
        kind: 'error',
        code: '1013',
        message: 'No money today',
        endpoint: 'balance',
      });
      const answer = await send(
        v2Url(sandbox.url, merchant.guid, 'balance'),
        handSeal(
          { user_id: merchant.userId, timestamp: now() },
          SIGNED_FIELDS.v2.balance,
          merchant,
        ),
      );
      expect(answer.json).toEqual({ code: '1013', message: 'No money today' });
    });

    it('drop: the connection closes without an answer after the payment took effect', async () => {
      const orderId = newOrderId();
      sandbox.setFault({ kind: 'drop', orderId });
      const request = sealPayment(orderId);
      await expect(
        fetch(paymentUrl(), { method: 'POST', headers: request.headers, body: request.body }),
      ).rejects.toThrow(/fetch failed/);
      expect(sandbox.order(merchant.userId, orderId)?.status).toBe('0000');
      expect(sandbox.requests.find((r) => r.orderId === orderId)).toMatchObject({
        code: 'dropped',
        envelopeCode: '1000',
      });
      // Scoped to that order: another payment goes through.
      expect((await send(paymentUrl(), sealPayment())).json?.code).toBe('1000');
    });

    it('http-status: answers the status and body, and creates nothing', async () => {
      sandbox.setFault({ kind: 'http-status', status: 502, body: '<html>Bad Gateway</html>' });
      const orderId = newOrderId();
      const answer = await send(paymentUrl(), sealPayment(orderId));
      expect(answer.status).toBe(502);
      expect(answer.text).toBe('<html>Bad Gateway</html>');
      expect(sandbox.order(merchant.userId, orderId)).toBeUndefined();
      expect(sandbox.requests.find((r) => r.orderId === orderId)).toMatchObject({
        code: 'http-status',
        httpStatus: 502,
      });
    });

    it('a fault scoped to one merchant leaves another alone', async () => {
      sandbox.setFault({ kind: 'error', code: '8001', userId: merchant.userId });
      const bystander = handMerchant(credentials, { userId: '990', guid: 'bystander' });
      const answer = await send(paymentUrl(bystander), sealPayment(newOrderId(), bystander));
      expect(answer.json?.code).toBe('1000');
    });

    it('`times` bounds a fault, and the active faults show what is left', async () => {
      sandbox.setFault({ kind: 'error', code: '8002', endpoint: 'payment', times: 2 });
      expect(sandbox.faults).toMatchObject([{ remaining: 2, applied: 0 }]);
      expect((await send(paymentUrl(), sealPayment())).json?.code).toBe('8002');
      expect(sandbox.faults).toMatchObject([{ remaining: 1, applied: 1 }]);
      expect((await send(paymentUrl(), sealPayment())).json?.code).toBe('8002');
      expect(sandbox.faults).toEqual([]);
      expect((await send(paymentUrl(), sealPayment())).json?.code).toBe('1000');
    });

    it('tamper-amount: the answer no longer verifies, its amounts changed after signing', async () => {
      sandbox.setFault({ kind: 'tamper-amount', endpoint: 'payment', times: 1 });
      const answer = await send(paymentUrl(), sealPayment());
      const data = answer.json!.data!;
      expect(data).toMatchObject({
        submit_amount: '101.10',
        accept_amount: '101.10',
        exchange_rate: '1',
      });
      expect(verifiesWithGatewayKey(merchant, data, SIGNED_FIELDS.gateway.paymentResponse)).toBe(
        false,
      );
      const honest = { ...data, submit_amount: '100.10', accept_amount: '100.10' };
      expect(verifiesWithGatewayKey(merchant, honest, SIGNED_FIELDS.gateway.paymentResponse)).toBe(
        true,
      );
    });

    it('wrong-key: the answer is signed, but not with the gateway key', async () => {
      const { orderId } = await payment();
      sandbox.setFault({ kind: 'wrong-key', endpoint: 'paymentQuery' });
      const answer = await query(orderId);
      expect(answer.json?.data).toMatchObject({ order_id: orderId, submit_amount: '100.10' });
      expect(answer.json!.data!.sign).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(
        verifiesWithGatewayKey(merchant, answer.json!.data!, SIGNED_FIELDS.gateway.status),
      ).toBe(false);
    });

    it('amount-format trailing-zeros: strings with 10 decimals, as the v1 examples, signed as sent', async () => {
      const { orderId } = await payment();
      sandbox.setFault({ kind: 'amount-format', format: 'trailing-zeros' });
      const data = (await query(orderId)).json!.data!;
      expect(data).toMatchObject({
        submit_amount: '100.1000000000',
        accept_amount: '100.1000000000',
        exchange_rate: '1.0000000000',
      });
      expect(verifiesWithGatewayKey(merchant, data, SIGNED_FIELDS.gateway.status)).toBe(true);
    });

    it('amount-format number: JSON number tokens, signed with their exact text', async () => {
      const { orderId } = await payment();
      sandbox.setFault({ kind: 'amount-format', format: 'number' });
      const answer = await query(orderId);
      expect(answer.text).toContain('"submit_amount":100.10');
      expect(answer.text).toContain('"exchange_rate":1,');
      const exact = answer.lossless!.data as Record<string, unknown>;
      expect(verifiesWithGatewayKey(merchant, exact, SIGNED_FIELDS.gateway.status)).toBe(true);
    });

    it('amount-format signAs php-float: only the PHP float rendering verifies (A4 fallback)', async () => {
      const { orderId } = await payment();
      sandbox.setFault({ kind: 'amount-format', format: 'trailing-zeros', signAs: 'php-float' });
      const data = (await query(orderId)).json!.data!;
      expect(data.submit_amount).toBe('100.1000000000');
      expect(verifiesWithGatewayKey(merchant, data, SIGNED_FIELDS.gateway.status)).toBe(false);
      const asPhp = Object.fromEntries(
        Object.entries(data).map(([k, v]) =>
          ['submit_amount', 'accept_amount', 'exchange_rate'].includes(k)
            ? [k, phpFloat(v as string)]
            : [k, v],
        ),
      );
      expect(asPhp.submit_amount).toBe('100.1');
      const text = handSignString(asPhp, SIGNED_FIELDS.gateway.status, merchant.safecode);
      expect(handRsaVerify(merchant.gatewayPublicKeyPem, text, data.sign as string)).toBe(true);
    });

    it('amount-format number on the balance renders every balance as a number', async () => {
      sandbox.setFault({ kind: 'amount-format', format: 'number', endpoint: 'balance' });
      const answer = await send(
        v2Url(sandbox.url, merchant.guid, 'balance'),
        handSeal(
          { user_id: merchant.userId, timestamp: now() },
          SIGNED_FIELDS.v2.balance,
          merchant,
        ),
      );
      expect(answer.text).toMatch(/"QRPH":100000\.00/);
    });
  });

  describe('on callbacks', () => {
    it('duplicate-callback: each callback arrives 1 + copies times', async () => {
      sandbox.setFault({ kind: 'duplicate-callback', copies: 2, endpoint: 'paymentCallback' });
      const { orderId } = await payment();
      await sandbox.settle(merchant.userId, orderId, 'fail');
      await sandbox.waitForDeliveries((ds) => ds.filter((d) => d.orderId === orderId).length === 3);
      const calls = receiver.for(orderId);
      expect(calls).toHaveLength(3);
      expect(new Set(calls.map((c) => c.text)).size).toBe(1);
      expect(sandbox.deliveries.filter((d) => d.orderId === orderId).map((d) => d.copy)).toEqual([
        0, 1, 2,
      ]);
    });

    it('out-of-order-callbacks: 2000 arrives before 1000', async () => {
      sandbox.setFault({ kind: 'out-of-order-callbacks', times: 1 });
      const { orderId } = await payment();
      await sandbox.settle(merchant.userId, orderId, 'pay');
      await receiver.waitFor(() => receiver.for(orderId).length === 2);
      expect(receiver.for(orderId).map((c) => c.json.status)).toEqual(['2000', '1000']);
    });

    it('drop: a callback is never sent, and the record says so', async () => {
      sandbox.setFault({ kind: 'drop', endpoint: 'paymentCallback', times: 1 });
      const { orderId } = await payment();
      await sandbox.settle(merchant.userId, orderId, 'pay');
      await receiver.waitFor(() => receiver.for(orderId).length === 1);
      expect(receiver.for(orderId).map((c) => c.json.status)).toEqual(['2000']);
      expect(
        sandbox.deliveries.find((d) => d.orderId === orderId && d.status === '1000'),
      ).toMatchObject({
        attempt: 0,
        accepted: false,
        error: 'dropped by fault',
      });
    });

    it('delay: a callback leaves late', async () => {
      sandbox.setFault({ kind: 'delay', ms: 200, endpoint: 'paymentCallback', times: 1 });
      const { orderId } = await payment();
      const started = Date.now();
      await sandbox.settle(merchant.userId, orderId, 'fail');
      await receiver.waitFor(() => receiver.for(orderId).length === 1);
      expect(receiver.for(orderId)[0].at - started).toBeGreaterThanOrEqual(190);
    });

    it('tamper-amount and wrong-key: callbacks that a merchant must refuse', async () => {
      const { orderId } = await payment();
      sandbox.setFault({ kind: 'tamper-amount', endpoint: 'paymentCallback', orderId, times: 1 });
      sandbox.setFault({ kind: 'wrong-key', endpoint: 'paymentCallback', orderId });
      await sandbox.settle(merchant.userId, orderId, 'pay');
      await receiver.waitFor(() => receiver.for(orderId).length === 2);
      const [first, second] = receiver.for(orderId).map((c) => parseExact(c.text));
      expect(first.accept_amount).toBe('101.10');
      expect(second.accept_amount).toBe('100.10');
      for (const callback of [first, second]) {
        expect(verifiesWithGatewayKey(merchant, callback, SIGNED_FIELDS.gateway.status)).toBe(
          false,
        );
      }
    });

    it('amount-format number: callback amounts as JSON numbers, verifying with their exact text', async () => {
      sandbox.setFault({ kind: 'amount-format', format: 'number', endpoint: 'paymentCallback' });
      const { orderId } = await payment();
      await sandbox.settle(merchant.userId, orderId, 'fail');
      await receiver.waitFor(() => receiver.for(orderId).length === 1);
      const [call] = receiver.for(orderId);
      expect(call.text).toContain('"submit_amount":100.10');
      expect(
        verifiesWithGatewayKey(merchant, parseExact(call.text), SIGNED_FIELDS.gateway.status),
      ).toBe(true);
    });
  });

  describe('what a real gateway and its proxies send', () => {
    const post = (request: { body: string; headers: Record<string, string> }) =>
      fetch(paymentUrl(), {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
      });

    it('http-status served: the order exists although a proxy answered an error page', async () => {
      const orderId = newOrderId();
      sandbox.setFault({ kind: 'http-status', status: 504, served: true, orderId });
      const answer = await post(sealPayment(orderId));
      expect(answer.status).toBe(504);
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await answer.text()).toContain('504');
      expect(sandbox.order(merchant.userId, orderId)?.status).toBe('0000');
      expect(sandbox.requests.find((r) => r.orderId === orderId)).toMatchObject({
        code: 'http-status',
        envelopeCode: '1000',
        httpStatus: 504,
      });
    });

    it('payment-answer qr-only: pay_url null, signed as `pay_url=`, and the QR code', async () => {
      sandbox.setFault({ kind: 'payment-answer', style: 'qr-only', endpoint: 'payment' });
      const answer = await send(paymentUrl(), sealPayment());
      const data = answer.lossless!.data as Record<string, unknown>;
      expect(answer.text).toContain('"pay_url":null');
      expect(data.qr_code).toMatch(/^000201/);
      expect(verifiesWithGatewayKey(merchant, data, SIGNED_FIELDS.gateway.paymentResponse)).toBe(
        true,
      );
    });

    it('payment-answer html, script and redirect: the order exists, the answer is no envelope', async () => {
      const cases = [
        {
          style: 'html',
          status: 200,
          type: /^text\/html/,
          body: /<form id="pts" method="get" action="http/,
        },
        {
          style: 'script',
          status: 200,
          type: /^text\/javascript/,
          body: /^var target = "http[^"]+";\ntop\.location\.replace\(target\);/,
        },
        { style: 'redirect', status: 303, type: /^text\/html/, body: /^$/ },
      ] as const;
      for (const c of cases) {
        const orderId = newOrderId();
        sandbox.setFault({
          kind: 'payment-answer',
          style: c.style,
          orderId,
          ...(c.style === 'redirect' ? { status: 303 } : {}),
        });
        const answer = await post(sealPayment(orderId));
        expect(answer.status).toBe(c.status);
        expect(answer.headers.get('content-type')).toMatch(c.type);
        expect(await answer.text()).toMatch(c.body);
        const order = sandbox.order(merchant.userId, orderId);
        expect(order?.status).toBe('0000');
        if (c.style === 'redirect') expect(answer.headers.get('location')).toBe(order?.payUrl);
        expect(sandbox.requests.find((r) => r.orderId === orderId)).toMatchObject({
          code: 'page',
          envelopeCode: '1000',
        });
      }
    });

    it('null-fields: the listed signed fields are null (or "") and sign as `key=`', async () => {
      const { orderId } = await payment();
      sandbox.setFault({
        kind: 'null-fields',
        fields: ['accept_amount', 'exchange_rate'],
        endpoint: 'paymentQuery',
        times: 1,
      });
      sandbox.setFault({
        kind: 'null-fields',
        fields: ['accept_currency', 'exchange_rate'],
        as: 'empty',
        endpoint: 'paymentQuery',
        times: 1,
      });
      const first = await query(orderId);
      expect(first.text).toContain('"accept_amount":null');
      expect(first.text).toContain('"exchange_rate":null');
      const second = await query(orderId);
      expect(second.text).toContain('"accept_currency":""');
      expect(second.text).toContain('"exchange_rate":""');
      for (const answer of [first, second]) {
        const data = answer.lossless!.data as Record<string, unknown>;
        expect(verifiesWithGatewayKey(merchant, data, SIGNED_FIELDS.gateway.status)).toBe(true);
      }
    });

    it('amount-format float-artifact signed as PHP prints every amount: only `100.1` verifies', async () => {
      const { orderId } = await payment();
      sandbox.setFault({
        kind: 'amount-format',
        format: 'float-artifact',
        signAs: 'php-float',
        fields: ['accept_amount'],
        endpoint: 'paymentQuery',
      });
      const data = (await query(orderId)).json!.data!;
      expect(data).toMatchObject({ submit_amount: '100.10', accept_amount: '100.10000000000001' });
      expect(verifiesWithGatewayKey(merchant, data, SIGNED_FIELDS.gateway.status)).toBe(false);
      const text = handSignString(
        { ...data, accept_amount: '100.1', submit_amount: '100.1' },
        SIGNED_FIELDS.gateway.status,
        merchant.safecode,
      );
      expect(handRsaVerify(merchant.gatewayPublicKeyPem, text, data.sign as string)).toBe(true);
    });

    it('wrapped-callback and loose-types: {code, message, data}, loose unsigned fields', async () => {
      sandbox.setFault({ kind: 'wrapped-callback', endpoint: 'paymentCallback', times: 1 });
      sandbox.setFault({ kind: 'loose-types', endpoint: 'paymentCallback', times: 1 });
      const { orderId } = await payment();
      await sandbox.settle(merchant.userId, orderId, 'fail');
      const mine = () => receiver.calls.filter((c) => c.text.includes(orderId));
      await receiver.waitFor(() => mine().length === 1);
      const body = parseExact(mine()[0].text);
      expect(body).toMatchObject({ code: '1000', message: 'Success' });
      const data = body.data as Record<string, unknown>;
      expect(data).toMatchObject({ order_id: orderId, status: '3000', error_message: null });
      expect(mine()[0].text).toContain('"reference_number":20240101123456');
      expect(data.submit_promo).toBe('-5.00');
      expect(verifiesWithGatewayKey(merchant, data, SIGNED_FIELDS.gateway.status)).toBe(true);
    });
  });

  describe('setting faults', () => {
    it('through the control API: POST adds, GET lists, DELETE clears', async () => {
      const control = `${sandbox.url}/sandbox/control/faults`;
      const added = await fetch(control, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ kind: 'error', code: '1007', endpoint: 'payment' }),
      });
      expect(added.status).toBe(201);
      expect(await added.json()).toMatchObject({ fault: { kind: 'error', code: '1007' } });
      expect((await send(paymentUrl(), sealPayment())).json?.code).toBe('1007');
      expect(await (await fetch(control)).json()).toHaveLength(1);
      expect((await fetch(control, { method: 'DELETE' })).status).toBe(204);
      expect((await send(paymentUrl(), sealPayment())).json?.code).toBe('1000');
    });

    it('the control API refuses a malformed fault with 400 and says which field', async () => {
      const answer = await fetch(`${sandbox.url}/sandbox/control/faults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ kind: 'error', code: 'oops' }),
      });
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { message: string }).message).toMatch(/`code`/);
    });

    it('setFault refuses a fault that could never act', () => {
      expect(() => sandbox.setFault({ kind: 'duplicate-callback', endpoint: 'payment' })).toThrow(
        /cannot act on `payment`/,
      );
      expect(() => sandbox.setFault({ kind: 'delay', ms: -1 })).toThrow(/`ms`/);
    });

    it('faults given in the options act from the start', async () => {
      const other = await PtsSandbox.start({
        gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
        merchants: [sandboxMerchantFromCredentials(credentials)],
        faults: [{ kind: 'error', code: '8001', endpoint: 'payment' }],
      });
      try {
        const answer = await send(
          v2Url(other.url, merchant.guid, 'payment'),
          handSeal(paymentFields(), SIGNED_FIELDS.v2.payment, merchant),
        );
        expect(answer.json?.code).toBe('8001');
      } finally {
        await other.stop();
      }
    });
  });
});
