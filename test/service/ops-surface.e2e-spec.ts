import { createServer, get as httpGet, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOps } from '../../src/app/ops/ops-access.js';
import { generateSandboxCredentials } from '../../src/sandbox/index.js';
import { sandboxAccount } from '../support/sandbox-account.js';
import {
  ADMIN_KEY,
  startTestService,
  VIEWER_KEY,
  type TestService,
} from '../support/test-service.js';

const viewer = { Authorization: `Bearer ${VIEWER_KEY}` };

describe('the operational surface on the public port (ops access: key)', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ label: 'opskey' });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('sends security headers and no X-Powered-By on every kind of route', async () => {
    const answers = [
      await request(service.url).get('/health'),
      await request(service.url).get('/admin/orders').set(viewer),
      await request(service.url).get('/admin/orders'),
      await request(service.url)
        .post('/pts/callback/payment')
        .set('Content-Type', 'application/json')
        .send('{}'),
    ];
    for (const res of answers) {
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    }
  });

  it('marks admin answers, errors included, Cache-Control: no-store', async () => {
    const ok = await request(service.url).get('/admin/orders').set(viewer);
    expect(ok.status).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    const denied = await request(service.url).get('/admin/orders');
    expect(denied.status).toBe(401);
    expect(denied.headers['cache-control']).toBe('no-store');
  });

  it('keeps /metrics and /docs behind an admin or viewer key', async () => {
    expect((await request(service.url).get('/metrics')).status).toBe(401);
    expect(
      (await request(service.url).get('/metrics').set('Authorization', 'Bearer nope')).status,
    ).toBe(401);
    const metrics = await request(service.url).get('/metrics').set(viewer);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('pts_callbacks_total');
    const docs = await request(service.url).get('/docs');
    expect(docs.status).toBe(401);
    expect(docs.headers['www-authenticate']).toMatch(/^Basic/);
    expect((await request(service.url).get('/docs/json')).status).toBe(401);
    // A browser answers the Basic prompt with any user name and the key as password.
    const basic = await request(service.url).get('/docs/json').auth('ops', ADMIN_KEY);
    expect(basic.status).toBe(200);
    expect(basic.body.paths['/admin/orders']).toBeDefined();
  });

  it('serves /docs so that it works under its Content-Security-Policy', async () => {
    const page = await request(service.url).get('/docs/').set(viewer);
    expect(page.status).toBe(200);
    const csp = page.headers['content-security-policy'];
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toContain('upgrade-insecure-requests');
    // No inline script: every script is a file of the same origin, and each one is served.
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, inline] of scripts) {
      expect(inline.trim()).toBe('');
      const src = /src="([^"]+)"/.exec(attributes)?.[1];
      expect(src).toBeDefined();
      expect(src).not.toMatch(/^(https?:)?\/\//);
      const asset = await request(service.url)
        .get(new URL(src!, `${service.url}/docs/`).pathname)
        .set(viewer);
      expect(asset.status, src).toBe(200);
      expect(asset.headers['content-type']).toMatch(/javascript/);
    }
    for (const [, href] of page.text.matchAll(/<link[^>]+href="([^"]+)"/g)) {
      expect(href).not.toMatch(/^(https?:)?\/\//);
    }
  });
});

describe('the operational surface on a port of its own (OPS_PORT)', () => {
  let service: TestService;
  let ops: Awaited<ReturnType<typeof listenOps>>;

  beforeAll(async () => {
    service = await startTestService({ label: 'opsport', opsAccess: { mode: 'port', port: 0 } });
    ops = await listenOps(service.app, 0);
  });

  afterAll(async () => {
    await ops?.close();
    await service?.close();
  });

  it('serves /metrics, /docs and /health there without a key, and nothing else', async () => {
    expect((await request(ops.url).get('/metrics')).status).toBe(200);
    expect((await request(ops.url).get('/docs/json')).status).toBe(200);
    expect((await request(ops.url).get('/health')).status).toBe(200);
    expect((await request(ops.url).get('/admin/orders').set(viewer)).status).toBe(404);
    expect((await request(ops.url).post('/pts/callback/payment').send('{}')).status).toBe(404);
  });

  it('answers 404 for them on the public port, whatever the key', async () => {
    expect((await request(service.url).get('/metrics').set(viewer)).status).toBe(404);
    expect((await request(service.url).get('/docs/').set(viewer)).status).toBe(404);
    expect((await request(service.url).get('/docs/json')).status).toBe(404);
    expect((await request(service.url).get('/admin/orders').set(viewer)).status).toBe(200);
  });
});

describe('/health and the gateway', () => {
  let service: TestService;
  let gateway: Server;
  let probes = 0;

  beforeAll(async () => {
    gateway = createServer((_req, res) => {
      probes++;
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const credentials = generateSandboxCredentials();
    service = await startTestService({
      label: 'healthcache',
      pts: {
        accounts: [
          sandboxAccount(
            credentials,
            `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`,
            { name: 'main', apiVersion: 'v2' },
          ),
        ],
      },
    });
  });

  afterAll(async () => {
    await service?.close();
    await new Promise<void>((resolve) => gateway.close(() => resolve()));
  });

  it('asks the gateway once for many /health calls, and reports when it looked', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => request(service.url).get('/health')),
    );
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.body.info.gateway.accounts.main.reachable).toBe(true);
    }
    expect(new Set(answers.map((r) => r.body.info.gateway.checkedAt as string)).size).toBe(1);
    expect(probes).toBe(1);
  });
});

describe('the admin rate limit', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({
      label: 'adminlimit',
      rateLimits: { admin: { limit: 5, windowMs: 60_000 } },
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  function getFrom(localAddress: string, path: string, key = VIEWER_KEY) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpGet(
        `${service.url}${path}`,
        { localAddress, headers: { Authorization: `Bearer ${key}` } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
    });
  }

  it('answers 429 JSON past the limit, wrong keys counted too, per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await getFrom('127.0.0.1', '/admin/orders')).status);
    statuses.push((await getFrom('127.0.0.1', '/admin/orders', 'wrong-key-0123456789')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 401]);
    const limited = await getFrom('127.0.0.1', '/admin/orders');
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.body)).toMatchObject({
      statusCode: 429,
      message: expect.stringContaining('too many requests'),
    });
    expect((await getFrom('127.0.0.2', '/admin/orders')).status).toBe(200);
    // Operations are not limited: a balancer may probe /health as often as it likes.
    expect((await getFrom('127.0.0.1', '/health')).status).toBe(200);
  });
});
