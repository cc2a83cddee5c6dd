import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { PtsCipher } from '../src/pts/protocol/pts-cipher.js';
import { ptsMessageSpec } from '../src/pts/protocol/pts-fields.js';
import { PtsSigner } from '../src/pts/protocol/pts-signer.js';

/** Test-only key material, generated per run; nothing here is a real merchant's secret. */
export interface BenchKeys {
  merchantPrivateKey: KeyObject;
  merchantPublicKey: KeyObject;
  gatewayPrivateKey: KeyObject;
  gatewayPublicKey: KeyObject;
  /** 32 bytes: AES-256, as the sandbox hands out. */
  safecode: string;
  transactionSecret: string;
}

let keys: BenchKeys | undefined;

/** RSA 2048 like PTS; generated once per run (key generation is not what we measure). */
export function benchKeys(): BenchKeys {
  if (!keys) {
    const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const gateway = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keys = {
      merchantPrivateKey: merchant.privateKey,
      merchantPublicKey: merchant.publicKey,
      gatewayPrivateKey: gateway.privateKey,
      gatewayPublicKey: gateway.publicKey,
      safecode: 'bench-test-safecode-0123456789ab',
      transactionSecret: 'bench-test-transaction-secret',
    };
  }
  return keys;
}

/** The merchant side: signs requests, verifies what the gateway signs. */
export function merchantSigner(): PtsSigner {
  const k = benchKeys();
  return new PtsSigner({
    privateKey: k.merchantPrivateKey,
    publicKey: k.gatewayPublicKey,
    safecode: k.safecode,
  });
}

/** The gateway side, to produce callbacks for the merchant to verify. */
export function gatewaySigner(): PtsSigner {
  const k = benchKeys();
  return new PtsSigner({ privateKey: k.gatewayPrivateKey, safecode: k.safecode });
}

export function benchCipher(): PtsCipher {
  return new PtsCipher({ safecode: benchKeys().safecode });
}

export const PAYMENT_REQUEST_SPEC = ptsMessageSpec('v2', 'paymentRequest');
export const PAYMENT_CALLBACK_SPEC = ptsMessageSpec('v2', 'paymentCallback');

/** A v2 payment request as our client builds it (amounts are decimal strings, A7). */
export const PAYMENT_REQUEST_FIELDS: Record<string, unknown> = {
  user_id: '100231',
  order_id: 'ORD-20260114-000123',
  amount: '1500.00',
  currency: 'PHP',
  channel: 'QRPH',
  timestamp: 1768384800,
  callback_url: 'https://merchant.example/pts/callback/payment',
  redirect_url: 'https://merchant.example/return',
  remark: 'order 123',
};

/** v2 payment callback fields with the ten-decimal amounts PTS sends. */
const CALLBACK_FIELDS_TEXT =
  '"user_id":"100231","order_id":"ORD-20260114-000123","transaction_id":"P20260114093001123456",' +
  '"channel":"QRPH","submit_currency":"PHP","submit_amount":1500.0000000000,' +
  '"accept_currency":"PHP","accept_amount":1500.0000000000,"exchange_rate":1.0000000000,' +
  '"status":"1000","timestamp":1768384860,"submit_promo":0.0000000000,' +
  '"accept_promo":0.0000000000,"payment_address":"","receiving_address":"",' +
  '"error_message":"","reference_number":"QR0987654321"';

/** The sign string the gateway signs, numbers as transmitted (A4 `raw`). */
export function callbackRawSignString(): string {
  return (
    'accept_amount=1500.0000000000&accept_currency=PHP&channel=QRPH&exchange_rate=1.0000000000' +
    '&order_id=ORD-20260114-000123&status=1000&submit_amount=1500.0000000000&submit_currency=PHP' +
    `&timestamp=1768384860&transaction_id=P20260114093001123456&user_id=100231&${benchKeys().safecode}`
  );
}

/** The same with PHP's float rendering (A4 fallback): what a PHP gateway would sign. */
export function callbackPhpSignString(): string {
  return (
    'accept_amount=1500&accept_currency=PHP&channel=QRPH&exchange_rate=1' +
    '&order_id=ORD-20260114-000123&status=1000&submit_amount=1500&submit_currency=PHP' +
    `&timestamp=1768384860&transaction_id=P20260114093001123456&user_id=100231&${benchKeys().safecode}`
  );
}

/** A callback body as it arrives over HTTP, signed over `signString` by the gateway key. */
export function callbackBody(signString: string): string {
  return `{${CALLBACK_FIELDS_TEXT},"sign":"${gatewaySigner().signRaw(signString)}"}`;
}
