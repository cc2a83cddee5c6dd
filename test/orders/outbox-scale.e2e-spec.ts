import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtsJobs, PTS_JOB_QUEUES } from '../../src/pts/orders/pts-jobs.js';
import { PtsOutboxDispatcher } from '../../src/pts/orders/pts-outbox-dispatcher.js';
import { statementsDuring } from '../support/pg-statements.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { eventually } from '../support/waiting.js';

const PENDING = 10_000;

/**
 * The outbox under a backlog, with the statistics PostgreSQL took while it was drained (its
 * normal state): the old claim (one query over every pending row, with an anti-join) degraded to
 * O(pending^2) there. Each claim now reads one order's rows, whatever the statistics say.
 */
describe('host-event delivery with 10,000 events pending and statistics from a drained outbox', () => {
  let owner: TestService;
  let orderRefs: string[] = [];

  beforeAll(async () => {
    owner = await startTestService({ label: 'outboxscale', orders: { dispatchIntervalMs: 0 } });
    const db = owner.db.dataSource;
    const jobsSchema = owner.app.get(PtsJobs).schema;
    for (const table of ['pts_outbox', 'pts_orders']) {
      // Statistics as a drained outbox leaves them, and no autovacuum to refresh them.
      await db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
      await db.query(`ANALYZE ${table}`);
    }
    await db.query(`ANALYZE ${jobsSchema}.job`);
    const rows = await db.query<{ id: string }[]>(
      `INSERT INTO pts_orders (account, user_id, api_version, kind, order_id, status, amount,
              currency, channel)
       SELECT 'main', $1, 'v2', 'payment', 'bulk-' || g, 'waiting', 1, 'PHP', 'QRPH'
         FROM generate_series(1, $2) g RETURNING id`,
      [owner.credentials.userId, PENDING],
    );
    orderRefs = rows.map((r) => r.id);
    await db.query(
      `INSERT INTO pts_outbox (order_ref, event_type, idempotency_key, payload)
       SELECT id, 'order.status', id || ':waiting',
              jsonb_build_object('idempotencyKey', id || ':waiting', 'orderRef', id,
                                 'orderId', order_id, 'status', 'waiting')
         FROM pts_orders WHERE order_id LIKE 'bulk-%'`,
    );
    const jobs = owner.app.get(PtsJobs);
    for (let i = 0; i < orderRefs.length; i += 2000) {
      await jobs.sendMany(
        PTS_JOB_QUEUES.events,
        orderRefs.slice(i, i + 2000).map((orderRef) => ({ orderRef })),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await owner?.close();
  });

  it('claims and delivers one order’s event in milliseconds, by an index on the order', async () => {
    const plan = await owner.db.dataSource.query<{ 'QUERY PLAN': string }[]>(
      `EXPLAIN SELECT id FROM pts_outbox
        WHERE order_ref = $1 AND delivered_at IS NULL AND dead_at IS NULL
        ORDER BY id LIMIT 1 FOR UPDATE`,
      [orderRefs[0]],
    );
    expect(plan.map((line) => line['QUERY PLAN']).join('\n')).toContain(
      'ix_pts_outbox_pending_by_order',
    );
    const dispatcher = owner.app.get(PtsOutboxDispatcher);
    const times: number[] = [];
    for (const ref of orderRefs.slice(0, 200)) {
      const started = performance.now();
      expect(await dispatcher.deliverOrder(ref)).toBe(1);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const median = times[times.length >> 1];
    // The old claim took 5.7 s with 3,000 pending; a shared 2-core CI machine gets slack.
    expect(median).toBeLessThan(25);
    expect(times.at(-1)).toBeLessThan(250);
  });

  it('claims the orders of a wake-up batch 8 at a time, each order by its index range', async () => {
    const dispatcher = owner.app.get(PtsOutboxDispatcher);
    const times: number[] = [];
    const { sql: statements } = await statementsDuring(async () => {
      for (let i = 200; i < 400; i += 50) {
        const started = performance.now();
        expect(await dispatcher.deliverOrders(orderRefs.slice(i, i + 50))).toBe(50);
        times.push(performance.now() - started);
      }
    });
    // A claim and a mark per group of 8 orders delivered side by side (7 groups per batch of
    // 50), not two statements per order.
    expect(statements.filter((text) => text.includes('CROSS JOIN LATERAL'))).toHaveLength(28);
    expect(statements).toHaveLength(56);
    const [{ n }] = await owner.db.dataSource.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM pts_outbox WHERE order_ref = ANY($1::uuid[]) AND delivered_at IS NOT NULL`,
      [orderRefs.slice(200, 400)],
    );
    expect(Number(n)).toBe(200);
    times.sort((a, b) => a - b);
    // A shared 2-core CI machine gets slack; a scan of the backlog per order would take seconds.
    expect(times[times.length >> 1]).toBeLessThan(100);
  });

  it('delivers the backlog through the job engine at hundreds of events a second', async () => {
    const worker = await startTestService({ label: 'outboxscale', instanceOf: owner });
    try {
      const delivered = () =>
        owner.db.dataSource
          .query<{ n: string }[]>(
            `SELECT count(*) AS n FROM pts_outbox WHERE delivered_at IS NOT NULL`,
          )
          .then(([r]) => Number(r.n));
      const before = await delivered();
      const started = Date.now();
      await eventually(async () => (await delivered()) - before >= 2000, 20_000, '2000 deliveries');
      const perSecond = 2000 / ((Date.now() - started) / 1000);
      // The hand-written loop managed about 8 a second under load (160 in 20 s).
      expect(perSecond).toBeGreaterThan(100);
    } finally {
      await worker.close();
    }
  });
});
