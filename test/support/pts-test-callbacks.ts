import { handRsaSign, handSignString, SIGNED_FIELDS } from './hand-made-pts.js';

/**
 * Callbacks built the way the gateway builds them, straight from the spec with `node:crypto`
 * (see hand-made-pts.ts), independent of our signer.
 */
export interface TestCallbackKeys {
  gatewayPrivateKeyPem: string;
  safecode: string;
}

/** A signed callback body as JSON text; `tamper` overrides fields after signing. */
export function signedCallbackBody(
  keys: TestCallbackKeys,
  fields: Record<string, string | number>,
  options: { signed?: readonly string[]; tamper?: Record<string, string | number> } = {},
): string {
  const sign = handRsaSign(
    keys.gatewayPrivateKeyPem,
    handSignString(fields, options.signed ?? SIGNED_FIELDS.gateway.status, keys.safecode),
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
