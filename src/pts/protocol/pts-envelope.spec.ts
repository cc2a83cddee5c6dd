import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  PtsDecryptionError,
  PtsMalformedMessageError,
  PtsProtocolError,
  PtsSignatureError,
} from '../errors/pts-error.js';
import { PtsCipher } from './pts-cipher.js';
import {
  openPtsRequest,
  parsePtsResponse,
  PTS_TRANSACTION_SIGNATURE_HEADER,
  ptsResponseBody,
  sealPtsRequest,
  unwrapPtsCallback,
} from './pts-envelope.js';
import { ptsMessageSpec, type PtsMessageSpec } from './pts-fields.js';
import { LosslessNumber, parsePtsJsonObject } from './pts-json.js';
import { PtsSigner } from './pts-signer.js';
import { verifyPtsTransactionSignature } from './pts-transaction-signature.js';
import { thrown } from '../../../test/support/thrown.js';

// docs/protocol.md B2.5(b)
const SAFECODE = '0123456789abcdef0123456789abcdef';
const SECRET = 'test_transaction_secret';
const BODY =
  '{"user_id":"1","order_id":"ORD20240101000001","amount":"100.00","currency":"PHP","channel":"QRPH","timestamp":1704067200,"sign":"SIG"}';
const AES_256_BODY =
  'bd/cW09ZzkCrbAevn7SdnCZQPF2H2YtJaztQ0Vk4SEVNnM9HLxa1b/JU+9kakw6qR304JyhXdPQkYJhDbIbk4sSs7/aF9SOjfh5BvRjTu7/d8MvTXQzHrbkGrjwGpuucAxWuIkpWFoGyu9Wx6URYKO1/F/W90LLHJXfZDhaX0MQ6gv70SQGelNjCj3MeW440';
const HMAC_OVER_BODY = 'vH6qQ1xbhvzsIY5bPx3Yz9nESeCUuJasz4rHa8Td6LU=';
const HMAC_OVER_PLAINTEXT = 'k+meuqLlT9cKbmjpVLCqUgGJUzxpsTO7oXslmsXad30=';

const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signer = new PtsSigner({
  privateKey: merchant.privateKey,
  publicKey: merchant.publicKey,
  safecode: SAFECODE,
});
const cipher = new PtsCipher({ safecode: SAFECODE });
const payment = ptsMessageSpec('v2', 'paymentRequest');
const fields = {
  user_id: '1',
  order_id: 'ORD20240101000001',
  amount: '100.00',
  currency: 'PHP',
  channel: 'QRPH',
  timestamp: 1704067200,
};

/**
 * The reference vectors carry the placeholder `"sign":"SIG"`, not an RSA signature. The same
 * table with `hasSign` off makes sealPtsRequest send the fields as given, so the vectors can
 * be checked through it without a stand-in signer.
 */
const presigned: PtsMessageSpec = { ...payment, hasSign: false };

