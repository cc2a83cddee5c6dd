/**
 * PTS messages assembled by hand with node:crypto, straight from docs/protocol.md, without our
 * protocol code or client: if the sandbox accepts these, it is not merely agreeing with us.
 * (lossless-json, a third-party parser, only keeps number text for the verifying side.)
 */
import { createCipheriv, createHash, createHmac, createSign, createVerify } from 'node:crypto';
import { parse as parseLossless, isLosslessNumber } from 'lossless-json';

/** The "Sign yes" fields of Part B section 4 (and the B 2.2 whitelists). */
export const SIGNED_FIELDS = {
  v2: {
    payment: ['user_id', 'order_id', 'amount', 'currency', 'channel', 'timestamp'],
    withdraw: ['user_id', 'order_id', 'amount', 'currency', 'channel', 'timestamp'],
    paymentQuery: ['user_id', 'order_id', 'timestamp'],
    withdrawQuery: ['user_id', 'order_id', 'timestamp'],
    balance: ['user_id', 'timestamp'],
    supportChannel: ['user_id', 'currency', 'timestamp'],
  },
  v1: {
    payment: [
      'user_id',
      'order_id',
      'amount',
      'currency',
      'channel',
      'bank_code',
      'callback_url',
      'redirect_url',
      'timestamp',
    ],
    withdraw: [
      'user_id',
      'order_id',
      'amount',
      'currency',
      'channel',
      'card_no',
      'card_name',
      'card_type',
      'bank_code',
      'bank_name',
      'bank_branch',
      'bank_province',
      'bank_city',
      'cnaps_code',
      'callback_url',
      'timestamp',
    ],
    paymentQuery: ['user_id', 'order_id'],
    withdrawQuery: ['user_id', 'order_id'],
    balance: ['user_id'],
  },
  /** What the gateway signs (B 4.1-4.8, 4.10). */
  gateway: {
    paymentResponse: [
      'user_id',
      'order_id',
      'transaction_id',
      'channel',
      'submit_currency',
      'submit_amount',
      'accept_currency',
      'accept_amount',
      'exchange_rate',
      'pay_url',
    ],
    withdrawResponse: [
      'user_id',
      'order_id',
      'transaction_id',
      'channel',
      'submit_currency',
      'submit_amount',
      'accept_currency',
      'accept_amount',
      'exchange_rate',
    ],
    status: [
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
    ],
    balance: ['user_id'],
    supportChannel: ['user_id'],
    withdrawConfirm: ['user_id', 'order_id', 'amount', 'timestamp'],
    withdrawConfirmAnswer: ['user_id', 'order_id', 'confirm'],
  },
} as const;

export const V2_PATHS = {
  payment: 'payment',
  paymentQuery: 'payment/query',
  withdraw: 'withdraw',
  withdrawQuery: 'withdraw/query',
  balance: 'balance',
  supportChannel: 'support-channel',
} as const;

export const V1_PATHS = {
  payment: '/merchant/payment',
  paymentQuery: '/merchant/order/payment',
  withdraw: '/merchant/withdraw',
  withdrawQuery: '/merchant/order/withdraw',
  balance: '/merchant/balance',
} as const;

export type V2Endpoint = keyof typeof V2_PATHS;
export type V1Endpoint = keyof typeof V1_PATHS;

export interface HandMerchant {
  userId: string;
  safecode: string;
  guid: string;
  transactionSecret: string;
  merchantPrivateKeyPem: string;
  gatewayPublicKeyPem: string;
}

/** Unix seconds now (A9). */
export const now = () => Math.floor(Date.now() / 1000);

/** A3 by hand: byte-order sort, `k=v` joined by `&`, then `&safecode`; absent -> `k=`. */
export function handSignString(
  fields: Record<string, unknown>,
  keys: readonly string[],
  safecode: string,
): string {
  const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const parts = sorted.map((k) => {
    const v = fields[k];
    if (v === undefined || v === null) return `${k}=`;
    if (isLosslessNumber(v)) return `${k}=${v.value}`;
    if (typeof v === 'object') throw new Error(`${k} is an object; PTS never signs objects`);
    return `${k}=${v as string | number | boolean}`;
  });
  return [...parts, safecode].join('&');
}

export function handRsaSign(privateKeyPem: string, text: string): string {
  return createSign('sha256').update(text, 'utf8').sign(privateKeyPem, 'base64');
}

