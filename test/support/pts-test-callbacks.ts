import { createSign } from 'node:crypto';

/**
 * Builds callbacks the way the gateway does, straight from the spec (B 4.2, 4.5, A3) with
 * `node:crypto`, independent of our signer: the "Sign yes" fields sorted by byte order,
 * `key=value` joined by `&`, then `&` + safecode, SHA256withRSA with the gateway key.
 */
export const CALLBACK_SIGNED_FIELDS = [
  'user_id',
  'order_id',
  'transaction_id',
  'channel',
  'submit_currency',
  'submit_amount',
  'accept_currency',
  'accept_amount',
  'exchange_rate',
  'status',
  'timestamp',
];

export const CONFIRM_SIGNED_FIELDS = ['user_id', 'order_id', 'amount', 'timestamp'];

export interface TestCallbackKeys {
  gatewayPrivateKeyPem: string;
  safecode: string;
}

export function testSignString(
  fields: Record<string, string | number>,
  signed: readonly string[],
  safecode: string,
): string {
  const keys = [...signed].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return [...keys.map((k) => `${k}=${fields[k] ?? ''}`), safecode].join('&');
}

export function testSign(text: string, privateKeyPem: string): string {
  return createSign('sha256').update(text, 'utf8').sign(privateKeyPem, 'base64');
}

/** A signed callback body as JSON text; `overrides` are applied after signing when `tamper`. */
export function signedCallbackBody(
  keys: TestCallbackKeys,
  fields: Record<string, string | number>,
  options: { signed?: readonly string[]; tamper?: Record<string, string | number> } = {},
): string {
  const sign = testSign(
    testSignString(fields, options.signed ?? CALLBACK_SIGNED_FIELDS, keys.safecode),
    keys.gatewayPrivateKeyPem,
  );
  return JSON.stringify({ ...fields, ...(options.tamper ?? {}), sign });
}

export function callbackFields(
  userId: string,
  order: { orderId: string; transactionId?: string | null; amount: string; currency?: string },
  status: string,
  extra: Record<string, string | number> = {},
): Record<string, string | number> {
  return {
    user_id: userId,
    order_id: order.orderId,
    transaction_id: order.transactionId ?? 'P-test',
    channel: 'QRPH',
    submit_currency: order.currency ?? 'PHP',
    submit_amount: order.amount,
    accept_currency: order.currency ?? 'PHP',
    accept_amount: order.amount,
    exchange_rate: '1',
    status,
    timestamp: Math.floor(Date.now() / 1000),
    ...extra,
  };
}
