import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PtsClient } from '../../src/pts/client/pts-client.js';
import type { PtsSandboxFault } from '../../src/sandbox/index.js';
import { ADMIN_KEY, startTestService, type TestService } from '../support/test-service.js';
import { eventually } from '../support/waiting.js';

interface OrderBody {
  orderId: string;
  status: string;
  transactionId: string | null;
  acceptAmount: string | null;
  acceptCurrency: string | null;
  exchangeRate: string | null;
  submitAmount: string | null;
  payUrl: string | null;
  qrCode: string | null;
  redirectHtml: string | null;
  errorMessage: string | null;
  callbacks: {
    outcome: string;
    reason: string | null;
    httpStatus: number;
    signatureValid: boolean;
    ptsStatus: string | null;
  }[];
}

/**
 * The service both groups test against, for one API version: started once, its faults cleared
 * after each test; with the admin calls they make.
 */
function answeringService(apiVersion: 'v1' | 'v2') {
  const prefix = apiVersion === 'v1' ? 'ga1' : 'ga';
  let service: TestService | undefined;
  let seq = 0;

  beforeAll(async () => {
    service = await startTestService({
      label: apiVersion === 'v1' ? 'gateway-answers-v1' : 'gateway-answers',
      apiVersion,
      sandbox: { callbackRetry: { attempts: 3, baseDelayMs: 40 } },
    });
  });

  afterEach(() => {
    service?.sandbox.clearFaults();
  });

  afterAll(async () => {
    await service?.close();
  });

  const auth = { Authorization: `Bearer ${ADMIN_KEY}` };
  const admin = () => request(answers.service.url);
  const answers = {
    get service(): TestService {
      if (!service) throw new Error('the service is not started yet');
      return service;
    },
    newOrderId: (tag: string) => `${prefix}-${tag}-${++seq}-${Date.now()}`,
    auth,
    admin,
    create: (orderId: string, amount = '100.00', more: Record<string, unknown> = {}) =>
      admin()
        .post('/admin/payments')
        .set(auth)
        .send({ orderId, amount, currency: 'PHP', channel: 'QRPH', ...more }),
    async order(orderId: string): Promise<OrderBody> {
      const res = await admin().get(`/admin/orders/${orderId}`).set(auth);
      expect(res.status).toBe(200);
      return res.body as OrderBody;
    },
    /** Waits until the order reaches `status`; the order then. */
    final: (orderId: string, status: string) =>
      eventually(
        async () => {
          const o = await answers.order(orderId);
          return o.status === status ? o : undefined;
        },
        5000,
        status,
      ),
  };
  return answers;
}

/**
 * What a real gateway, or the proxy in front of it, sends (docs/gateway-answers.md): each case
 * produced by the sandbox, driven through the admin API, the client and the callback endpoints
 * of the whole service, against PostgreSQL.
 */
