import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtsJobs, PTS_JOB_QUEUES } from '../../src/pts/orders/pts-jobs.js';
import { PtsOrderReconciler } from '../../src/pts/orders/pts-order-reconciler.js';
import { PtsPayments } from '../../src/pts/orders/pts-payments.js';
import { callbackFields, signedCallbackBody } from '../support/pts-test-callbacks.js';
import { ADMIN_KEY, startTestService, type TestService } from '../support/test-service.js';
import { exactTimeOf } from '../support/test-database.js';
import { eventually, quietFor } from '../support/waiting.js';

type OrderBody = {
  orderId: string;
  status: string;
  payUrl: string | null;
  flags: string[];
  attention: { flag: string; note: string }[];
  nextReconcileAt: string | null;
  history: { from: string | null; to: string; cause: string; at: string }[];
};

const admin = { Authorization: `Bearer ${ADMIN_KEY}` };

async function orderOf(service: TestService, orderId: string): Promise<OrderBody> {
  const res = await request(service.url).get(`/admin/orders/${orderId}`).set(admin);
  expect(res.status).toBe(200);
  return res.body as OrderBody;
}

function until(service: TestService, orderId: string, check: (o: OrderBody) => boolean, ms = 8000) {
  return eventually(
    async () => {
      const o = await orderOf(service, orderId);
      return check(o) ? o : undefined;
    },
    ms,
    `order ${orderId}`,
  );
}

function queriesOf(service: TestService, orderId: string) {
  return service.sandbox.requests.filter(
    (r) => r.endpoint === 'paymentQuery' && r.orderId === orderId,
  );
}

/** `POST /admin/payments` of one PHP payment with our order id. */
function adminCreate(service: TestService, orderId: string, amount: string) {
  return request(service.url)
    .post('/admin/payments')
    .set(admin)
    .send({ orderId, amount, currency: 'PHP', channel: 'QRPH' });
}

/** Callbacks go nowhere (port 9 refuses): only reconciliation can learn what happened. */
function lostCallbacks(label: string, reconcileDelays: string) {
  return startTestService({
    label,
    pts: { callbackBaseUrl: 'http://127.0.0.1:9', timeoutMs: 500 },
    sandbox: { callbackRetry: { attempts: 1, baseDelayMs: 10 } },
    orders: { reconcileDelays, unknownNotFoundGraceMs: 1000, reconcileRetryDelayMs: 1000 },
  });
}

