import {
  handSeal,
  handTokenHash,
  now,
  send,
  SIGNED_FIELDS,
  V1_PATHS,
  v2Url,
  type HandMerchant,
} from '../../support/hand-made-pts.js';
import { newOrderId } from './sandbox-fixture.js';

/** A v2 payment made by hand; returns the order id and the answer's data. */
export async function createPaymentV2(
  baseUrl: string,
  merchant: HandMerchant,
  extra: Record<string, unknown> = {},
): Promise<{ orderId: string; code: string; data: Record<string, unknown> }> {
  const orderId = newOrderId();
  const fields = {
    user_id: merchant.userId,
    order_id: orderId,
    amount: '100.10',
    currency: 'PHP',
    channel: 'QRPH',
    timestamp: now(),
    ...extra,
  };
  const answer = await send(
    v2Url(baseUrl, merchant.guid, 'payment'),
    handSeal(fields, SIGNED_FIELDS.v2.payment, merchant),
  );
  return { orderId, code: answer.json?.code ?? '', data: answer.json?.data ?? {} };
}

/** A v2 withdrawal made by hand. */
export async function createWithdrawalV2(
  baseUrl: string,
  merchant: HandMerchant,
  extra: Record<string, unknown> = {},
): Promise<{ orderId: string; code: string; data: Record<string, unknown>; timestamp: number }> {
  const orderId = newOrderId();
  const timestamp = now();
  const fields = {
    user_id: merchant.userId,
    order_id: orderId,
    amount: '250.50',
    currency: 'PHP',
    channel: 'QRPH_INSTAPAY',
    timestamp,
    details: { channel_subject: 'UNO', account_number: '1234567890', phone: '09123456789' },
    ...extra,
  };
  const answer = await send(
    v2Url(baseUrl, merchant.guid, 'withdraw'),
    handSeal(fields, SIGNED_FIELDS.v2.withdraw, merchant),
  );
  return { orderId, code: answer.json?.code ?? '', data: answer.json?.data ?? {}, timestamp };
}

/** A v1 payment made by hand, token flow included. */
export async function createPaymentV1(
  baseUrl: string,
  merchant: HandMerchant,
  callbackUrl: string,
): Promise<{ orderId: string; code: string; data: Record<string, unknown> }> {
  const json = (body: unknown) => ({
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
  const random = await send(`${baseUrl}/merchant/random_code`, json({ user_id: merchant.userId }));
  const code = random.json!.data!.code as string;
  const token = await send(
    `${baseUrl}/merchant/token`,
    json({
      user_id: merchant.userId,
      hash: handTokenHash(code, merchant.userId, merchant.safecode),
    }),
  );
  const orderId = newOrderId();
  const fields = {
    user_id: merchant.userId,
    order_id: orderId,
    amount: '40000',
    currency: 'PHP',
    channel: 'QRPH',
    bank_code: '',
    callback_url: callbackUrl,
    redirect_url: 'https://merchant.example/return',
    timestamp: now(),
  };
  const answer = await send(
    `${baseUrl}${V1_PATHS.payment}`,
    handSeal(fields, SIGNED_FIELDS.v1.payment, merchant, {
      hmac: false,
      authorization: `Bearer ${String(token.json!.data!.access_token)}`,
    }),
  );
  return { orderId, code: answer.json?.code ?? '', data: answer.json?.data ?? {} };
}

/** Submits the checkout form like a browser (no redirect following). */
export async function pressCheckoutButton(
  payUrl: string,
  action: string,
): Promise<{ status: number; location: string | null; text: string }> {
  const response = await fetch(payUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ action }).toString(),
    redirect: 'manual',
  });
  return {
    status: response.status,
    location: response.headers.get('location'),
    text: await response.text(),
  };
}