describe('answers of a real gateway and its proxies, through the service', () => {
  const answers = answeringService('v2');
  const { newOrderId, auth, admin, create, order, final } = answers;

  function fault(f: PtsSandboxFault) {
    answers.service.sandbox.setFault(f);
  }

  /** Every stored callback of the order, refused ones included (oldest first). */
  async function callbacksOf(
    orderId: string,
  ): Promise<(OrderBody['callbacks'][number] & { rawBody: string })[]> {
    const res = await admin().get('/admin/callbacks?limit=200').set(auth);
    expect(res.status).toBe(200);
    return (res.body.items as { orderId: string; id: string }[])
      .filter((c) => c.orderId === orderId)
      .sort((a, b) => Number(a.id) - Number(b.id)) as never;
  }

  const settle = (orderId: string, outcome: 'pay' | 'fail') =>
    answers.service.sandbox.settle(answers.service.credentials.userId, orderId, outcome);

  const deliveries = (orderId: string) =>
    answers.service.sandbox.deliveries.filter((d) => d.orderId === orderId);

  /** Waits until the sandbox has given up on or delivered every callback of the order. */
  const deliveredAll = (orderId: string, count: number) =>
    eventually(
      () => deliveries(orderId).length >= count && deliveries(orderId),
      8000,
      `${count} deliveries for ${orderId}`,
    );

  describe('a create answered by an error page (A5: no acceptance)', () => {
    it.each([
      [502, 'nginx', undefined],
      [
        403,
        'a web application firewall',
        '<!DOCTYPE html><html><body><h1>Access denied</h1><p>Blocked by the WAF.</p></body></html>',
      ],
      [503, 'a proxy, as a script', 'window.location.replace("/maintenance.html");'],
    ])(
      'leaves the order unknown and answers 502 for an HTTP %i page of %s',
      async (status, _who, body) => {
        const orderId = newOrderId('page');
        fault({
          kind: 'http-status',
          status,
          body,
          contentType: body?.startsWith('window.') ? 'application/javascript' : undefined,
          endpoint: 'payment',
          orderId,
        });
        const res = await create(orderId);
        expect(res.status).toBe(502);
        expect(res.body).toMatchObject({
          statusCode: 502,
          order: { orderId, status: 'unknown' },
        });
        expect(res.body.message).toContain(`HTTP ${status}`);
        const stored = await order(orderId);
        expect(stored).toMatchObject({ status: 'unknown', redirectHtml: null, payUrl: null });
        // The gateway never saw it: reconciliation's query will find out (1002 -> rejected).
        expect(
          answers.service.sandbox.order(answers.service.credentials.userId, orderId),
        ).toBeUndefined();
      },
    );

    it('takes a 3xx without Location for no acceptance either', async () => {
      const orderId = newOrderId('302-bare');
      fault({
        kind: 'http-status',
        status: 302,
        body: '<html>Moved</html>',
        endpoint: 'payment',
        orderId,
      });
      const res = await create(orderId);
      expect(res.status).toBe(502);
      expect((await order(orderId)).status).toBe('unknown');
    });

    it('resolves by a query an order the gateway took although its proxy answered 504', async () => {
      const orderId = newOrderId('served');
      fault({ kind: 'http-status', status: 504, served: true, endpoint: 'payment', orderId });
      const res = await create(orderId);
      expect(res.status).toBe(502);
      expect((await order(orderId)).status).toBe('unknown');
      const synced = await admin().post(`/admin/orders/${orderId}/sync`).set(auth);
      expect(synced.status).toBe(200);
      expect(synced.body).toMatchObject({ status: 'waiting', submitAmount: '100.00' });
      expect(synced.body.transactionId).toMatch(/^P/);
    });

    it('still takes a 2xx HTML payment page as the HTML style: waiting, page kept verbatim', async () => {
      const orderId = newOrderId('html');
      fault({ kind: 'payment-answer', style: 'html', endpoint: 'payment', orderId });
      const res = await create(orderId);
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('waiting');
      const sandboxOrder = answers.service.sandbox.order(
        answers.service.credentials.userId,
        orderId,
      );
      expect(res.body.redirectHtml).toContain(`action="${sandboxOrder?.payUrl}"`);
    });
  });

  describe('redirect styles that are no HTML page (A5)', () => {
    it('takes a plain JavaScript answer, recognised by its Content-Type, as the redirect style', async () => {
      const orderId = newOrderId('js');
      fault({ kind: 'payment-answer', style: 'script', endpoint: 'payment', orderId });
      const res = await create(orderId);
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('waiting');
      expect(res.body.redirectHtml).toMatch(/^var target = "http.+";\ntop\.location\.replace/);
    });

    it('takes an HTTP 302 with Location as the pay URL', async () => {
      const orderId = newOrderId('302');
      fault({ kind: 'payment-answer', style: 'redirect', endpoint: 'payment', orderId });
      const res = await create(orderId);
      expect(res.status).toBe(201);
      const sandboxOrder = answers.service.sandbox.order(
        answers.service.credentials.userId,
        orderId,
      );
      expect(res.body).toMatchObject({ status: 'waiting', payUrl: sandboxOrder?.payUrl });
      // The payer can pay there, and the order follows.
      await settle(orderId, 'pay');
      await eventually(async () => (await order(orderId)).status === 'success', 5000, 'success');
    });
  });

  describe('a QR-only payment answer (A5)', () => {
    it('keeps the QR code, with no pay URL, and the order waiting', async () => {
      const orderId = newOrderId('qr');
      fault({ kind: 'payment-answer', style: 'qr-only', endpoint: 'payment', orderId });
      const res = await create(orderId);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'waiting', payUrl: null });
      expect(res.body.qrCode).toMatch(/^000201/);
      expect(res.body.transactionId).toMatch(/^P/);
    });
  });

  describe('nulls and "" in signed fields (A3, A5)', () => {
    it.each(['null', 'empty'] as const)(
      "applies a failed payment's callback whose accept fields are %s, and stores them as null",
      async (as) => {
        const orderId = newOrderId(`fail-${as}`);
        expect((await create(orderId)).status).toBe(201);
        fault({
          kind: 'null-fields',
          fields: ['accept_amount', 'accept_currency', 'exchange_rate'],
          as,
          endpoint: 'paymentCallback',
          orderId,
        });
        await settle(orderId, 'fail');
        const done = await final(orderId, 'failed');
        expect(done).toMatchObject({
          acceptAmount: null,
          acceptCurrency: null,
          exchangeRate: null,
          submitAmount: '100.00',
        });
        expect(done.transactionId).toMatch(/^P/);
        expect(done.callbacks).toMatchObject([
          { outcome: 'applied', httpStatus: 200, signatureValid: true, ptsStatus: '3000' },
        ]);
        // Answered SUCCESS at once: no retries.
        expect(deliveries(orderId).map((d) => [d.status, d.accepted])).toEqual([['3000', true]]);
      },
    );

    it('refuses a verified success that lacks accept_amount (the state needs it), after verifying it', async () => {
      const orderId = newOrderId('succ-null');
      expect((await create(orderId)).status).toBe(201);
      fault({
        kind: 'null-fields',
        fields: ['accept_amount'],
        endpoint: 'paymentCallback',
        orderId,
      });
      await settle(orderId, 'pay');
      // 1000 once, then 2000 three times (every attempt refused).
      await deliveredAll(orderId, 4);
      const stored = await order(orderId);
      expect(stored.status).toBe('processing');
      const all = await callbacksOf(orderId);
      const success = all.filter((c) => c.ptsStatus === '2000');
      expect(success).toHaveLength(3);
      for (const c of success) {
        expect(c).toMatchObject({ outcome: 'rejected', httpStatus: 400, signatureValid: true });
        expect(c.reason).toContain('accept_amount');
      }
      expect(all.find((c) => c.ptsStatus === '1000')).toMatchObject({
        outcome: 'applied',
        signatureValid: true,
      });
    });

    it('syncs an order from a query answer whose signed fields are null', async () => {
      const orderId = newOrderId('sync-null');
      expect((await create(orderId)).status).toBe(201);
      const before = await order(orderId);
      // The gateway's callback never arrives; the query is the only news.
      fault({ kind: 'drop', endpoint: 'paymentCallback', orderId });
      fault({
        kind: 'null-fields',
        fields: ['transaction_id', 'accept_amount', 'accept_currency', 'exchange_rate'],
        endpoint: 'paymentQuery',
        orderId,
      });
      await settle(orderId, 'fail');
      const synced = await admin().post(`/admin/orders/${orderId}/sync`).set(auth);
      expect(synced.status).toBe(200);
      expect(synced.body).toMatchObject({
        status: 'failed',
        acceptAmount: null,
        acceptCurrency: null,
        exchangeRate: null,
        // A null never erases what identifies the order.
        transactionId: before.transactionId,
      });
    });
  });

  describe('a callback wrapped as {code, message, data} (A6)', () => {
    it('is read as its data and applied', async () => {
      const orderId = newOrderId('wrap');
      expect((await create(orderId)).status).toBe(201);
      fault({ kind: 'wrapped-callback', endpoint: 'paymentCallback', orderId });
      await settle(orderId, 'pay');
      const done = await final(orderId, 'success');
      expect(done.callbacks.map((c) => c.outcome)).toEqual(['applied', 'applied']);
      expect(
        deliveries(orderId).every((d) => d.accepted && d.faults?.includes('wrapped-callback')),
      ).toBe(true);
    });
  });

  describe('unsigned fields of loose types (A5)', () => {
    it('applies validly signed callbacks whatever the types of their unsigned fields', async () => {
      const orderId = newOrderId('loose');
      expect((await create(orderId)).status).toBe(201);
      fault({ kind: 'loose-types', endpoint: 'paymentCallback', orderId });
      await settle(orderId, 'pay');
      const done = await final(orderId, 'success');
      expect(done.callbacks.map((c) => c.outcome)).toEqual(['applied', 'applied']);
    });

    it('reads them leniently in a query answer: a numeric reference number kept as its text', async () => {
      const orderId = newOrderId('loose-q');
      expect((await create(orderId)).status).toBe(201);
      fault({ kind: 'loose-types', endpoint: 'paymentQuery', orderId });
      const answer = await answers.service.app.get(PtsClient).queryPayment(orderId);
      expect(answer).toMatchObject({ status: '0000', referenceNumber: '20240101123456' });
      expect(answer.errorMessage).toBeUndefined();
      const synced = await admin().post(`/admin/orders/${orderId}/sync`).set(auth);
      expect(synced.status).toBe(200);
    });
  });

  describe('the PHP-float fallback only where it is the same decimal (A4)', () => {
    it('refuses an amount signed as PHP rounded it (100.00000000000001 signed as 100)', async () => {
      const orderId = newOrderId('php');
      expect((await create(orderId)).status).toBe(201);
      fault({
        kind: 'amount-format',
        format: 'float-artifact',
        signAs: 'php-float',
        fields: ['accept_amount'],
        endpoint: 'paymentCallback',
        orderId,
      });
      await settle(orderId, 'pay');
      // 1000 and 2000, each refused on all 3 attempts.
      await deliveredAll(orderId, 6);
      const stored = await order(orderId);
      expect(stored.status).toBe('waiting');
      expect(stored.acceptAmount).not.toBe('100.00000000000001');
      const all = await callbacksOf(orderId);
      expect(all).toHaveLength(6);
      for (const c of all) {
        expect(c).toMatchObject({ outcome: 'rejected', httpStatus: 401, signatureValid: false });
      }
    });

    it('stores the same digits when they were what was signed', async () => {
      const orderId = newOrderId('php-raw');
      expect((await create(orderId)).status).toBe(201);
      fault({
        kind: 'amount-format',
        format: 'float-artifact',
        fields: ['accept_amount'],
        endpoint: 'paymentCallback',
        orderId,
      });
      await settle(orderId, 'pay');
      const done = await final(orderId, 'success');
      expect(done.acceptAmount).toBe('100.00000000000001');
    });

    it('still takes trailing zeros that PHP dropped (the same decimal)', async () => {
      const orderId = newOrderId('php-zeros');
      expect((await create(orderId)).status).toBe(201);
      fault({
        kind: 'amount-format',
        format: 'trailing-zeros',
        signAs: 'php-float',
        endpoint: 'paymentCallback',
        orderId,
      });
      await settle(orderId, 'pay');
      const done = await final(orderId, 'success');
      expect(done.acceptAmount).toBe('100.0000000000');
    });
  });
});

