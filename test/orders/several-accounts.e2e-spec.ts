import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPtsApp } from '../../src/app/create-app.js';
import { freePort } from '../../src/app/database/embedded-postgres.js';
import {
  generateSandboxCredentials,
  PtsSandbox,
  sandboxMerchantFromCredentials,
  type PtsSandboxCredentials,
} from '../../src/sandbox/index.js';
import { submitCheckout } from '../support/checkout.js';
import { sandboxAccount } from '../support/sandbox-account.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { ADMIN_KEY } from '../support/test-service.js';
import { eventually } from '../support/waiting.js';

/** README, "Using the module in your app": several merchant accounts in one process, v2 and v1 side by side. */
describe('several merchant accounts in one service', () => {
  let db: TestDatabase;
  let sandbox: PtsSandbox;
  let app: NestExpressApplication;
  let url: string;
  let main: PtsSandboxCredentials;
  let legacy: PtsSandboxCredentials;
  const admin = { Authorization: `Bearer ${ADMIN_KEY}` };

  beforeAll(async () => {
    db = await createTestDatabase('accounts');
    main = generateSandboxCredentials();
    legacy = { ...generateSandboxCredentials(), gatewayPrivateKeyPem: main.gatewayPrivateKeyPem };
    legacy.gatewayPublicKeyPem = main.gatewayPublicKeyPem;
    sandbox = await PtsSandbox.start({
      gatewayPrivateKey: main.gatewayPrivateKeyPem,
      merchants: [sandboxMerchantFromCredentials(main), sandboxMerchantFromCredentials(legacy)],
      port: 0,
      callbackRetry: { attempts: 3, baseDelayMs: 50 },
    });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    app = await createPtsApp(
      {
        database: db.settings,
        adminKeys: [{ role: 'admin', key: ADMIN_KEY }],
        pts: {
          accounts: [
            sandboxAccount(main, sandbox.url, { name: 'main' }),
            sandboxAccount(legacy, sandbox.url, { name: 'legacy', apiVersion: 'v1' }),
          ],
          callbackBaseUrl: url,
        },
        orders: { dispatchIntervalMs: 50 },
      },
      { logger: false },
    );
    await app.listen(port, '127.0.0.1');
  });

  afterAll(async () => {
    await sandbox?.stop();
    await app?.close();
    await db?.drop();
  });

  it('keeps each order with its account and routes callbacks by user_id', async () => {
    const orderIds: Record<string, string> = {};
    for (const account of ['main', 'legacy']) {
      const created = await request(url)
        .post('/admin/payments')
        .set(admin)
        .send({
          account,
          orderId: 'same-id-both-accounts',
          amount: account === 'main' ? '10.00' : '20.00',
          currency: 'PHP',
          channel: 'QRPH',
          redirectUrl: 'https://shop.example/done',
        });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.account).toBe(account);
      orderIds[account] = created.body.orderId as string;
      await submitCheckout(created.body.payUrl as string, 'pay');
    }
    for (const account of ['main', 'legacy']) {
      const done = await eventually(
        async () => {
          const res = await request(url)
            .get(`/admin/orders/${orderIds[account]}`)
            .set(admin)
            .query({ account });
          return res.body.status === 'success' ? res.body : undefined;
        },
        8000,
        `${account} to succeed`,
      );
      expect(done.amount).toBe(account === 'main' ? '10.00' : '20.00');
    }
    const legacyOnly = await request(url)
      .get('/admin/orders')
      .set(admin)
      .query({ account: 'legacy' });
    expect(legacyOnly.body.items.map((o: { account: string }) => o.account)).toEqual(['legacy']);
    expect(
      sandbox.requests
        .filter((r) => r.endpoint === 'payment')
        .map((r) => `${r.version}:${r.userId}`),
    ).toEqual([`v2:${main.userId}`, `v1:${legacy.userId}`]);
  });
});
