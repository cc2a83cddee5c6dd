import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtsJobs, PTS_JOB_QUEUES } from '../../src/pts/orders/pts-jobs.js';
import { PtsPayments } from '../../src/pts/orders/pts-payments.js';
import { statementsDuring } from '../support/pg-statements.js';
import { callbackFields, signedCallbackBody } from '../support/pts-test-callbacks.js';
import { startTestService, type TestService } from '../support/test-service.js';

/** docs/reconciliation.md, "The callback path's statements". */
describe('the statements of each callback path', () => {
  let service: TestService;
  let keys: { gatewayPrivateKeyPem: string; safecode: string };

  beforeAll(async () => {
    service = await startTestService({ label: 'cbstmts', orders: { dispatchIntervalMs: 0 } });
    keys = {
      gatewayPrivateKeyPem: service.credentials.gatewayPrivateKeyPem,
      safecode: service.credentials.safecode,
    };
  });

  afterAll(async () => {
    await service?.close();
  });

  async function statements(body: string): Promise<{ status: number; sql: string[] }> {
    const { result: reply, sql } = await statementsDuring(() =>
      request(service.url)
        .post('/pts/callback/payment')
        .set('Content-Type', 'application/json')
        .send(body)
        .then((res) => res),
    );
    return { status: reply.status, sql };
  }

  const newOrder = (n: string) =>
    service.app.get(PtsPayments).createPayment({
      orderId: `stmt-${n}-${Date.now()}`,
      amount: '100.10',
      currency: 'PHP',
      channel: 'QRPH',
    });

  it('creates an order in two statements: its first record before the request, the move after the answer', async () => {
    const { result: order, sql } = await statementsDuring(() => newOrder('create'));
    expect(order.status).toBe('waiting');
    expect(sql).toHaveLength(2);
    expect(sql[0]).toMatch(/^WITH moved AS \( INSERT INTO pts_orders /);
    expect(sql[0]).toContain('INSERT INTO pts_order_history');
    expect(sql[0]).toContain('INSERT INTO pts_outbox');
    expect(sql[1]).toMatch(/^WITH moved AS \( UPDATE pts_orders SET .* AND xmin = /);
  });

  it('applies a callback in two statements: one read of the order, one write of everything', async () => {
    const order = await newOrder('a');
    const body = signedCallbackBody(
      keys,
      callbackFields(service.credentials.userId, order, '2000'),
    );
    const applied = await statements(body);
    expect(applied.status).toBe(200);
    expect(applied.sql).toHaveLength(2);
    expect(applied.sql[0]).toMatch(/^SELECT .* FROM .*pts_orders/);
    expect(applied.sql[1]).toMatch(/^WITH moved AS \( UPDATE pts_orders/);
    for (const table of ['pts_callbacks', 'pts_order_history', 'pts_outbox', '.job']) {
      expect(applied.sql[1]).toContain(table);
    }
    const [row] = await service.db.dataSource.query<{ outcome: string }[]>(
      `SELECT outcome FROM pts_callbacks WHERE order_id = $1`,
      [order.orderId],
    );
    expect(row.outcome).toBe('applied');

    // The same callback again writes only its own row: no transaction, no lock, no order write.
    const duplicate = await statements(body);
    expect(duplicate.status).toBe(200);
    expect(duplicate.sql).toHaveLength(2);
    expect(duplicate.sql[1]).toMatch(/^INSERT INTO \S*pts_callbacks/);
    expect(duplicate.sql.join('\n')).not.toMatch(/UPDATE|FOR (NO KEY )?UPDATE|START TRANSACTION/);
  });

  it('stores a rejected callback in one statement, never touching the order', async () => {
    const order = await newOrder('r');
    const forged = await statements(
      signedCallbackBody(keys, callbackFields(service.credentials.userId, order, '2000'), {
        tamper: { submit_amount: '1.00' },
      }),
    );
    expect(forged.status).toBe(401);
    expect(forged.sql).toHaveLength(1);
    expect(forged.sql[0]).toMatch(/^INSERT INTO \S*pts_callbacks/);
  });

  it('writes the event wake-up as pg-boss itself would', async () => {
    const order = await newOrder('j');
    await statements(
      signedCallbackBody(keys, callbackFields(service.credentials.userId, order, '1000')),
    );
    const jobs = service.app.get(PtsJobs);
    await jobs.sendNow(PTS_JOB_QUEUES.events, { orderRef: order.id, sent: true });
    const columns = `name, priority, state, retry_limit, retry_count, retry_delay, retry_backoff,
       expire_in, keep_until - start_after AS kept, singleton_key, singleton_on, dead_letter, policy`;
    const ours = await service.db.dataSource.query<Record<string, unknown>[]>(
      `SELECT ${columns}, data FROM ${jobs.schema}.job WHERE name = $1 AND data->>'orderRef' = $2 ORDER BY created_on`,
      [PTS_JOB_QUEUES.events, order.id],
    );
    const theirs = ours.filter((j) => (j.data as { sent?: boolean }).sent);
    const folded = ours.filter((j) => !(j.data as { sent?: boolean }).sent);
    expect(theirs).toHaveLength(1);
    expect(folded.length).toBeGreaterThanOrEqual(1);
    const withoutData = (job: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(job).filter(([column]) => column !== 'data'));
    expect(withoutData(folded[folded.length - 1])).toEqual(withoutData(theirs[0]));
    // And the reconciliation wake-up of the move to processing: its step, at its due time.
    const [reconcile] = await service.db.dataSource.query<{ due: boolean; data: object }[]>(
      `SELECT j.start_after = o.next_reconcile_at AS due, j.data FROM ${jobs.schema}.job j
         JOIN pts_orders o ON o.id::text = j.data->>'orderRef'
        WHERE j.name = $1 AND o.id = $2
          AND (j.data->>'since')::timestamptz = o.status_changed_at`,
      [PTS_JOB_QUEUES.reconcile, order.id],
    );
    expect(reconcile.due).toBe(true);
    expect(reconcile.data).toMatchObject({ orderRef: order.id, attempt: 0 });
  });
});