describe('the same answers to a v1 account', () => {
  const answers = answeringService('v1');
  const { newOrderId, order, final } = answers;
  const create = (orderId: string) =>
    answers.create(orderId, '250.50', { redirectUrl: 'https://shop.example/back' });

  it('leaves a create answered by a 502 page unknown, and answers 502', async () => {
    const orderId = newOrderId('page');
    answers.service.sandbox.setFault({
      kind: 'http-status',
      status: 502,
      endpoint: 'payment',
      orderId,
    });
    const res = await create(orderId);
    expect(res.status).toBe(502);
    expect((await order(orderId)).status).toBe('unknown');
  });

  it('applies a wrapped failed callback whose accept fields are null, numbers in trailing-zero text', async () => {
    const orderId = newOrderId('fail');
    expect((await create(orderId)).status).toBe(201);
    answers.service.sandbox.setFault({
      kind: 'wrapped-callback',
      endpoint: 'paymentCallback',
      orderId,
    });
    answers.service.sandbox.setFault({
      kind: 'null-fields',
      fields: ['accept_amount', 'accept_currency', 'exchange_rate'],
      endpoint: 'paymentCallback',
      orderId,
    });
    answers.service.sandbox.setFault({
      kind: 'amount-format',
      format: 'trailing-zeros',
      endpoint: 'paymentCallback',
      orderId,
    });
    await answers.service.sandbox.settle(answers.service.credentials.userId, orderId, 'fail');
    const done = await final(orderId, 'failed');
    expect(done).toMatchObject({ acceptAmount: null, submitAmount: '250.5000000000' });
    expect(done.callbacks.map((c) => c.outcome)).toEqual(['applied']);
  });

  it('keeps the QR code of a QR-only answer', async () => {
    const orderId = newOrderId('qr');
    answers.service.sandbox.setFault({ kind: 'payment-answer', style: 'qr-only', orderId });
    const res = await create(orderId);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'waiting', payUrl: null });
    expect(res.body.qrCode).toMatch(/^000201/);
  });
});
