import { generateKeyPairSync } from 'node:crypto';
import type pg from 'pg';
import {
  LosslessNumber,
  PtsSigner,
  ptsMessageSpec,
  stringifyPtsJson,
} from '../../src/pts/protocol/index.js';

/** Test-only credentials, generated per run; nothing here is a real merchant's secret. */
export interface CallbackBenchKeys {
  userId: string;
  account: string;
  safecode: string;
  guid: string;
  transactionSecret: string;
  merchantPrivateKeyPem: string;
  gatewayPublicKeyPem: string;
  gateway: PtsSigner;
  /** Signs with a key nobody configured: a bad signature. */
  impostor: PtsSigner;
}

export function generateBenchKeys(): CallbackBenchKeys {
  const pair = () =>
    generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
  const merchant = pair();
  const gateway = pair();
  const impostor = pair();
  const safecode = 'bench-test-safecode-0123456789ab';
  return {
    userId: '100231',
    // The service names the account of PTS_USER_ID & co. `default`.
    account: 'default',
    safecode,
    guid: 'bench-test-guid',
    transactionSecret: 'bench-test-transaction-secret',
    merchantPrivateKeyPem: merchant.privateKey,
    gatewayPublicKeyPem: gateway.publicKey,
    gateway: new PtsSigner({ privateKey: gateway.privateKey, safecode }),
    impostor: new PtsSigner({ privateKey: impostor.privateKey, safecode }),
  };
}

export function orderId(n: number): string {
  return `BENCH-${String(n).padStart(8, '0')}`;
}

const SPEC = ptsMessageSpec('v2', 'paymentCallback');
const AMOUNT = '100.5000000000';

/**
 * A v2 paymentCallback (B 4.2) for order `n` as the gateway sends it: flat JSON, amounts as
 * JSON numbers with ten decimals, signed over their text (docs/protocol.md A3, A4, A6).
 */
export function callbackBody(keys: CallbackBenchKeys, n: number, signer = keys.gateway): string {
  const fields: Record<string, unknown> = {
    user_id: keys.userId,
    order_id: orderId(n),
    transaction_id: `P9${String(n).padStart(18, '0')}`,
    channel: 'QRPH',
    submit_currency: 'PHP',
    submit_amount: new LosslessNumber(AMOUNT),
    accept_currency: 'PHP',
    accept_amount: new LosslessNumber(AMOUNT),
    exchange_rate: new LosslessNumber('1.0000000000'),
    status: '2000',
    timestamp: 1768384860 + n,
    submit_promo: new LosslessNumber('0.0000000000'),
    accept_promo: new LosslessNumber('0.0000000000'),
    payment_address: '',
    receiving_address: '',
    error_message: '',
    reference_number: `QR${String(n).padStart(10, '0')}`,
  };
  return stringifyPtsJson(signer.signMessage(SPEC, fields));
}

/**
 * Orders 1..count in status `waiting`, as a create leaves them (pay URL, a reconciliation due
 * in a day), in the service's table; the bare handler gets the same rows in schema `bare`.
 */
export async function seedOrders(
  db: pg.Client,
  keys: CallbackBenchKeys,
  total: number,
): Promise<void> {
  await db.query(`TRUNCATE public.pts_orders, bare.pts_orders CASCADE`);
  await db.query(
    `INSERT INTO public.pts_orders (account, user_id, api_version, kind, order_id, transaction_id,
       status, amount, currency, channel, pay_url, callback_url, created_at, updated_at,
       status_changed_at, next_reconcile_at)
     SELECT $2, $3, 'v2', 'payment', 'BENCH-' || lpad(n::text, 8, '0'),
       'P9' || lpad(n::text, 18, '0'), 'waiting', 100.50, 'PHP', 'QRPH',
       'https://sandbox.invalid/pay/' || n, 'http://127.0.0.1/pts/callback/payment',
       now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour',
       now() + interval '1 day'
     FROM generate_series(1, $1) AS n`,
    [total, keys.account, keys.userId],
  );
  await db.query(`INSERT INTO bare.pts_orders SELECT * FROM public.pts_orders`);
  await db.query(`ANALYZE public.pts_orders`);
  await db.query(`ANALYZE bare.pts_orders`);
}

/** Schema `bare`: copies of the service's tables (made by its migrations), indexes included. */
export async function createBareTables(db: pg.Client): Promise<void> {
  await db.query(`DROP SCHEMA IF EXISTS bare CASCADE`);
  await db.query(`CREATE SCHEMA bare`);
  await db.query(`CREATE TABLE bare.pts_orders (LIKE public.pts_orders INCLUDING ALL)`);
  await db.query(`CREATE TABLE bare.pts_callbacks (LIKE public.pts_callbacks INCLUDING ALL)`);
  await db.query(
    `ALTER TABLE bare.pts_callbacks ADD CONSTRAINT fk_bare_callbacks_order
       FOREIGN KEY (order_ref) REFERENCES bare.pts_orders (id) ON DELETE SET NULL`,
  );
}
