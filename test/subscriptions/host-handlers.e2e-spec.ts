import { Injectable, type INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OnPtsOrderStatus,
  OnPtsSubscriptionPayment,
  PtsModule,
  PtsSubscriptions,
  type PtsOrderStatusEvent,
  type PtsSubscriptionPaymentEvent,
} from '../../src/pts/index.js';
import type { PtsSandbox, PtsSandboxCredentials } from '../../src/sandbox/index.js';
import { startSandboxHost, type SandboxHost } from '../support/sandbox-host.js';
import { eventually } from '../support/waiting.js';

@Injectable()
class Memberships {
  readonly attempts: PtsSubscriptionPaymentEvent[] = [];
  readonly renewed: string[] = [];
  readonly statuses: string[] = [];
  failNext = true;

  @OnPtsSubscriptionPayment('success')
  renew(event: PtsSubscriptionPaymentEvent): void {
    this.attempts.push(event);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('the membership database is busy');
    }
    this.renewed.push(event.idempotencyKey);
  }

  /** Order status handlers see the subscription's own moves, never its payments. */
  @OnPtsOrderStatus()
  status(event: PtsOrderStatusEvent): void {
    this.statuses.push(`${event.kind}:${event.status}`);
  }
}

/** A host app's @OnPtsSubscriptionPayment handler, with a failure and the redelivery. */
describe('subscription payments reach decorated host handlers', () => {
  let host: SandboxHost;
  let sandbox: PtsSandbox;
  let credentials: PtsSandboxCredentials;
  let app: INestApplication;

  beforeAll(async () => {
    host = await startSandboxHost({
      label: 'subs_handlers',
      sandbox: { subscriptionUnitMs: 0, callbackRetry: { attempts: 3, baseDelayMs: 50 } },
      pts: (account, url) =>
        PtsModule.forRoot({
          accounts: [account],
          callbackBaseUrl: url,
          orders: { dispatchIntervalMs: 50, dispatchRetryBaseMs: 50 },
        }),
      providers: [Memberships],
      listen: true,
    });
    ({ sandbox, credentials, app } = host);
  });

  afterAll(async () => {
    await host?.close();
  });

  it('delivers a payment made again after the handler threw, with one idempotency key', async () => {
    const subscriptions = app.get(PtsSubscriptions);
    const { order } = await subscriptions.create({
      amount: '150.00',
      currency: 'PHP',
      channel: 'CARD',
      card: { number: '5555555555554444', expMonth: '3', expYear: '2099', cvc: '321' },
      firstName: 'Maria',
      lastName: 'Santos',
      periodCount: 1,
      periodUnit: 'week',
    });
    expect(order.status).toBe('active');
    sandbox.chargeSubscription(credentials.userId, order.orderId, 'pay');
    const members = app.get(Memberships);
    await eventually(() => members.renewed.length === 1, 8000, 'the renewal');
    expect(members.attempts).toHaveLength(2);
    expect(members.attempts[0].idempotencyKey).toBe(members.attempts[1].idempotencyKey);
    expect(members.attempts[1]).toMatchObject({
      orderId: order.orderId,
      status: 'success',
      ptsStatus: '2000',
      amount: '150.00',
      paymentsMade: 1,
    });
    expect(members.statuses).toEqual(['subscription:created', 'subscription:active']);
  });
});