describe('sealPtsRequest (A2)', () => {
  it('gives the reference body and HMAC over the body (transactionSignatureOver body)', () => {
    const sealed = sealPtsRequest(
      { ...fields, sign: 'SIG' },
      {
        spec: presigned,
        signer,
        cipher,
        transactionSecret: SECRET,
        transactionSignatureOver: 'body',
      },
    );
    expect(sealed.plaintext).toBe(BODY);
    expect(sealed.body).toBe(AES_256_BODY);
    expect(sealed.headers).toEqual({
      'Content-Type': 'text/plain',
      [PTS_TRANSACTION_SIGNATURE_HEADER]: HMAC_OVER_BODY,
    });
  });

  it('defaults to the HMAC over the body', () => {
    const sealed = sealPtsRequest(
      { ...fields, sign: 'SIG' },
      { spec: presigned, signer, cipher, transactionSecret: SECRET },
    );
    expect(sealed.headers['X-Transaction-Signature']).toBe(HMAC_OVER_BODY);
  });

  it('gives the reference HMAC over the plaintext (transactionSignatureOver plaintext)', () => {
    const sealed = sealPtsRequest(
      { ...fields, sign: 'SIG' },
      {
        spec: presigned,
        signer,
        cipher,
        transactionSecret: SECRET,
        transactionSignatureOver: 'plaintext',
      },
    );
    expect(sealed.body).toBe(AES_256_BODY);
    expect(sealed.headers['X-Transaction-Signature']).toBe(HMAC_OVER_PLAINTEXT);
  });

  it('signs, serialises and encrypts a message the gateway can open and verify', () => {
    const sealed = sealPtsRequest(
      { ...fields, callback_url: 'https://merchant.example/cb', remark: 'é 中文' },
      { spec: payment, signer, cipher, transactionSecret: SECRET },
    );
    const opened = openPtsRequest(sealed.body, cipher);
    expect(opened.plaintext).toBe(sealed.plaintext);
    expect(opened.message).toMatchObject({
      ...fields,
      timestamp: new LosslessNumber('1704067200'),
      remark: 'é 中文',
    });
    expect(signer.verify(payment, opened.message).rendering).toBe('raw');
    expect(
      verifyPtsTransactionSignature(SECRET, sealed.body, sealed.headers['X-Transaction-Signature']),
    ).toBe(true);
  });

  it('gives a message whose sign fails once its amount is altered and re-encrypted', () => {
    const sealed = sealPtsRequest(fields, { spec: payment, signer, cipher });
    const forged = cipher.encrypt(sealed.plaintext.replace('"100.00"', '"1.00"'));
    const error = thrown(() => signer.verify(payment, openPtsRequest(forged, cipher).message));
    expect(error).toBeInstanceOf(PtsSignatureError);
    expect(error).toMatchObject({ code: 'signature_mismatch' });
  });

  it('gives a header that no longer matches once the body is altered', () => {
    const sealed = sealPtsRequest(fields, {
      spec: payment,
      signer,
      cipher,
      transactionSecret: SECRET,
    });
    const other = sealPtsRequest(
      { ...fields, amount: '100.01' },
      { spec: payment, signer, cipher, transactionSecret: SECRET },
    );
    expect(
      verifyPtsTransactionSignature(SECRET, other.body, sealed.headers['X-Transaction-Signature']),
    ).toBe(false);
  });

  it('sends a v1 request with Authorization and without the v2 header', () => {
    const v1 = ptsMessageSpec('v1', 'balanceRequest');
    const sealed = sealPtsRequest(
      { user_id: '1' },
      { spec: v1, signer, cipher, authorization: 'Bearer abc' },
    );
    expect(sealed.headers).toEqual({ 'Content-Type': 'text/plain', Authorization: 'Bearer abc' });
    expect(signer.verify(v1, openPtsRequest(sealed.body, cipher).message).rendering).toBe('raw');
  });
});

describe('openPtsRequest', () => {
  it('opens the reference body', () => {
    const opened = openPtsRequest(AES_256_BODY, cipher);
    expect(opened.plaintext).toBe(BODY);
    expect(opened.message.sign).toBe('SIG');
  });

  it('refuses a body that does not decrypt with a PtsDecryptionError', () => {
    const error = thrown(() =>
      openPtsRequest(AES_256_BODY, new PtsCipher({ safecode: 'x'.repeat(32) })),
    );
    expect(error).toBeInstanceOf(PtsDecryptionError);
    expect(error).toMatchObject({ code: 'bad_padding' });
  });

  it('refuses an encrypted body that is not JSON with invalid_json', () => {
    const error = thrown(() => openPtsRequest(cipher.encrypt('user_id=1&amount=2'), cipher));
    expect(error).toBeInstanceOf(PtsMalformedMessageError);
    expect(error).toMatchObject({ code: 'invalid_json' });
  });

  it('refuses an encrypted JSON array with not_an_object', () => {
    const error = thrown(() => openPtsRequest(cipher.encrypt('[1,2]'), cipher));
    expect(error).toBeInstanceOf(PtsMalformedMessageError);
    expect(error).toMatchObject({ code: 'not_an_object' });
  });
});

