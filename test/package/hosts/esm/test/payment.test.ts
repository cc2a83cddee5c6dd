import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import { startPtsSandbox, type PtsTestSandbox } from 'pts-nest/testing';
import request from 'supertest';
import { createApp } from '../src/create-app.js';
import { ShopOrders } from '../src/shop-orders.js';

const API_KEY = 'shop-test-key';
const schema = `shop_${randomBytes(4).toString('hex')}`;
let sandbox: PtsTestSandbox;
let app: INestApplication;

before(async () => {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('set DATABASE_URL to a PostgreSQL server');
  await adminQuery(databaseUrl, `CREATE SCHEMA "${schema}"`);
  sandbox = await startPtsSandbox();
  const port = await freePort();
  const { account } = sandbox;
  Object.assign(process.env, {
    DATABASE_URL: `${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`,
    PTS_BASE_URL: account.baseUrl,
    PTS_USER_ID: account.userId,
    PTS_SAFECODE: account.safecode,
    PTS_GUID: account.guid,
    PTS_TRANSACTION_SECRET: account.transactionSecret,
    PTS_MERCHANT_PRIVATE_KEY: account.merchantPrivateKey,
    PTS_GATEWAY_PUBLIC_KEY: account.gatewayPublicKey,
    PTS_CALLBACK_BASE_URL: `http://127.0.0.1:${port}`,
    SHOP_API_KEY: API_KEY,
  });
  app = await createApp();
  await app.listen(port, '127.0.0.1');
});

after(async () => {
  await app?.close();
  await sandbox?.stop();
  if (process.env.DATABASE_URL) {
    await adminQuery(process.env.DATABASE_URL, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
});

test('a payment created through the shop is paid on the sandbox and the shop hears it once', async () => {
  const created = await request(app.getHttpServer())
    .post('/api/payments')
    .set('x-api-key', API_KEY)
    .send({ amount: '125.50' })
    .expect(201);
  const { orderId } = created.body as { orderId: string; status: string };
  assert.equal(created.body.status, 'waiting');

  // callback_url followed app.setGlobalPrefix('api').
  const atGateway = sandbox.gateway.order(sandbox.account.userId, orderId);
  assert.equal(
    atGateway?.callbackUrl,
    `${process.env.PTS_CALLBACK_BASE_URL}/api/pts/callback/payment`,
  );

  // Both callbacks pass the shop's global guard and are accepted.
  await sandbox.pay(orderId);

  const shop = app.get(ShopOrders);
  await eventually(() => (shop.paid.get(orderId)?.length ?? 0) > 0);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // room for a wrong second delivery
  const events = shop.paid.get(orderId) ?? [];
  assert.equal(events.length, 1);
  assert.equal(events[0].status, 'success');
  assert.equal(events[0].amount, '125.50');

  const order = await request(app.getHttpServer())
    .get(`/api/payments/${orderId}`)
    .set('x-api-key', API_KEY)
    .expect(200);
  assert.equal(order.body.status, 'success');
});

test('the shop guard still refuses its own routes without the key', async () => {
  await request(app.getHttpServer()).post('/api/payments').send({ amount: '1' }).expect(403);
});

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
