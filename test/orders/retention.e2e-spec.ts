import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtsPayments } from '../../src/pts/orders/pts-payments.js';
import { PtsRetention } from '../../src/pts/orders/pts-retention.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { eventually } from '../support/waiting.js';

describe('retention', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({
      label: 'retention',
      orders: {
        retainDeliveredEventsMs: 3_600_000,
        retainRefusedCallbacksMs: 3_600_000,
        retainExpiredTokensMs: 3_600_000,
      },
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('deletes old delivered events, expired tokens and old unverified refusals, compacts old verified refusals, and keeps the rest', async () => {
    const db = service.db.dataSource;
    const old = await service.app
      .get(PtsPayments)
      .createPayment({ amount: '1.00', currency: 'PHP', channel: 'QRPH' });
    const fresh = await service.app
      .get(PtsPayments)
      .createPayment({ amount: '2.00', currency: 'PHP', channel: 'QRPH' });
    const delivered = (ref: string) =>
      db
        .query<{ n: string }[]>(
          `SELECT count(*) AS n FROM pts_outbox WHERE order_ref = $1 AND delivered_at IS NOT NULL`,
          [ref],
        )
        .then(([r]) => Number(r.n));
    await eventually(
      async () => (await delivered(old.id)) === 2 && (await delivered(fresh.id)) === 2,
    );
    await db.query(
      `UPDATE pts_outbox SET delivered_at = now() - interval '2 hours' WHERE order_ref = $1`,
      [old.id],
    );
    const callbacks = await db.query<{ id: string }[]>(
      `INSERT INTO pts_callbacks (kind, received_at, headers, raw_body, body_bytes, outcome, reason, http_status, signature_valid)
       VALUES ('paymentCallback', now() - interval '2 hours', '{"x-a":"1"}', '{"forged":1}', 12, 'rejected', 'bad signature', 401, false),
              ('paymentCallback', now(), '{"x-a":"1"}', '{"forged":2}', 12, 'rejected', 'bad signature', 401, false),
              ('paymentCallback', now() - interval '2 hours', '{"x-a":"1"}', '{"ok":1}', 8, 'duplicate', 'kept', 200, true),
              ('paymentCallback', now() - interval '2 hours', '{"x-a":"1"}', '{"signed":1}', 12, 'rejected', 'unknown order', 404, true),
              ('paymentCallback', now() - interval '2 hours', '{"x-a":"1"}', 'junk', 4, 'rejected', 'not JSON', 400, false)
       RETURNING id`,
    );
    await db.query(
      `INSERT INTO pts_access_tokens (base_url, user_id, token_type, access_token_sealed, expires_at, fetched_at)
       VALUES ('http://old', 'u', 'Bearer', 'sealed', now() - interval '2 hours', now() - interval '3 hours'),
              ('http://live', 'u', 'Bearer', 'sealed', now() + interval '1 hour', now())`,
    );

    const result = await service.app.get(PtsRetention).run();
    expect(result).toEqual({ deliveredEvents: 2, refusedCallbacks: 3, expiredTokens: 1 });

    expect(await delivered(old.id)).toBe(0);
    expect(await delivered(fresh.id)).toBe(2);
    const kept = await db.query<
      { id: string; raw_body: string; headers: object; reason: string }[]
    >(`SELECT id, raw_body, headers, reason FROM pts_callbacks WHERE id = ANY($1) ORDER BY id`, [
      callbacks.map((c) => c.id),
    ]);
    // Old unverified refusals are gone; the old verified one keeps its row, not its body.
    expect(kept.map((c) => [c.raw_body, c.reason])).toEqual([
      ['{"forged":2}', 'bad signature'],
      ['{"ok":1}', 'kept'],
      ['', 'unknown order'],
    ]);
    const tokens = await db.query<{ base_url: string }[]>(
      `SELECT base_url FROM pts_access_tokens ORDER BY base_url`,
    );
    expect(tokens.map((t) => t.base_url)).toEqual(['http://live']);
    // The orders themselves are records: never deleted.
    const [orders] = await db.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM pts_orders WHERE id = ANY($1)`,
      [[old.id, fresh.id]],
    );
    expect(Number(orders.n)).toBe(2);
    expect(await service.app.get(PtsRetention).run()).toEqual({
      deliveredEvents: 0,
      refusedCallbacks: 0,
      expiredTokens: 0,
    });
  });
});
