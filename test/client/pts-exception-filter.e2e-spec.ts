import { Body, Controller, Get, Param, Post, type INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataSourceOptions } from '../../src/app/database/data-source-options.js';
import {
  PtsClient,
  PtsExceptionFilter,
  PtsModule,
  type PtsPaymentRequest,
} from '../../src/pts/index.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import {
  newOrderId,
  startSandboxHarness,
  type PtsClientHarness,
} from './support/pts-client-harness.js';

/** A thin host controller, as the admin API is: parse, call one method, return. */
@Controller('probe')
class ProbeController {
  constructor(private readonly client: PtsClient) {}

  @Post('payments')
  create(@Body() body: PtsPaymentRequest) {
    return this.client.createPayment(body);
  }

  @Get('payments/:orderId')
  query(@Param('orderId') orderId: string) {
    return this.client.queryPayment(orderId);
  }
}

let db: TestDatabase;
let harness: PtsClientHarness;
let app: INestApplication;

beforeAll(async () => {
  [db, harness] = await Promise.all([createTestDatabase('client_filter'), startSandboxHarness()]);
  const moduleRef = await Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot(buildDataSourceOptions(db.settings)),
      PtsModule.forRoot({
        accounts: [harness.account('v2')],
        timeoutMs: 1500,
        retry: { attempts: 1 },
        orders: { dispatchIntervalMs: 0 },
      }),
    ],
    controllers: [ProbeController],
  }).compile();
  app = moduleRef.createNestApplication({ rawBody: true, logger: false });
  app.useGlobalFilters(new PtsExceptionFilter(app.get(HttpAdapterHost)));
  await app.init();
  // The sandbox makes its impostor key on first use (RSA key generation); not under a timeout.
  harness.sandbox.setFault({ kind: 'wrong-key', endpoint: 'balance', times: 1 });
  await app
    .get(PtsClient)
    .balance({}, { timeoutMs: 20_000 })
    .catch(() => undefined);
});

afterAll(async () => {
  await app?.close();
  await harness?.stop();
  await db?.drop();
});

const server = () => app.getHttpServer() as Parameters<typeof request>[0];

const payment = (orderId: string, amount = '10') => ({
  orderId,
  amount,
  currency: 'PHP',
  channel: 'QRPH',
});

describe('PtsExceptionFilter', () => {
  it('answers 409 with the PTS code for a duplicate order id', async () => {
    const orderId = newOrderId('F');
    await request(server()).post('/probe/payments').send(payment(orderId)).expect(201);
    const res = await request(server()).post('/probe/payments').send(payment(orderId)).expect(409);
    expect(res.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: expect.stringContaining('Duplicate order id') as unknown,
      code: '1003',
    });
  });

  it.each([
    ['1007', 422, 'Unprocessable Entity'],
    ['1021', 422, 'Unprocessable Entity'],
    ['8001', 502, 'Bad Gateway'],
    ['9999', 502, 'Bad Gateway'],
  ])('answers PTS refusal %s with %i', async (code, status, error) => {
    const orderId = newOrderId('F');
    harness.sandbox.setFault({ kind: 'error', code, endpoint: 'payment', orderId, times: 1 });
    const res = await request(server()).post('/probe/payments').send(payment(orderId));
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ statusCode: status, error, code });
  });

  it('answers 502 without a PTS code when the answer does not verify', async () => {
    const orderId = newOrderId('F');
    harness.sandbox.setFault({ kind: 'wrong-key', endpoint: 'payment', orderId, times: 1 });
    const res = await request(server()).post('/probe/payments').send(payment(orderId)).expect(502);
    expect(res.body).toEqual({
      statusCode: 502,
      error: 'Bad Gateway',
      message: expect.stringContaining('does not verify') as unknown,
    });
  });

  it('answers 504 when PTS does not answer in time', async () => {
    const orderId = newOrderId('F');
    harness.sandbox.setFault({ kind: 'delay', ms: 2500, endpoint: 'payment', orderId, times: 1 });
    const res = await request(server()).post('/probe/payments').send(payment(orderId)).expect(504);
    expect(res.body).toMatchObject({ statusCode: 504, error: 'Gateway Timeout' });
  });

  it('answers 400 for a request that could not be sent as it is', async () => {
    const res = await request(server())
      .post('/probe/payments')
      .send(payment(newOrderId('F'), '1.1234567'))
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(res.body).not.toHaveProperty('code');
  });

  it('answers 422 with code 1002 for a query of an order PTS does not know', async () => {
    const res = await request(server())
      .get(`/probe/payments/${newOrderId('U')}`)
      .expect(422);
    expect(res.body).toMatchObject({ code: '1002' });
  });
});
