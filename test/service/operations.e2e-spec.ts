import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonLogger } from '../../src/app/logging/json-logger.js';
import { PtsAccessTokens } from '../../src/pts/client/pts-access-tokens.js';
import { PtsAccounts } from '../../src/pts/options/pts-accounts.js';
import { submitCheckout } from '../support/checkout.js';
import {
  ADMIN_KEY,
  startTestService,
  VIEWER_KEY,
  type TestService,
} from '../support/test-service.js';
import { eventually } from '../support/waiting.js';

function metric(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((w) => line.includes(w))) return Number(line.split(' ').at(-1));
  }
  return 0;
}

describe('operations: health, metrics and logs during a full v1 flow', () => {
  let service: TestService;
  const lines: string[] = [];

  beforeAll(async () => {
    service = await startTestService({
      label: 'ops',
      apiVersion: 'v1',
      withdrawConfirm: true,
      logger: new JsonLogger('debug', [ADMIN_KEY, VIEWER_KEY], (line) => lines.push(line)),
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('reports the database and the gateway on /health', async () => {
    const res = await request(service.url).get('/health');
    expect(res.status).toBe(200);
    expect(res.body.info.database.status).toBe('up');
    expect(res.body.info.gateway.accounts.main.reachable).toBe(true);
  });

  it('moves the counters of /metrics and keeps every secret out of the logs', async () => {
    const admin = { Authorization: `Bearer ${ADMIN_KEY}` };
    const before = (await request(service.url).get('/metrics').set(admin)).text;
    const created = await request(service.url).post('/admin/payments').set(admin).send({
      amount: '100.00',
      currency: 'PHP',
      channel: 'QRPH',
      email: 'a@b.co',
      phone: '09123456789',
      redirectUrl: 'https://shop.example/done',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await submitCheckout(created.body.payUrl as string, 'pay');
    await eventually(async () => {
      const res = await request(service.url)
        .get(`/admin/orders/${created.body.orderId as string}`)
        .set(admin);
      return res.body.status === 'success';
    });
    const withdrawal = await request(service.url)
      .post('/admin/withdrawals')
      .set(admin)
      .send({
        amount: '20.00',
        currency: 'PHP',
        channel: 'QRPH_INSTAPAY',
        details: {
          cardNo: '6222020202020202',
          cardName: 'Juan Dela Cruz',
          cardType: 1,
          bankCode: 'UNO',
          bankName: 'UNOBank',
          bankBranch: 'Makati',
          bankProvince: 'NCR',
          bankCity: 'Manila',
          email: 'juan@example.com',
          phone: '09123456789',
        },
      });
    expect(withdrawal.status, JSON.stringify(withdrawal.body)).toBe(201);
    expect(withdrawal.body.details).toMatchObject({ cardNo: '…0202' });
    await eventually(
      async () => {
        const res = await request(service.url)
          .get(`/admin/orders/${withdrawal.body.orderId as string}`)
          .set(admin);
        return res.body.status === 'success';
      },
      8000,
      'the v1 withdrawal to succeed',
    );
    const badCard = await request(service.url)
      .post('/admin/withdrawals')
      .set(admin)
      .send({ amount: '1', currency: 'PHP', channel: 'QRPH_INSTAPAY', details: { cardNo: '1' } });
    expect(badCard.status).toBe(400);
    expect(JSON.stringify(badCard.body.message)).toContain('details.bankName');
    const balance = await request(service.url).get('/admin/balance').set(admin);
    expect(balance.status).toBe(200);
    // A forged callback, so that a rejected outcome is counted too.
    await request(service.url)
      .post('/pts/callback/payment')
      .set('Content-Type', 'application/json')
      .send('{}');

    const after = (await request(service.url).get('/metrics').set(admin)).text;
    const grew = (name: string, labels: Record<string, string>) =>
      metric(after, name, labels) - metric(before, name, labels);
    expect(grew('pts_requests_total', { endpoint: 'payment', code: '1000' })).toBe(1);
    expect(grew('pts_requests_total', { endpoint: 'balance', code: '1000' })).toBe(1);
    expect(grew('pts_request_duration_seconds_count', { endpoint: 'payment' })).toBe(1);
    expect(grew('pts_token_refreshes_total', { account: 'main' })).toBe(1);
    expect(grew('pts_callbacks_total', { kind: 'paymentCallback', outcome: 'applied' })).toBe(2);
    expect(grew('pts_callbacks_total', { kind: 'paymentCallback', outcome: 'rejected' })).toBe(1);
    expect(grew('pts_order_transitions_total', { kind: 'payment', status: 'success' })).toBe(1);
    expect(
      metric(after, 'pts_orders', { kind: 'payment', status: 'success' }),
    ).toBeGreaterThanOrEqual(1);

    // The live v1 token, as the client sends it (cached: no second fetch).
    const authorization = await service.app
      .get(PtsAccessTokens)
      .authorization(service.app.get(PtsAccounts).get('main'), 2000);
    const token = authorization.split(' ')[1];
    expect(token.length).toBeGreaterThan(16);
    const logs = lines.join('');
    expect(lines.length).toBeGreaterThan(5);
    expect(logs).toContain('"requestId"');
    const { credentials } = service;
    const pemLine = (pem: string) => pem.split('\n')[2];
    for (const secret of [
      credentials.safecode,
      credentials.transactionSecret,
      pemLine(credentials.merchantPrivateKeyPem),
      pemLine(credentials.gatewayPrivateKeyPem),
      ADMIN_KEY,
      VIEWER_KEY,
      token,
    ]) {
      expect(logs).not.toContain(secret);
    }
    const fetches = service.sandbox.requests.filter((r) => r.endpoint === 'token');
    expect(fetches.map((r) => r.code)).toEqual(['1000']);
  });
});
