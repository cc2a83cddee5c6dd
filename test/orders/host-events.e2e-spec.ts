import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataSourceOptions } from '../../src/app/database/data-source-options.js';
import {
  OnPtsOrderStatus,
  PtsModule,
  PtsPayments,
  type PtsOrderStatusEvent,
} from '../../src/pts/index.js';
import {
  generateSandboxCredentials,
  PtsSandbox,
  sandboxMerchantFromCredentials,
  type PtsSandboxCredentials,
} from '../../src/sandbox/index.js';
import { callbackFields, signedCallbackBody } from '../support/pts-test-callbacks.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { eventually } from '../support/test-service.js';

@Injectable()
class ShopOrders {
  readonly paid: PtsOrderStatusEvent[] = [];
  readonly everything: string[] = [];
  failures = 1;

  @OnPtsOrderStatus('success')
  async markPaid(event: PtsOrderStatusEvent): Promise<void> {
    this.paid.push(event);
    if (this.failures > 0) {
      this.failures--;
      throw new Error('the shop database is busy');
    }
  }

  @OnPtsOrderStatus()
  audit(event: PtsOrderStatusEvent): void {
    this.everything.push(`${event.orderId}:${event.status}`);
  }
}

/**
 * The module as a host app uses it (interface.md section 1): its own TypeORM wiring, forRootAsync,
 * a decorated handler, Nest's `rawBody: true` instead of our middleware.
 */
describe('PtsModule in a host app: status events reach decorated handlers', () => {
  let db: TestDatabase;
  let sandbox: PtsSandbox;
  let credentials: PtsSandboxCredentials;
  let app: INestApplication;

  beforeAll(async () => {
    db = await createTestDatabase('hostevents');
    credentials = generateSandboxCredentials();
    sandbox = await PtsSandbox.start({
      gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
      merchants: [sandboxMerchantFromCredentials(credentials)],
      port: 0,
    });
    @Module({
      imports: [
        TypeOrmModule.forRoot(buildDataSourceOptions(db.settings)),
        PtsModule.forRootAsync({
          useFactory: () => ({
            accounts: [
              {
                baseUrl: sandbox.url,
                userId: credentials.userId,
                safecode: credentials.safecode,
                merchantPrivateKey: credentials.merchantPrivateKeyPem,
                gatewayPublicKey: credentials.gatewayPublicKeyPem,
                guid: credentials.guid,
                transactionSecret: credentials.transactionSecret,
              },
            ],
            orders: { dispatchIntervalMs: 50, dispatchRetryBaseMs: 50 },
          }),
        }),
      ],
      providers: [ShopOrders],
    })
    class HostModule {}
    const moduleRef = await Test.createTestingModule({ imports: [HostModule] }).compile();
    app = moduleRef.createNestApplication({ rawBody: true, logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await sandbox?.stop();
    await db?.drop();
  });

  it('delivers a committed success at least once, again after the handler threw, with one idempotency key', async () => {
    const payments = app.get(PtsPayments);
    const order = await payments.createPayment({
      amount: '99.99',
      currency: 'PHP',
      channel: 'QRPH',
    });
    const body = signedCallbackBody(
      { gatewayPrivateKeyPem: credentials.gatewayPrivateKeyPem, safecode: credentials.safecode },
      callbackFields(credentials.userId, order, '2000'),
    );
    const reply = await request(app.getHttpServer())
      .post('/pts/callback/payment')
      .set('Content-Type', 'application/json')
      .send(body);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('SUCCESS');

    const shop = app.get(ShopOrders);
    await eventually(() => shop.paid.length >= 2, 5000, 'a redelivery after the failure');
    expect(shop.paid).toHaveLength(2);
    expect(shop.paid[0].idempotencyKey).toBe(shop.paid[1].idempotencyKey);
    expect(shop.paid[0]).toMatchObject({
      orderId: order.orderId,
      status: 'success',
      previousStatus: 'waiting',
      amount: '99.99',
    });
    const [row] = await db.dataSource.query<{ attempts: number; delivered_at: Date | null }[]>(
      `SELECT attempts, delivered_at FROM pts_outbox WHERE idempotency_key = $1`,
      [shop.paid[0].idempotencyKey],
    );
    expect(row.attempts).toBe(2);
    expect(row.delivered_at).not.toBeNull();
    await eventually(() => shop.everything.includes(`${order.orderId}:success`));
    expect(shop.everything.filter((e) => e.startsWith(order.orderId))).toEqual([
      `${order.orderId}:created`,
      `${order.orderId}:waiting`,
      `${order.orderId}:success`,
    ]);
  });
});
