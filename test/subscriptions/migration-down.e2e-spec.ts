import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const NAME = 'SubscriptionsAndKeptFields1764100001500';

/** The subscriptions migration reverts with subscriptions stored, and applies again. */
describe('migration 1764100001500 down() with data', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('subs_migration');
  });

  afterAll(async () => {
    await db?.drop();
  });

  const applied = async () =>
    (await db.dataSource.query<{ name: string }[]>(`SELECT name FROM pts_migrations`)).map(
      (r) => r.name,
    );

  it('deletes subscriptions and subscribe callbacks, keeps payments, restores the old checks', async () => {
    const q = (sql: string, params: unknown[] = []) => db.dataSource.query(sql, params);
    const [sub] = await q(
      `INSERT INTO pts_orders (account, user_id, api_version, kind, order_id, status, amount, currency, channel, reference_number)
       VALUES ('main', '1', 'v2', 'subscription', 'S1', 'active', 10, 'PHP', 'CARD', NULL) RETURNING id`,
    );
    await q(
      `INSERT INTO pts_orders (account, user_id, api_version, kind, order_id, status, amount, currency, channel, reference_number)
       VALUES ('main', '1', 'v2', 'payment', 'P1', 'success', 10, 'PHP', 'QRPH', 'INV-1')`,
    );
    await q(
      `INSERT INTO pts_subscriptions (order_ref, period_count, period_unit, card_last4, first_name, last_name)
       VALUES ($1, 1, 'month', '4242', 'Juan', 'Cruz')`,
      [sub.id],
    );
    const [cb] = await q(
      `INSERT INTO pts_callbacks (kind, raw_body, body_bytes, outcome, http_status, order_ref)
       VALUES ('subscribeCallback', '{}', 2, 'applied', 200, $1) RETURNING id`,
      [sub.id],
    );
    await q(
      `INSERT INTO pts_subscription_payments (order_ref, payment_transaction_id, status, pts_status,
         submit_amount, submit_currency, accept_amount, accept_currency, exchange_rate, callback_id)
       VALUES ($1, 'S1-001', 'success', '2000', 10, 'PHP', 10, 'PHP', 1, $2)`,
      [sub.id, cb.id],
    );
    while ((await applied()).includes(NAME)) {
      await db.dataSource.undoLastMigration({ transaction: 'each' });
    }
    const orders = await q(`SELECT order_id, kind FROM pts_orders ORDER BY order_id`);
    expect(orders).toEqual([{ order_id: 'P1', kind: 'payment' }]);
    expect(await q(`SELECT count(*)::int AS n FROM pts_callbacks`)).toEqual([{ n: 0 }]);
    await expect(
      q(
        `INSERT INTO pts_orders (account, user_id, api_version, kind, order_id, status, amount, currency, channel)
         VALUES ('main', '1', 'v2', 'subscription', 'S2', 'active', 10, 'PHP', 'CARD')`,
      ),
    ).rejects.toThrow(/ck_pts_orders_kind/);
    await db.dataSource.runMigrations({ transaction: 'each' });
    expect(await applied()).toContain(NAME);
  });
});