export function handRsaVerify(publicKeyPem: string, text: string, signature: string): boolean {
  return createVerify('sha256')
    .update(text, 'utf8')
    .verify(publicKeyPem, Buffer.from(signature, 'base64'));
}

/** A2.3/A2.4: AES-ECB-PKCS7 with the safecode bytes (or NUL-padded to 32), base64. */
export function handEncrypt(plaintext: string, safecode: string, zeroPad = false): string {
  let key = Buffer.from(safecode, 'utf8');
  if (zeroPad) key = Buffer.concat([key, Buffer.alloc(32 - key.length)]);
  const cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

export function handHmac(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message, 'utf8').digest('base64');
}

export function handTokenHash(randomCode: string, userId: string, safecode: string): string {
  return createHash('sha256')
    .update(randomCode + userId + safecode, 'utf8')
    .digest('hex');
}

export interface HandSealOptions {
  /** Sign with this private key instead of the merchant's. */
  signWith?: string;
  /** Encrypt with this safecode instead of the merchant's. */
  encryptWith?: string;
  zeroPadKey?: boolean;
  /** Change the object after `sign` was computed. */
  afterSign?: (message: Record<string, unknown>) => void;
  /** Replace the base64 body. */
  body?: (body: string) => string;
  /** v2 header: false leaves it out; a string replaces it. */
  hmac?: false | string;
  hmacOver?: 'body' | 'plaintext';
  contentType?: string;
  authorization?: string;
  noSign?: boolean;
}

export interface HandRequest {
  body: string;
  headers: Record<string, string>;
  plaintext: string;
}

/** A2 steps 1-5 by hand. */
export function handSeal(
  fields: Record<string, unknown>,
  signedKeys: readonly string[],
  merchant: HandMerchant,
  options: HandSealOptions = {},
): HandRequest {
  const message: Record<string, unknown> = { ...fields };
  if (!options.noSign) {
    const text = handSignString(fields, signedKeys, merchant.safecode);
    message.sign = handRsaSign(options.signWith ?? merchant.merchantPrivateKeyPem, text);
  }
  options.afterSign?.(message);
  const plaintext = JSON.stringify(message);
  let body = handEncrypt(plaintext, options.encryptWith ?? merchant.safecode, options.zeroPadKey);
  if (options.body) body = options.body(body);
  const headers: Record<string, string> = { 'Content-Type': options.contentType ?? 'text/plain' };
  if (options.hmac !== false) {
    headers['X-Transaction-Signature'] =
      options.hmac ??
      handHmac(merchant.transactionSecret, options.hmacOver === 'plaintext' ? plaintext : body);
  }
  if (options.authorization !== undefined) {
    headers.Authorization = options.authorization;
    if (options.hmac === undefined) delete headers['X-Transaction-Signature'];
  }
  return { body, headers, plaintext };
}

export interface Envelope {
  code: string;
  message: string;
  data?: Record<string, unknown>;
}

export interface HttpAnswer {
  status: number;
  text: string;
  json?: Envelope;
  /** The JSON parsed with number text kept (for amount-format checks). */
  lossless?: Record<string, unknown>;
}

export async function send(
  url: string,
  request: { body: string; headers: Record<string, string> },
  method = 'POST',
): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method,
    headers: request.headers,
    body: method === 'GET' || method === 'HEAD' ? undefined : request.body,
  });
  const text = await response.text();
  let json: Envelope | undefined;
  let lossless: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Envelope;
    lossless = parseLossless(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, lossless };
}

export function v2Url(base: string, guid: string, endpoint: V2Endpoint): string {
  return `${base}/merchant/v2/${guid}/${V2_PATHS[endpoint]}`;
}

/** Checks a gateway signature by hand, with numbers as their exact JSON text. */
export function verifiesWithGatewayKey(
  merchant: HandMerchant,
  message: Record<string, unknown>,
  keys: readonly string[],
): boolean {
  const sign = message.sign;
  if (typeof sign !== 'string') return false;
  return handRsaVerify(
    merchant.gatewayPublicKeyPem,
    handSignString(message, keys, merchant.safecode),
    sign,
  );
}

/** Parses JSON keeping numbers as their text. */
export function parseExact(text: string): Record<string, unknown> {
  return parseLossless(text) as Record<string, unknown>;
}
