import { describe, expect, it } from 'vitest';
import {
  ptsTokenHash,
  ptsTransactionSignature,
  verifyPtsTransactionSignature,
} from './pts-transaction-signature.js';

// docs/protocol.md B2.5(b)
const SAFECODE = '0123456789abcdef0123456789abcdef';
const SECRET = 'test_transaction_secret';
const BODY =
  '{"user_id":"1","order_id":"ORD20240101000001","amount":"100.00","currency":"PHP","channel":"QRPH","timestamp":1704067200,"sign":"SIG"}';
const AES_256_BODY =
  'bd/cW09ZzkCrbAevn7SdnCZQPF2H2YtJaztQ0Vk4SEVNnM9HLxa1b/JU+9kakw6qR304JyhXdPQkYJhDbIbk4sSs7/aF9SOjfh5BvRjTu7/d8MvTXQzHrbkGrjwGpuucAxWuIkpWFoGyu9Wx6URYKO1/F/W90LLHJXfZDhaX0MQ6gv70SQGelNjCj3MeW440';
const HMAC_OVER_BODY = 'vH6qQ1xbhvzsIY5bPx3Yz9nESeCUuJasz4rHa8Td6LU=';
const HMAC_OVER_PLAINTEXT = 'k+meuqLlT9cKbmjpVLCqUgGJUzxpsTO7oXslmsXad30=';

describe('ptsTransactionSignature (X-Transaction-Signature, A2.5)', () => {
  it('gives the reference HMAC over the base64 body', () => {
    expect(ptsTransactionSignature(SECRET, AES_256_BODY)).toBe(HMAC_OVER_BODY);
  });

  it('gives the reference HMAC over the plaintext JSON', () => {
    expect(ptsTransactionSignature(SECRET, BODY)).toBe(HMAC_OVER_PLAINTEXT);
  });

  it('is 44 characters of standard base64 (a raw 32-byte MAC)', () => {
    expect(HMAC_OVER_BODY).toHaveLength(44);
    expect(Buffer.from(ptsTransactionSignature(SECRET, ''), 'base64')).toHaveLength(32);
  });

  it('changes when the secret or one byte of the message changes', () => {
    expect(ptsTransactionSignature('test_transaction_secreT', AES_256_BODY)).not.toBe(
      HMAC_OVER_BODY,
    );
    expect(ptsTransactionSignature(SECRET, `${AES_256_BODY.slice(0, -2)}1=`)).not.toBe(
      HMAC_OVER_BODY,
    );
  });
});

describe('verifyPtsTransactionSignature', () => {
  it('accepts the reference header for its body', () => {
    expect(verifyPtsTransactionSignature(SECRET, AES_256_BODY, HMAC_OVER_BODY)).toBe(true);
    expect(verifyPtsTransactionSignature(SECRET, BODY, HMAC_OVER_PLAINTEXT)).toBe(true);
  });

  it('accepts a header with surrounding whitespace', () => {
    expect(verifyPtsTransactionSignature(SECRET, AES_256_BODY, ` ${HMAC_OVER_BODY}\t`)).toBe(true);
  });

  it('refuses the header of the other mode', () => {
    expect(verifyPtsTransactionSignature(SECRET, AES_256_BODY, HMAC_OVER_PLAINTEXT)).toBe(false);
  });

  it('refuses a tampered body, a wrong secret, a missing or truncated header', () => {
    const tampered = AES_256_BODY.replace('bd/c', 'bd/d');
    expect(verifyPtsTransactionSignature(SECRET, tampered, HMAC_OVER_BODY)).toBe(false);
    expect(verifyPtsTransactionSignature('other', AES_256_BODY, HMAC_OVER_BODY)).toBe(false);
    expect(verifyPtsTransactionSignature(SECRET, AES_256_BODY, undefined)).toBe(false);
    expect(verifyPtsTransactionSignature(SECRET, AES_256_BODY, '')).toBe(false);
    expect(verifyPtsTransactionSignature(SECRET, AES_256_BODY, HMAC_OVER_BODY.slice(0, 43))).toBe(
      false,
    );
  });
});

describe('ptsTokenHash (v1 access token, B 3)', () => {
  it('gives the reference hash of random code + user id + safecode', () => {
    expect(ptsTokenHash('VL4hrMLmM3THd2iQDNOoa45cGZhx2zH7', '1', SAFECODE)).toBe(
      '103a120a96e6fac45061f5bfc66fba84b5158d96ccd2376eb1255261a989b3cf',
    );
  });

  it('changes with each of its three inputs', () => {
    const reference = '103a120a96e6fac45061f5bfc66fba84b5158d96ccd2376eb1255261a989b3cf';
    expect(ptsTokenHash('VL4hrMLmM3THd2iQDNOoa45cGZhx2zH8', '1', SAFECODE)).not.toBe(reference);
    expect(ptsTokenHash('VL4hrMLmM3THd2iQDNOoa45cGZhx2zH7', '2', SAFECODE)).not.toBe(reference);
    expect(ptsTokenHash('VL4hrMLmM3THd2iQDNOoa45cGZhx2zH7', '1', SAFECODE.slice(0, 16))).not.toBe(
      reference,
    );
  });
});