describe('parsePtsResponse (A5)', () => {
  it('reads a plain JSON envelope, numbers as text', () => {
    const text =
      '{"code":"1000","message":"Order Success","data":{"submit_amount":40000.0000000000}}';
    const response = parsePtsResponse(text, cipher);
    expect(response).toEqual({
      kind: 'envelope',
      code: '1000',
      message: 'Order Success',
      data: { submit_amount: new LosslessNumber('40000.0000000000') },
      wasEncrypted: false,
    });
  });

  it('reads an envelope built by ptsResponseBody, and a code sent as a number', () => {
    expect(parsePtsResponse(ptsResponseBody('1003', 'Duplicate order id'), undefined)).toEqual({
      kind: 'envelope',
      code: '1003',
      message: 'Duplicate order id',
      data: undefined,
      wasEncrypted: false,
    });
    expect(parsePtsResponse('{"code":1010,"message":"x"}', undefined)).toMatchObject({
      code: '1010',
    });
  });

  it('decrypts an encrypted envelope and says so', () => {
    const body = cipher.encrypt(ptsResponseBody('1000', 'Accepted', { user_id: '1' }));
    expect(parsePtsResponse(body, cipher)).toEqual({
      kind: 'envelope',
      code: '1000',
      message: 'Accepted',
      data: { user_id: '1' },
      wasEncrypted: true,
    });
  });

  it('refuses an encrypted envelope it cannot decrypt with PtsProtocolError', () => {
    const body = new PtsCipher({ safecode: 'y'.repeat(32) }).encrypt(ptsResponseBody('1000', 'x'));
    const error = thrown(() => parsePtsResponse(body, cipher, { status: 200 }));
    expect(error).toBeInstanceOf(PtsProtocolError);
    expect(error).toMatchObject({ code: 'not_an_envelope', httpStatus: 200 });
  });

  it('refuses an encrypted envelope when it has no cipher', () => {
    const body = cipher.encrypt(ptsResponseBody('1000', 'x'));
    expect(thrown(() => parsePtsResponse(body, undefined))).toBeInstanceOf(PtsProtocolError);
  });

  it.each([
    ['garbage', 'Bad Gateway'],
    ['an empty body', ''],
    ['truncated JSON', '{"code":"1000","mess'],
    ['JSON without a code', '{"message":"ok"}'],
    ['a code that is not four digits', '{"code":"OK","message":"ok"}'],
    ['a JSON array', '[{"code":"1000"}]'],
  ])('refuses %s with PtsProtocolError', (_what, text) => {
    const error = thrown(() => parsePtsResponse(text, cipher, { status: 502 }));
    expect(error).toBeInstanceOf(PtsProtocolError);
    expect(error).toMatchObject({ code: 'not_an_envelope', httpStatus: 502 });
    expect((error as Error).message).toContain('HTTP 502');
  });

  it('shows the first bytes of a bad body with any sign or token cut out', () => {
    const text = '{"code":"1000","data":{"sign":"SECRETSIGNATUREVALUE","access_token":"TOKENVALUE"';
    const error = thrown(() => parsePtsResponse(text, cipher));
    expect(error).toBeInstanceOf(PtsProtocolError);
    expect((error as Error).message).toContain('"code\\":\\"1000');
    expect((error as Error).message).not.toContain('SECRETSIGNATUREVALUE');
    expect((error as Error).message).not.toContain('TOKENV');
  });

  it('cuts a long bad body to its first 80 characters', () => {
    const text = `Z${'x'.repeat(200)}END`;
    const message = (thrown(() => parsePtsResponse(text, undefined)) as Error).message;
    expect(message).not.toContain('END');
    expect(message).toContain('…');
  });

  it('hands an HTML response back verbatim as kind html', () => {
    const html =
      '<html><body><form action="https://pay.example" method="post"></form><script>document.forms[0].submit()</script></body></html>';
    expect(parsePtsResponse(`\n${html}`, cipher)).toEqual({ kind: 'html', html: `\n${html}` });
  });

  it('hands a JavaScript redirect back verbatim as kind html', () => {
    const script = 'window.location.href="https://pay.example/checkout/1";';
    expect(parsePtsResponse(script, cipher)).toEqual({ kind: 'html', html: script });
  });

  it.each([
    [
      502,
      'text/html',
      '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>',
    ],
    [
      403,
      'text/html; charset=UTF-8',
      '<!DOCTYPE html><html><body>Request blocked by WAF</body></html>',
    ],
    [503, 'application/javascript', 'top.location.replace("/maintenance");'],
    [404, undefined, '<html>Not Found</html>'],
  ])(
    'refuses a %i page (%s) as no acceptance: PtsProtocolError with the status',
    (status, contentType, body) => {
      const error = thrown(() => parsePtsResponse(body, cipher, { status, contentType }));
      expect(error).toBeInstanceOf(PtsProtocolError);
      expect(error).toMatchObject({ code: 'not_an_envelope', httpStatus: status });
      expect((error as Error).message).toContain(`HTTP ${status}`);
    },
  );

  it('still reads an envelope whatever the HTTP status', () => {
    expect(
      parsePtsResponse(ptsResponseBody('1003', 'Duplicate'), cipher, { status: 400 }),
    ).toMatchObject({ kind: 'envelope', code: '1003' });
  });

  it('takes a 2xx script by its Content-Type even when it names no window or location', () => {
    const script =
      'var f = document.createElement("form"); f.action = "https://pay.example/c/1"; f.submit();';
    expect(
      parsePtsResponse(script, cipher, { status: 200, contentType: 'text/javascript' }),
    ).toEqual({ kind: 'html', html: script });
  });

  it('takes a 2xx script that does not start with window., location. or document.', () => {
    const script = 'var target = "https://pay.example/c/1";\ntop.location.href = target;';
    expect(parsePtsResponse(script, cipher, { status: 200, contentType: 'text/plain' })).toEqual({
      kind: 'html',
      html: script,
    });
  });

  it.each(['OK', 'The location of this resource is unknown.', '{"error":"upstream timeout"}'])(
    'refuses the 2xx text/plain body %j: neither an envelope nor a page',
    (text) => {
      const error = thrown(() =>
        parsePtsResponse(text, cipher, { status: 200, contentType: 'text/plain' }),
      );
      expect(error).toMatchObject({ code: 'not_an_envelope', httpStatus: 200 });
    },
  );

  it.each([
    'location = "https://pay.example/c/1";',
    'self.location.assign("https://pay.example/c/1")',
    'window.open("https://pay.example/c/1", "_self");',
    'document.write("<form action=x></form>"); document.forms[0].submit();',
  ])('takes the 2xx script %j without a Content-Type as the redirect style', (script) => {
    expect(parsePtsResponse(script, cipher, { status: 200 })).toEqual({
      kind: 'html',
      html: script,
    });
  });

  it.each([301, 302, 303, 307, 308])('hands a %i with Location back as kind redirect', (status) => {
    expect(
      parsePtsResponse('', cipher, { status, location: 'https://pay.example/checkout/9' }),
    ).toEqual({ kind: 'redirect', location: 'https://pay.example/checkout/9' });
  });

  it('refuses a 3xx without Location', () => {
    const error = thrown(() => parsePtsResponse('<html>Moved</html>', cipher, { status: 302 }));
    expect(error).toMatchObject({ code: 'not_an_envelope', httpStatus: 302 });
  });
});

describe('unwrapPtsCallback (A6)', () => {
  const flat = '{"user_id":"1","order_id":"A","status":"2000","sign":"S"}';

  it('reads a {code, message, data} callback as its data', () => {
    const wrapped = parsePtsJsonObject(`{"code":"1000","message":"Success","data":${flat}}`);
    expect(unwrapPtsCallback(wrapped)).toEqual({
      message: parsePtsJsonObject(flat),
      wrapped: true,
    });
  });

  it('keeps a flat callback as it is, even one with a code or data field of its own', () => {
    const own = parsePtsJsonObject(
      '{"user_id":"1","order_id":"A","code":"x","data":{"user_id":"2"},"sign":"S"}',
    );
    expect(unwrapPtsCallback(own)).toEqual({ message: own, wrapped: false });
    expect(unwrapPtsCallback(parsePtsJsonObject(flat)).wrapped).toBe(false);
  });

  it('does not unwrap a body whose data is not an object', () => {
    const body = parsePtsJsonObject('{"code":"1000","message":"x","data":"text"}');
    expect(unwrapPtsCallback(body)).toEqual({ message: body, wrapped: false });
  });
});