describe('reconciliation on a schedule, with callbacks lost', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await lostCallbacks('reconcile', '1s,2s');
  });

  afterAll(async () => {
    await service?.close();
  });

  it('settles a create that timed out and was then paid at the gateway, with no admin call', async () => {
    service.sandbox.setFault({ kind: 'delay', ms: 1500, endpoint: 'payment', times: 1 });
    const res = await adminCreate(service, 'late-1', '12.50');
    expect(res.status).toBe(504);
    expect(res.body.order).toMatchObject({ status: 'unknown' });
    await service.sandbox.settle(service.credentials.userId, 'late-1', 'pay');

    const done = await until(service, 'late-1', (o) => o.status === 'success');
    expect(done.history.map((h) => `${h.to}:${h.cause}`)).toEqual([
      'created:create',
      'unknown:gateway_no_answer',
      'success:reconcile',
    ]);
    expect(done.nextReconcileAt).toBeNull();
    expect(service.sandbox.deliveries.some((d) => d.orderId === 'late-1' && d.accepted)).toBe(
      false,
    );
  });

  it('settles a payment whose callbacks were lost', async () => {
    const created = await service.app
      .get(PtsPayments)
      .createPayment({ orderId: 'lost-cb-1', amount: '7.00', currency: 'PHP', channel: 'QRPH' });
    expect(created.status).toBe('waiting');
    await service.sandbox.settle(service.credentials.userId, 'lost-cb-1', 'pay');
    const done = await until(service, 'lost-cb-1', (o) => o.status === 'success');
    expect(done.history.at(-1)).toMatchObject({
      from: 'waiting',
      to: 'success',
      cause: 'reconcile',
    });
  });

  it('answers an Idempotency-Key retry of a timed-out create with 202 and the order as it stands', async () => {
    service.sandbox.setFault({ kind: 'delay', ms: 1500, endpoint: 'payment', times: 1 });
    const body = { amount: '9.90', currency: 'PHP', channel: 'QRPH' };
    const first = await request(service.url)
      .post('/admin/payments')
      .set(admin)
      .set('Idempotency-Key', 'idem-timeout')
      .send(body);
    expect(first.status).toBe(504);
    const orderId = first.body.order.orderId as string;
    const retry = await request(service.url)
      .post('/admin/payments')
      .set(admin)
      .set('Idempotency-Key', 'idem-timeout')
      .send(body);
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ orderId, status: 'unknown', payUrl: null });

    // PTS has it (waiting), but its pay URL never reached us: flagged, never pretended payable.
    const resolved = await until(service, orderId, (o) => o.status === 'waiting');
    expect(resolved.flags).toContain('pay_url_missing');
    expect(resolved.attention.find((a) => a.flag === 'pay_url_missing')?.note).toContain('payUrl');
    const again = await request(service.url)
      .post('/admin/payments')
      .set(admin)
      .set('Idempotency-Key', 'idem-timeout')
      .send(body);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ orderId, status: 'waiting', payUrl: null });
    expect(again.body.flags).toContain('pay_url_missing');
  });

  it('retries a query the gateway failed, with growing pauses, within the same step', async () => {
    await service.app
      .get(PtsPayments)
      .createPayment({ orderId: 'retry-1', amount: '5.00', currency: 'PHP', channel: 'QRPH' });
    service.sandbox.setFault({
      kind: 'error',
      code: '8001',
      endpoint: 'paymentQuery',
      orderId: 'retry-1',
      times: 2,
    });
    await service.sandbox.settle(service.credentials.userId, 'retry-1', 'pay');
    const done = await until(service, 'retry-1', (o) => o.status === 'success', 15_000);
    expect(done.history.at(-1)).toMatchObject({ to: 'success', cause: 'reconcile' });
    const queries = queriesOf(service, 'retry-1');
    expect(queries.map((q) => q.code)).toEqual(['8001', '8001', '1000']);
    const at = queries.map((q) => Date.parse(q.at));
    // Backoff from 1 s, doubled each time (with jitter upwards).
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(1000);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(2000);
  });

  it('keeps a retry pause even when a wake-up left from an earlier step comes due in it', async () => {
    const created = await service.app
      .get(PtsPayments)
      .createPayment({ orderId: 'stale-1', amount: '6.00', currency: 'PHP', channel: 'QRPH' });
    service.sandbox.setFault({
      kind: 'error',
      code: '8001',
      endpoint: 'paymentQuery',
      orderId: 'stale-1',
      times: 1,
    });
    await service.sandbox.settle(service.credentials.userId, 'stale-1', 'pay');
    await eventually(() => queriesOf(service, 'stale-1').length === 1, 8000, 'the failed query');
    // A wake-up left from an earlier step (a move that did not reschedule the one before it,
    // as a callback's does not) comes due while the failed query waits for its retry: here the
    // `created` step's, as its deadline would have been sent. Run it now, as a worker would.
    const since = await exactTimeOf(service.db.dataSource, created.id, 'created_at');
    const left = { id: 'left-from-created', data: { orderRef: created.id, since, attempt: 0 } };
    await service.app
      .get(PtsOrderReconciler)
      .wake({ id: left.id, data: left.data, retryCount: 0, retryLimit: 4 });

    const done = await until(service, 'stale-1', (o) => o.status === 'success', 15_000);
    expect(done.history.at(-1)).toMatchObject({ to: 'success', cause: 'reconcile' });
    const queries = queriesOf(service, 'stale-1');
    expect(queries.map((q) => q.code)).toEqual(['8001', '1000']);
    // The query after the failure is the retry, after its pause (1 s at least), not the
    // leftover wake-up the moment it ran.
    const at = queries.map((q) => Date.parse(q.at));
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(1000);
  });

  /** The reconciliation wake-ups ever sent for an order, whatever their state: since and state. */
  async function wakeUpsOf(orderRef: string): Promise<{ since: string; state: string }[]> {
    const jobs = service.app.get(PtsJobs);
    return service.db.dataSource.query(
      `SELECT data->>'since' AS since, state FROM "${jobs.schema}".job
        WHERE name = $1 AND data->>'orderRef' = $2`,
      [PTS_JOB_QUEUES.reconcile, orderRef],
    );
  }

  it("moves a create's deadline wake-up to the first query, rather than leaving it to run for nothing", async () => {
    const created = await service.app
      .get(PtsPayments)
      .createPayment({ orderId: 'moved-1', amount: '2.00', currency: 'PHP', channel: 'QRPH' });
    expect(created.status).toBe('waiting');
    const since = await exactTimeOf(service.db.dataSource, created.id, 'status_changed_at');
    // One wake-up in all, for the `waiting` step (taken or not by now): none left for `created`.
    const wakeUps = await wakeUpsOf(created.id);
    expect(wakeUps.map((w) => w.since)).toEqual([since]);
    await until(service, 'moved-1', () => queriesOf(service, 'moved-1').length === 1);
  });

  it('deletes the deadline wake-up of a create the gateway refused', async () => {
    service.sandbox.setFault({ kind: 'error', code: '1001', endpoint: 'payment', times: 1 });
    const res = await adminCreate(service, 'refused-1', '1.00');
    expect(res.status).toBe(422);
    expect(res.body.order).toMatchObject({ status: 'rejected' });
    const [{ id }] = await service.db.dataSource.query<{ id: string }[]>(
      `SELECT id FROM pts_orders WHERE order_id = 'refused-1'`,
    );
    expect(await wakeUpsOf(id)).toEqual([]);
  });

  it('rejects an unknown order that PTS never saw once its grace has passed', async () => {
    // A proxy's answer instead of PTS's: no acceptance, so PTS may or may not have the order
    // (docs/protocol.md A5); here it never reached PTS.
    service.sandbox.setFault({
      kind: 'http-status',
      status: 502,
      body: 'upstream connect error or disconnect/reset before headers',
      endpoint: 'payment',
      times: 1,
    });
    const res = await adminCreate(service, 'never-1', '1.00');
    expect(res.status).toBe(502);
    expect(res.body.order).toMatchObject({ status: 'unknown' });
    const done = await until(service, 'never-1', (o) => o.status === 'rejected');
    expect(done.history.at(-1)).toMatchObject({ from: 'unknown', cause: 'reconcile' });
  });
});

