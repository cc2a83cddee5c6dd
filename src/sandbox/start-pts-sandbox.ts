import type { PtsAccountOptions } from '../pts/options/pts-module-options.js';
import type { PtsApiVersion } from '../pts/protocol/pts-fields.js';
import { generateSandboxCredentials, type PtsSandboxCredentials } from './credentials.js';
import type { PtsSandboxDeliveryRecord } from './delivery-record.js';
import { PtsSandboxError } from './error.js';
import type { PtsSandboxMerchant, PtsSandboxOptions } from './options.js';
import type { PtsSandboxOutcome } from './order.js';
import { PtsSandbox } from './sandbox.js';

/** What `startPtsSandbox` takes; everything is optional. */
export interface StartPtsSandboxOptions extends Omit<
  PtsSandboxOptions,
  'gatewayPrivateKey' | 'merchants'
> {
  /** The API version of `account`; default `v2`. The sandbox itself serves both. */
  apiVersion?: PtsApiVersion;
  /** `account.name`; default `sandbox`. */
  name?: string;
  /** Further settings of the one merchant (balances, channels, `withdrawConfirmUrl`, ...). */
  merchant?: Partial<
    Omit<PtsSandboxMerchant, 'userId' | 'safecode' | 'guid' | 'transactionSecret'>
  >;
  /** How long `pay`, `fail` and `expire` wait for the host to accept the callbacks; default 15 s. */
  settleTimeoutMs?: number;
}

/** A running sandbox gateway for a host's tests, with one merchant and its module account. */
export interface PtsTestSandbox {
  /** Base URL of the gateway (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** The merchant's account as `PtsModule.forRoot({ accounts: [sandbox.account] })` takes it. */
  readonly account: PtsAccountOptions;
  /** The fresh credentials both sides share (keys as PEM). */
  readonly credentials: PtsSandboxCredentials;
  /** The whole sandbox: faults, requests and deliveries it recorded, `settle`, orders. */
  readonly gateway: PtsSandbox;
  /** As the checkout page's Pay button: callbacks 1000 then 2000. */
  pay(orderId: string): Promise<void>;
  /** As the checkout page's Fail button: callback 3000. */
  fail(orderId: string): Promise<void>;
  /** As the checkout page's Expire button: callback 5000. */
  expire(orderId: string): Promise<void>;
  stop(): Promise<void>;
}

const FINAL_STATUS: Record<'pay' | 'fail' | 'expire', string> = {
  pay: '2000',
  fail: '3000',
  expire: '5000',
};

/**
 * Starts the PTS sandbox gateway on a free port with freshly generated credentials and state in
 * memory: what a host's e2e test needs to run a whole payment without the real gateway.
 * `pay`, `fail` and `expire` resolve once the host answered `SUCCESS` to the order's last
 * callback, and reject with the sandbox's delivery record when it never did.
 */
export async function startPtsSandbox(
  options: StartPtsSandboxOptions = {},
): Promise<PtsTestSandbox> {
  const {
    apiVersion = 'v2',
    name = 'sandbox',
    merchant = {},
    settleTimeoutMs = 15_000,
    ...sandboxOptions
  } = options;
  const credentials = generateSandboxCredentials();
  const gateway = await PtsSandbox.start({
    // Quick retries: a host under test that refuses a callback should fail its test in seconds.
    callbackRetry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
    ...sandboxOptions,
    gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
    merchants: [
      {
        userId: credentials.userId,
        safecode: credentials.safecode,
        guid: credentials.guid,
        transactionSecret: credentials.transactionSecret,
        merchantPublicKey: credentials.merchantPublicKeyPem,
        ...merchant,
      },
    ],
  });
  const account: PtsAccountOptions = {
    name,
    apiVersion,
    baseUrl: gateway.url,
    userId: credentials.userId,
    safecode: credentials.safecode,
    merchantPrivateKey: credentials.merchantPrivateKeyPem,
    gatewayPublicKey: credentials.gatewayPublicKeyPem,
    ...(apiVersion === 'v2'
      ? { guid: credentials.guid, transactionSecret: credentials.transactionSecret }
      : {}),
  };
  const attempts = sandboxOptions.callbackRetry?.attempts ?? 3;

  const settle = async (orderId: string, outcome: 'pay' | 'fail' | 'expire') => {
    const before = gateway.deliveries.length;
    await gateway.settle(credentials.userId, orderId, outcome satisfies PtsSandboxOutcome);
    await delivered(gateway, before, orderId, FINAL_STATUS[outcome], attempts, settleTimeoutMs);
  };

  return {
    url: gateway.url,
    account,
    credentials,
    gateway,
    pay: (orderId) => settle(orderId, 'pay'),
    fail: (orderId) => settle(orderId, 'fail'),
    expire: (orderId) => settle(orderId, 'expire'),
    stop: () => gateway.stop(),
  };
}

/** Waits until the callback carrying `status` was accepted, or every attempt failed. */
async function delivered(
  gateway: PtsSandbox,
  from: number,
  orderId: string,
  status: string,
  attempts: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tries = gateway.deliveries
      .slice(from)
      .filter(
        (d) =>
          d.kind !== 'withdrawConfirm' &&
          d.orderId === orderId &&
          d.status === status &&
          d.copy === 0,
      );
    if (tries.some((d) => d.accepted)) return;
    const last: PtsSandboxDeliveryRecord | undefined = tries[tries.length - 1];
    if (tries.length >= attempts || Date.now() > deadline) {
      const why = last
        ? `the last of ${tries.length} attempt(s) to ${last.url} got ${last.httpStatus ?? 'no answer'}: ${last.error ?? last.responseBody ?? ''}`
        : `no attempt within ${timeoutMs} ms`;
      throw new PtsSandboxError({
        code: 'callback_not_accepted',
        message: `PTS sandbox: the host did not accept callback ${status} of order ${orderId}; ${why}`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
