import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtsJobs, PTS_JOB_QUEUES, type PtsJobQueue } from '../../src/pts/orders/pts-jobs.js';
import { PtsOrderTransitions } from '../../src/pts/orders/pts-order-transitions.js';
import type { PtsCreatedRow, PtsNewOrder } from '../../src/pts/orders/pts-order-writer.js';
import { PtsOutboxDispatcher } from '../../src/pts/orders/pts-outbox-dispatcher.js';
import { PtsPayments } from '../../src/pts/orders/pts-payments.js';
import { exactTimeOf } from '../support/test-database.js';
import { startTestService, type TestService } from '../support/test-service.js';

/**
 * The job rows a create leaves (docs/reconciliation.md, "A create's statements"): its move to
 * `waiting` reuses the wake-ups the insert sent while no worker has taken them, and sends its
 * own when one was taken meanwhile. No job worker runs here (`dispatchIntervalMs: 0`), so the
 * test decides what was taken.
 */
describe("a create's wake-ups, reused by its move while they wait", () => {
  let service: TestService;
  let seq = 0;

  beforeAll(async () => {
    service = await startTestService({
      label: 'wakeups',
      orders: { dispatchIntervalMs: 0, reconcileDelays: '1h' },
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  /** The jobs of `queue` for one order, oldest first: state and data. */
  function jobsOf(queue: PtsJobQueue, orderRef: string) {
    const schema = service.app.get(PtsJobs).schema;
    return service.db.dataSource.query<
      { id: string; state: string; since: string | null; start_after: Date }[]
    >(
      `SELECT id, state, data->>'since' AS since, start_after FROM "${schema}".job
        WHERE name = $1 AND data->>'orderRef' = $2 ORDER BY created_on, id`,
      [queue, orderRef],
    );
  }

  const sinceOf = (orderRef: string) =>
    exactTimeOf(service.db.dataSource, orderRef, 'status_changed_at');

  function newOrder(): PtsNewOrder {
    return {
      account: 'main',
      userId: service.credentials.userId,
      apiVersion: 'v2',
      kind: 'payment',
      orderId: `wake-${++seq}-${Date.now()}`,
      amount: '5.00',
      currency: 'PHP',
      channel: 'QRPH',
      callbackUrl: null,
      redirectUrl: null,
      errorUrl: null,
      remark: null,
      details: null,
      idempotencyKey: null,
      requestFingerprint: null,
    };
  }

  /** A new order's first statement alone, as a create runs it before its request leaves. */
  async function insertOrder(): Promise<PtsCreatedRow> {
    const manager = service.app.get(DataSource).manager;
    const created = await service.app.get(PtsOrderTransitions).insertCreated(manager, newOrder());
    if (!created) throw new Error('not inserted');
    return created;
  }

  const accepted = {
    to: 'waiting' as const,
    cause: 'gateway_accepted' as const,
    patch: { ptsStatus: '0000' },
  };

  it('delivers both events of a create through the one wake-up, and leaves one reconciliation wake-up', async () => {
    const order = await service.app
      .get(PtsPayments)
      .createPayment({ amount: '7.00', currency: 'PHP', channel: 'QRPH' });
    expect(order.status).toBe('waiting');

    expect(await jobsOf(PTS_JOB_QUEUES.events, order.id)).toHaveLength(1);
    const reconcile = await jobsOf(PTS_JOB_QUEUES.reconcile, order.id);
    expect(reconcile).toHaveLength(1);
    expect(reconcile[0]).toMatchObject({ state: 'created', since: await sinceOf(order.id) });
    expect(reconcile[0].start_after.getTime()).toBe(order.nextReconcileAt?.getTime());

    // The worker that takes the one wake-up finds both events, in order.
    expect(await service.app.get(PtsOutboxDispatcher).deliverOrder(order.id)).toBe(2);
    const events = await service.db.dataSource.query<{ status: string }[]>(
      `SELECT payload->>'status' AS status FROM pts_outbox
        WHERE order_ref = $1 AND delivered_at IS NOT NULL ORDER BY id`,
      [order.id],
    );
    expect(events.map((e) => e.status)).toEqual(['created', 'waiting']);
  });

  it('sends wake-ups of its own when a worker took the create’s meanwhile', async () => {
    const transitions = service.app.get(PtsOrderTransitions);
    const created = await insertOrder();
    const schema = service.app.get(PtsJobs).schema;
    // Taken, as pg-boss's fetch leaves a job it hands to a worker.
    await service.db.dataSource.query(
      `UPDATE "${schema}".job SET state = 'active', started_on = now() WHERE id = ANY($1::uuid[])`,
      [[created.eventWakeUp, created.wakeUp]],
    );

    const moved = await transitions.moveFrom(created, accepted);
    expect(moved).toMatchObject({ decision: 'apply', order: { status: 'waiting' } });
    const events = await jobsOf(PTS_JOB_QUEUES.events, created.order.id);
    expect(events.map((j) => j.state)).toEqual(['active', 'created']);
    const reconcile = await jobsOf(PTS_JOB_QUEUES.reconcile, created.order.id);
    expect(reconcile.map((j) => j.state)).toEqual(['active', 'created']);
    expect(reconcile[1].since).toBe(await sinceOf(created.order.id));
  });

  it('takes the locked move, and keeps the wake-ups, when the order changed after the insert', async () => {
    const transitions = service.app.get(PtsOrderTransitions);
    const created = await insertOrder();
    // A callback that overtook the answer, as far as the row version goes.
    await service.db.dataSource.query(`UPDATE pts_orders SET remark = 'touched' WHERE id = $1`, [
      created.order.id,
    ]);

    const moved = await transitions.moveFrom(created, accepted);
    expect(moved).toMatchObject({
      decision: 'apply',
      order: { status: 'waiting', remark: 'touched' },
    });
    // The locked move does not know the create's wake-ups: it sends its own, and the
    // deadline's is left to find a schedule that moved on.
    expect(await jobsOf(PTS_JOB_QUEUES.events, created.order.id)).toHaveLength(2);
    const reconcile = await jobsOf(PTS_JOB_QUEUES.reconcile, created.order.id);
    expect(reconcile.map((j) => j.since)).toEqual([
      expect.any(String),
      await sinceOf(created.order.id),
    ]);
  });
});