describe('a schedule counted from the last change', () => {
  let service: TestService;

  beforeAll(async () => {
    // Delays far enough apart that a late poll on a loaded machine is not taken for a schedule
    // counted otherwise.
    service = await lostCallbacks('reconcile_delays', '3s,6s');
  });

  afterAll(async () => {
    await service?.close();
  });

  it('queries at each delay after the last change, then flags the order for an operator', async () => {
    const created = await service.app
      .get(PtsPayments)
      .createPayment({ orderId: 'stuck-1', amount: '3.00', currency: 'PHP', channel: 'QRPH' });
    const changedAt = Date.parse((await orderOf(service, 'stuck-1')).history.at(-1)!.at);
    const flagged = await until(
      service,
      'stuck-1',
      (o) => o.flags.includes('reconcile_exhausted'),
      20_000,
    );
    expect(flagged.status).toBe('waiting');
    expect(flagged.nextReconcileAt).toBeNull();
    expect(flagged.attention.map((a) => a.flag)).toContain('reconcile_exhausted');
    const queries = queriesOf(service, 'stuck-1');
    expect(queries).toHaveLength(2);
    // 3 s and 6 s after the change, never before. The upper bounds tell the schedule apart from
    // the wrong ones with 3 s to spare for polling (500 ms) and a loaded machine: the first
    // query comes before the second delay, and the second before 3 s + 6 s, where counting the
    // delays one after the other (from the change or from the first query) would put it.
    const offsets = queries.map((q) => Date.parse(q.at) - changedAt);
    expect(offsets[0]).toBeGreaterThanOrEqual(3000);
    expect(offsets[0]).toBeLessThan(6000);
    expect(offsets[1]).toBeGreaterThanOrEqual(6000);
    expect(offsets[1]).toBeLessThan(9000);

    const listed = await request(service.url)
      .get('/admin/orders')
      .set(admin)
      .query({ flag: 'reconcile_exhausted' });
    expect(listed.status).toBe(200);
    expect((listed.body.items as { orderId: string }[]).map((o) => o.orderId)).toContain('stuck-1');
    const badFlag = await request(service.url).get('/admin/orders').set(admin).query({ flag: 'x' });
    expect(badFlag.status).toBe(400);
    const metrics = await request(service.url)
      .get('/metrics')
      .set({ Authorization: `Bearer ${ADMIN_KEY}` });
    expect(metrics.text).toMatch(/pts_orders_flagged\{flag="reconcile_exhausted"\} [1-9]/);

    // News (a callback) moves the order on: no longer waiting for an operator.
    const reply = await request(service.url)
      .post('/pts/callback/payment')
      .set('Content-Type', 'application/json')
      .send(
        signedCallbackBody(
          {
            gatewayPrivateKeyPem: service.credentials.gatewayPrivateKeyPem,
            safecode: service.credentials.safecode,
          },
          callbackFields(service.credentials.userId, created, '1000'),
        ),
      );
    expect(reply.text).toBe('SUCCESS');
    const moved = await orderOf(service, 'stuck-1');
    expect(moved.status).toBe('processing');
    expect(moved.flags).not.toContain('reconcile_exhausted');
    expect(moved.nextReconcileAt).not.toBeNull();
  });
});

