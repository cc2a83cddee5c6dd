import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitCheckout } from '../support/checkout.js';
import { callbackFields, signedCallbackBody } from '../support/pts-test-callbacks.js';
import {
  ADMIN_KEY,
  startTestService,
  VIEWER_KEY,
  type TestService,
} from '../support/test-service.js';
import { eventually } from '../support/waiting.js';

const admin = { Authorization: `Bearer ${ADMIN_KEY}` };
const viewer = { Authorization: `Bearer ${VIEWER_KEY}` };

interface OrderView {
  orderId: string;
  transactionId: string | null;
  status: string;
  flags: string[];
  payUrl: string | null;
  amount: string;
  currency: string;
}

/** `name{labels} value` of a Prometheus text page; 0 when the series is absent. */
function metric(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.lastIndexOf('}'));
    const have = inside.split(',');
    if (have.length === wanted.length && wanted.every((w) => have.includes(w))) {
      return Number(line.split(' ').at(-1));
    }
  }
  return 0;
}

describe('admin API for the console: role, search, flag filter, overview', () => {
  let service: TestService;
  let paid: OrderView;
  let flagged: OrderView;
  let plain: OrderView;

  async function create(orderId: string): Promise<OrderView> {
    const res = await request(service.url).post('/admin/payments').set(admin).send({
      orderId,
      amount: '100.10',
      currency: 'PHP',
      channel: 'QRPH',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as OrderView;
  }

  async function detail(orderId: string): Promise<OrderView> {
    return (await request(service.url).get(`/admin/orders/${orderId}`).set(admin))
      .body as OrderView;
  }

  beforeAll(async () => {
    service = await startTestService({ label: 'console_api' });
    paid = await create('CON-PAID-1');
    flagged = await create('CON-FLAG-1');
    plain = await create('CON-PLAIN-1');
    await submitCheckout(paid.payUrl!, 'pay');
    await eventually(async () => (await detail(paid.orderId)).status === 'success', 15_000);
    // A callback whose amount disagrees with the order: stored as mismatch, order flagged.
    const keys = {
      gatewayPrivateKeyPem: service.credentials.gatewayPrivateKeyPem,
      safecode: service.credentials.safecode,
    };
    const body = signedCallbackBody(
      keys,
      callbackFields(service.credentials.userId, { ...flagged, amount: '999.00' }, '2000'),
    );
    const reply = await request(service.url)
      .post('/pts/callback/payment')
      .set('Content-Type', 'application/json')
      .send(body);
    expect(reply.text).toBe('SUCCESS');
    expect((await detail(flagged.orderId)).flags).toEqual(['amount_mismatch']);
  });

  afterAll(async () => {
    await service?.close();
  });

  it('tells a key its role, and refuses a request without a known key', async () => {
    expect((await request(service.url).get('/admin/me').set(admin)).body).toEqual({
      role: 'admin',
    });
    expect((await request(service.url).get('/admin/me').set(viewer)).body).toEqual({
      role: 'viewer',
    });
    expect((await request(service.url).get('/admin/me')).status).toBe(401);
    const wrong = await request(service.url)
      .get('/admin/me')
      .set({ Authorization: 'Bearer not-a-key-of-this-service' });
    expect(wrong.status).toBe(401);
  });

  it('finds one order by our order id and by its PTS transaction id', async () => {
    const byOrderId = await request(service.url)
      .get('/admin/orders')
      .query({ search: plain.orderId })
      .set(viewer);
    expect(byOrderId.status).toBe(200);
    expect(byOrderId.body.items.map((o: OrderView) => o.orderId)).toEqual([plain.orderId]);

    expect(paid.transactionId).toMatch(/\S/);
    const byTransaction = await request(service.url)
      .get('/admin/orders')
      .query({ search: paid.transactionId })
      .set(viewer);
    expect(byTransaction.body.items.map((o: OrderView) => o.orderId)).toEqual([paid.orderId]);

    const none = await request(service.url)
      .get('/admin/orders')
      .query({ search: 'CON-NOBODY' })
      .set(viewer);
    expect(none.body).toEqual({ items: [], nextCursor: null });
  });

  it('filters by flag and combines it with the other filters', async () => {
    const res = await request(service.url)
      .get('/admin/orders')
      .query({ flag: 'amount_mismatch' })
      .set(viewer);
    expect(res.body.items.map((o: OrderView) => o.orderId)).toEqual([flagged.orderId]);
    const withStatus = await request(service.url)
      .get('/admin/orders')
      .query({ flag: 'amount_mismatch', status: 'success', account: 'main', kind: 'payment' })
      .set(viewer);
    expect(withStatus.body.items).toEqual([]);
    const other = await request(service.url)
      .get('/admin/orders')
      .query({ flag: 'conflicting_final_news' })
      .set(viewer);
    expect(other.body.items).toEqual([]);
  });

  it.each([
    [{ flag: 'Amount Mismatch!' }, 'flag must be'],
    [{ search: 'x'.repeat(65) }, 'search must be 1 to 64 characters'],
    [{ search: '' }, 'search must be 1 to 64 characters'],
  ])('answers 400 with a message for a bad list query %j', async (query, message) => {
    const res = await request(service.url).get('/admin/orders').query(query).set(viewer);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.message)).toContain(message);
  });

  it('gives overview numbers equal to those of /metrics', async () => {
    const res = await request(service.url).get('/admin/overview').set(viewer);
    expect(res.status).toBe(200);
    const metrics = (await request(service.url).get('/metrics').set(admin)).text;
    const orders = res.body.orders as { kind: string; status: string; count: number }[];
    expect(orders.reduce((sum, o) => sum + o.count, 0)).toBe(3);
    for (const row of orders) {
      expect(row.count, `${row.kind}/${row.status}`).toBe(
        metric(metrics, 'pts_orders', { kind: row.kind, status: row.status }),
      );
    }
    const callbacks = res.body.callbacks as { kind: string; outcome: string; count: number }[];
    expect(callbacks.find((c) => c.outcome === 'mismatch')?.count).toBe(1);
    expect(callbacks.find((c) => c.outcome === 'applied')?.count).toBe(2);
    for (const row of callbacks) {
      expect(row.count, `${row.kind}/${row.outcome}`).toBe(
        metric(metrics, 'pts_callbacks_total', { kind: row.kind, outcome: row.outcome }),
      );
    }
    expect(res.body.successRate).toEqual({ success: 1, failed: 0, rejected: 0, rate: 1 });
    expect(res.body.flags).toEqual([{ flag: 'amount_mismatch', count: 1 }]);
    expect(res.body.accounts).toEqual([{ name: 'main', apiVersion: 'v2' }]);
    const hour = `${new Date().toISOString().slice(0, 13)}:00:00Z`;
    const points = res.body.series.points as { at: string; status: string; count: number }[];
    expect(points.filter((p) => p.at === hour).reduce((sum, p) => sum + p.count, 0)).toBe(3);
    expect(res.body.series.bucket).toBe('hour');
  });

  it('keeps the series to its time range and one account', async () => {
    const past = await request(service.url)
      .get('/admin/overview')
      .query({ from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z', account: 'main' })
      .set(viewer);
    expect(past.status).toBe(200);
    expect(past.body.series.points).toEqual([]);
    expect(past.body.account).toBe('main');
    expect(past.body.orders.reduce((s: number, o: { count: number }) => s + o.count, 0)).toBe(3);
  });

  it.each([
    [{ bucket: 'minute' }, 'bucket must be one of'],
    [{ from: '2020-01-02T00:00:00Z', to: '2020-01-01T00:00:00Z' }, 'from must be before to'],
    [{ from: '2020-01-01T00:00:00Z', to: '2021-01-01T00:00:00Z' }, 'covers at most 31 days'],
    [{ from: 'yesterday' }, 'from must be an ISO 8601 date'],
    [{ account: 'nobody' }, 'nobody'],
  ])('answers 400 with a message for a bad overview query %j', async (query, message) => {
    const res = await request(service.url).get('/admin/overview').query(query).set(viewer);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.message)).toContain(message);
  });

  it('shows the new filters and endpoints in the OpenAPI document', async () => {
    const doc = (await request(service.url).get('/docs/json').set(admin)).body;
    const listParams = (doc.paths['/admin/orders'].get.parameters as { name: string }[]).map(
      (p) => p.name,
    );
    expect(listParams).toEqual(expect.arrayContaining(['flag', 'search', 'account']));
    expect(doc.paths['/admin/overview'].get).toBeDefined();
    expect(doc.paths['/admin/me'].get).toBeDefined();
    const overviewParams = (doc.paths['/admin/overview'].get.parameters as { name: string }[]).map(
      (p) => p.name,
    );
    expect(overviewParams).toEqual(expect.arrayContaining(['from', 'to', 'bucket', 'account']));
  });
});

describe('the console files', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ label: 'console_files' });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('serves the page without inline scripts, so a strict script-src allows it', async () => {
    const res = await request(service.url).get('/console');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    const scripts = [...res.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="\/console\//);
      expect(body.trim()).toBe('');
    }
    expect(res.text).not.toMatch(/\son[a-z]+=/i);
  });

  it('serves its modules and the chart library with script types, and nothing else', async () => {
    const main = await request(service.url).get('/console/assets/main.js');
    expect(main.status).toBe(200);
    expect(main.headers['content-type']).toContain('text/javascript');
    const chart = await request(service.url).get('/console/vendor/chart.umd.min.js');
    expect(chart.status).toBe(200);
    expect(chart.text).toContain('Chart.js v4');
    for (const path of [
      '/console/assets/..%2Fconsole.controller.ts',
      '/console/assets/.env',
      '/console/assets/nothing.js',
      '/console/vendor/uqr.js',
    ]) {
      expect((await request(service.url).get(path)).status, path).toBe(404);
    }
  });
});
