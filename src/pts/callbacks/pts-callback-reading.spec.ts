import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { callbackFields, signedCallbackBody } from '../../../test/support/pts-test-callbacks.js';
import { PtsAccount } from '../options/pts-accounts.js';
import { PtsCipher } from '../protocol/pts-cipher.js';
import { PtsSigner } from '../protocol/pts-signer.js';
import { PtsCallbackRejection } from './pts-callback-errors.js';
import { readPtsCallback, type PtsCallbackReading } from './pts-callback-reading.js';
import type { PtsRawBody } from './pts-raw-body.js';

const gateway = generateKeyPairSync('rsa', { modulusLength: 2048 });
const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const safecode = 'abcdefghijklmnop';
const keys = {
  gatewayPrivateKeyPem: gateway.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  safecode,
};

function account(apiVersion: 'v1' | 'v2', userId: string): PtsAccount {
  return new PtsAccount({
    name: `main-${apiVersion}`,
    apiVersion,
    baseUrl: 'http://pts.invalid',
    userId,
    signer: new PtsSigner({
      privateKey: merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKey: gateway.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      safecode,
    }),
    cipher: new PtsCipher({ safecode }),
    safecode,
  });
}

const accounts = new Map([
  ['1001', account('v2', '1001')],
  ['1002', account('v1', '1002')],
]);
const accountOf = (userId: string) => accounts.get(userId);
const order = { orderId: 'ORD-1', amount: '100.10', transactionId: 'P-1' };

function raw(text: string | Buffer, truncated = false): PtsRawBody {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  return { bytes, totalBytes: bytes.length + (truncated ? 1 : 0), truncated };
}

function rejection(result: PtsCallbackReading | PtsCallbackRejection): PtsCallbackRejection {
  expect(result).toBeInstanceOf(PtsCallbackRejection);
  return result as PtsCallbackRejection;
}

describe('readPtsCallback (no database)', () => {
  it('reads a signed payment callback: its account, message and the rendering that verified', () => {
    const body = signedCallbackBody(keys, callbackFields('1001', order, '2000'));
    const result = readPtsCallback('paymentCallback', raw(body), accountOf);
    expect(result).not.toBeInstanceOf(PtsCallbackRejection);
    const reading = result as PtsCallbackReading;
    expect(reading.account.name).toBe('main-v2');
    expect(reading.message.order_id).toBe('ORD-1');
    expect(reading.verification.rendering).toBe('raw');
  });

  it('rejects a callback whose amount was changed after signing, 401 with what it claimed', () => {
    const body = signedCallbackBody(keys, callbackFields('1001', order, '2000'), {
      tamper: { submit_amount: '1.00' },
    });
    const refused = rejection(readPtsCallback('paymentCallback', raw(body), accountOf));
    expect(refused.httpStatus).toBe(401);
    expect(refused.code).toBe('callback_rejected');
    expect(refused.context).toEqual({ account: 'main-v2', orderId: 'ORD-1', ptsStatus: '2000' });
  });

  it('refuses bodies it cannot read before looking for an account', () => {
    expect(
      rejection(readPtsCallback('paymentCallback', raw('{}', true), accountOf)).httpStatus,
    ).toBe(413);
    expect(
      rejection(readPtsCallback('paymentCallback', raw(Buffer.from([0xff, 0xfe])), accountOf))
        .reason,
    ).toBe('body is not UTF-8 text');
    expect(rejection(readPtsCallback('paymentCallback', raw('  '), accountOf)).reason).toBe(
      'body is empty',
    );
    expect(rejection(readPtsCallback('paymentCallback', raw('{"a":'), accountOf)).httpStatus).toBe(
      400,
    );
  });

  it('names a user_id that is missing or no configured account', () => {
    const fields = callbackFields('9999', order, '2000');
    const unknown = rejection(
      readPtsCallback('paymentCallback', raw(signedCallbackBody(keys, fields)), accountOf),
    );
    expect(unknown.reason).toBe('user_id 9999 is not a configured account');
    expect(unknown.context).toEqual({ orderId: 'ORD-1' });
    const without = { ...fields, user_id: undefined };
    expect(
      rejection(readPtsCallback('paymentCallback', raw(JSON.stringify(without)), accountOf)).reason,
    ).toBe('user_id is missing');
  });

  it('refuses a subscribe callback for a v1 account (B4.11 is v2 only)', () => {
    const body = signedCallbackBody(keys, callbackFields('1002', order, '2000'));
    expect(rejection(readPtsCallback('subscribeCallback', raw(body), accountOf)).reason).toBe(
      'API v1 has no subscribeCallback',
    );
  });

  it('refuses verified values that cannot be stored, keeping that the signature verified', () => {
    const fields = callbackFields('1001', order, '2000', { transaction_id: 'P'.repeat(80) });
    const refused = rejection(
      readPtsCallback('paymentCallback', raw(signedCallbackBody(keys, fields)), accountOf),
    );
    expect(refused.httpStatus).toBe(400);
    expect(refused.reason).toContain('transaction_id is longer than 64 characters');
    expect(refused.context.verified?.rendering).toBe('raw');
  });

  it('refuses a verified status that is no PTS transaction status', () => {
    const body = signedCallbackBody(keys, callbackFields('1001', order, '2500'));
    const refused = rejection(readPtsCallback('paymentCallback', raw(body), accountOf));
    expect(refused.reason).toBe('status 2500 is not a PTS transaction status');
    expect(refused.context.verified).toBeDefined();
  });
});
