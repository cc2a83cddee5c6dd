import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { startPtsSandbox, type PtsTestSandbox } from 'pts-nest/testing';
import request from 'supertest';
import { AppModule, type ShopSettings } from '../src/app.module';
import { createApp } from '../src/create-app';
import { ShopOrders } from '../src/shop-orders';

const schema = `shop_${randomBytes(4).toString('hex')}`;
let sandbox: PtsTestSandbox;
let settings: ShopSettings;
let app: INestApplication;

before(async () => {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('set DATABASE_URL to a PostgreSQL server');
  await adminQuery(databaseUrl, `CREATE SCHEMA "${schema}"`);
  sandbox = await startPtsSandbox();
  const port = await freePort();
  settings = {
    databaseUrl: `${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`,
    accounts: [sandbox.account],
    callbackBaseUrl: `http://127.0.0.1:${port}`,
  };
  app = await createApp(settings);
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
    .post('/payments')
    .send({ amount: '99.99' })
    .expect(201);
  const { orderId } = created.body as { orderId: string; status: string };
  assert.equal(created.body.status, 'waiting');
  assert.equal(
    sandbox.gateway.order(sandbox.account.userId, orderId)?.callbackUrl,
    `${settings.callbackBaseUrl}/pts/callback/payment`,
  );

  await sandbox.pay(orderId);

  const shop = app.get(ShopOrders);
  await eventually(() => (shop.paid.get(orderId)?.length ?? 0) > 0);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // room for a wrong second delivery
  const events = shop.paid.get(orderId) ?? [];
  assert.equal(events.length, 1);
  assert.equal(events[0].status, 'success');
  assert.equal(events[0].amount, '99.99');
});

test('the same shop created without a way to the raw body fails at boot, saying how to fix it', async () => {
  const careless = await NestFactory.create(AppModule.register(settings), {
    logger: false,
    abortOnError: false,
  });
  try {
    await assert.rejects(
      careless.init(),
      /exact bytes[\s\S]*rawBody: true[\s\S]*ptsRawBodyMiddleware/,
    );
  } finally {
    await careless.close().catch(() => undefined);
  }
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
