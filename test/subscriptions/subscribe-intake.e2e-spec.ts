import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handRsaSign, handSignString } from '../support/hand-made-pts.js';
import { ADMIN_KEY, startTestService, type TestService } from '../support/test-service.js';
import { postFrom } from '../support/post-from.js';
import { subscriptionRequest } from './support/subscription-request.js';

/**
 * The subscribe callback gets the intake of the other callback routes (docs/hardening.md): the
 * sender checked before the body is read, and validly signed values that cannot be stored
 * answered 400 and recorded, never a 5xx the gateway would retry for ever.
 */

const admin = { Authorization: `Bearer ${ADMIN_KEY}` };

describe('the subscribe callback intake', () => {
  let service: TestService;

  beforeAll(async () => {
    // The gateway is 127.0.0.2; the test itself posts from 127.0.0.1 unless it says otherwise.
    service = await startTestService({
      label: 'subs_intake',
      pts: { callbackAllowedIps: ['127.0.0.2'] },
      sandbox: { subscriptionUnitMs: 0 },
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  const callbacksOf = (orderId: string | null) =>
    service.db.dataSource.query<
      {
        kind: string;
        outcome: string;
        http_status: number;
        raw_body: string;
        reason: string;
        signature_valid: boolean;
      }[]
    >(
      `SELECT kind, outcome, http_status, raw_body, reason, signature_valid FROM pts_callbacks
        WHERE kind = 'subscribeCallback' AND order_id IS NOT DISTINCT FROM $1 ORDER BY id`,
      [orderId],
    );

  it('refuses a sender outside the allow-list 403 FAILED without reading its body', async () => {
    const reply = await postFrom(
      service.url,
      '127.0.0.1',
      '/pts/callback/subscribe',
      `{"junk":"${randomBytes(16 * 1024).toString('base64')}"}`,
    );
    expect([403, 0]).toContain(reply.status);
    if (reply.status === 403) expect(reply.text).toBe('FAILED');
    const rows = await callbacksOf(null);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'rejected', http_status: 403, raw_body: '' });
    expect(rows[0].reason).toContain('not allowed');
  });

  it('answers a validly signed payment id too long to store 400 FAILED and records it', async () => {
    const orderId = `intake-${Date.now()}`;
    const created = await request(service.url)
      .post('/admin/subscriptions')
      .set(admin)
      .send(subscriptionRequest(orderId));
    expect(created.status).toBe(201);
    const sub = service.sandbox.subscription(service.credentials.userId, orderId)!;
    const fields: Record<string, unknown> = {
      user_id: service.credentials.userId,
      order_id: orderId,
      transaction_id: sub.transactionId,
      channel: 'CARD',
      submit_currency: 'PHP',
      submit_amount: '499.00',
      accept_currency: 'PHP',
      accept_amount: '499.00',
      exchange_rate: '1',
      payment_transaction_id: `P${'9'.repeat(80)}`,
      payment_status: '2000',
      enabled: true,
      period_count: 1,
      period_unit: 2,
      subscribe_at: sub.subscribeAt,
      last_payment_at: null,
      next_payment_at: null,
      timestamp: Math.floor(Date.now() / 1000),
    };
    const sign = handRsaSign(
      service.credentials.gatewayPrivateKeyPem,
      handSignString(fields, Object.keys(fields), service.credentials.safecode),
    );
    const reply = await postFrom(
      service.url,
      '127.0.0.2',
      '/pts/callback/subscribe',
      JSON.stringify({ ...fields, sign }),
    );
    expect(reply).toEqual({ status: 400, text: 'FAILED' });
    const rows = await callbacksOf(orderId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'rejected', http_status: 400, signature_valid: true });
    expect(rows[0].reason).toContain('payment_transaction_id is longer than 64 characters');
    const shown = await request(service.url).get(`/admin/subscriptions/${orderId}`).set(admin);
    expect(shown.body.payments).toEqual([]);
  });
});