describe('reconciliation across instances and restarts', () => {
  let owner: TestService;
  const extra: TestService[] = [];

  beforeAll(async () => {
    // The owner holds the database and the sandbox and runs no workers itself.
    owner = await startTestService({
      label: 'reconcile2',
      pts: { callbackBaseUrl: 'http://127.0.0.1:9', timeoutMs: 500 },
      sandbox: { callbackRetry: { attempts: 1, baseDelayMs: 10 } },
      orders: { dispatchIntervalMs: 0 },
    });
  });

  afterAll(async () => {
    for (const s of extra) await s.close().catch(() => undefined);
    await owner?.close();
  });

  function instance(reconcileDelays: string) {
    return startTestService({
      label: 'reconcile2',
      instanceOf: owner,
      pts: { callbackBaseUrl: 'http://127.0.0.1:9', timeoutMs: 500 },
      orders: { reconcileDelays },
    }).then((s) => {
      extra.push(s);
      return s;
    });
  }

  it('queries one order once per step with two instances running', async () => {
    const a = await instance('1s,2s');
    const b = await instance('1s,2s');
    const order = await a.app
      .get(PtsPayments)
      .createPayment({ orderId: 'twin-1', amount: '2.00', currency: 'PHP', channel: 'QRPH' });
    await until(b, order.orderId, (o) => o.flags.includes('reconcile_exhausted'));
    // Room for a third query by the other instance, which must not come.
    await quietFor(500);
    expect(queriesOf(owner, 'twin-1')).toHaveLength(2);
    await b.close();
    await a.close();
  });

  it('resumes a schedule after a restart', async () => {
    const first = await instance('1s,4s');
    await first.app
      .get(PtsPayments)
      .createPayment({ orderId: 'restart-1', amount: '4.00', currency: 'PHP', channel: 'QRPH' });
    await eventually(() => queriesOf(owner, 'restart-1').length === 1, 5000, 'the first query');
    await first.close();
    // Paid while no instance runs; its callbacks are lost.
    await owner.sandbox.settle(owner.credentials.userId, 'restart-1', 'pay');
    const second = await instance('1s,4s');
    const done = await until(second, 'restart-1', (o) => o.status === 'success', 10_000);
    expect(done.history.at(-1)).toMatchObject({ to: 'success', cause: 'reconcile' });
    expect(queriesOf(owner, 'restart-1')).toHaveLength(2);
  });
});
