import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtsConfigurationError, PtsKeyError, PtsSignatureError } from '../errors/pts-error.js';
import { ptsMessageSpec } from './pts-fields.js';
import { LosslessNumber, parsePtsJsonObject, stringifyPtsJson } from './pts-json.js';
import { PtsSigner } from './pts-signer.js';
import { thrown } from '../../../test/support/thrown.js';

// Test keys, generated once per file: "merchant" signs requests, "gateway" signs callbacks.
const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const gateway = generateKeyPairSync('rsa', { modulusLength: 2048 });
const SAFECODE = '0123456789abcdef0123456789abcdef';

/** What the merchant holds: its private key, the gateway's public key. */
const merchantSide = new PtsSigner({
  privateKey: merchant.privateKey,
  publicKey: gateway.publicKey,
  safecode: SAFECODE,
});
/** What the gateway (our sandbox) holds: its private key, the merchant's public key. */
const gatewaySide = new PtsSigner({
  privateKey: gateway.privateKey,
  publicKey: merchant.publicKey,
  safecode: SAFECODE,
});

const PAYMENT_SIGN_STRING =
  'amount=100.00&channel=QRPH&currency=PHP&order_id=ORD20240101000001&timestamp=1704067200&user_id=1&0123456789abcdef0123456789abcdef';

function expectSignatureError(fn: () => unknown, code: string): PtsSignatureError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(PtsSignatureError);
  expect(error).toMatchObject({ code });
  return error as PtsSignatureError;
}

describe('PtsSigner against the openssl command line', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pts-signer-openssl-'));
    writeFileSync(
      join(dir, 'key.pem'),
      gateway.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      { mode: 0o600 },
    );
    writeFileSync(join(dir, 'pub.pem'), merchant.publicKey.export({ type: 'spki', format: 'pem' }));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function openssl(args: string[]) {
    return spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  }

  it('verifies a signature made by `openssl dgst -sha256 -sign`', () => {
    const signString = `${PAYMENT_SIGN_STRING} 中文 🎉`;
    writeFileSync(join(dir, 'msg.txt'), signString, 'utf8');
    const result = openssl(['dgst', '-sha256', '-sign', 'key.pem', '-out', 'sig.bin', 'msg.txt']);
    expect(result.status, result.stderr).toBe(0);
    const signature = readFileSync(join(dir, 'sig.bin')).toString('base64');

    expect(merchantSide.verifyRaw(signString, signature)).toBe(true);
    // PKCS#1 v1.5 is deterministic: our signature over the same bytes is the same.
    expect(signature).toBe(gatewaySide.signRaw(signString));
    // Tamper cases: one character of the string, or one byte of the signature.
    expect(merchantSide.verifyRaw(signString.replace('100.00', '100.01'), signature)).toBe(false);
    const damaged = Buffer.from(signature, 'base64');
    damaged[10] ^= 0x01;
    expect(merchantSide.verifyRaw(signString, damaged.toString('base64'))).toBe(false);
  });

  it('makes signatures that `openssl dgst -sha256 -verify` accepts', () => {
    writeFileSync(join(dir, 'msg.txt'), PAYMENT_SIGN_STRING, 'utf8');
    writeFileSync(
      join(dir, 'sig.bin'),
      Buffer.from(merchantSide.signRaw(PAYMENT_SIGN_STRING), 'base64'),
    );
    const ok = openssl([
      'dgst',
      '-sha256',
      '-verify',
      'pub.pem',
      '-signature',
      'sig.bin',
      'msg.txt',
    ]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Verified OK');

    writeFileSync(join(dir, 'msg.txt'), PAYMENT_SIGN_STRING.replace('QRPH', 'QRPh'), 'utf8');
    const tampered = openssl([
      'dgst',
      '-sha256',
      '-verify',
      'pub.pem',
      '-signature',
      'sig.bin',
      'msg.txt',
    ]);
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toContain('Verification failure');
  });
});

describe('PtsSigner sign and verify', () => {
  const spec = ptsMessageSpec('v2', 'paymentRequest');
  const payment = {
    user_id: '1',
    order_id: 'ORD20240101000001',
    amount: '100.00',
    currency: 'PHP',
    channel: 'QRPH',
    timestamp: 1704067200,
  };

  it('signs the A3 sign string of a message', () => {
    expect(merchantSide.signString(spec, payment)).toBe(PAYMENT_SIGN_STRING);
    expect(merchantSide.sign(spec, payment)).toBe(merchantSide.signRaw(PAYMENT_SIGN_STRING));
  });

  it('adds `sign` with signMessage and keeps every other field', () => {
    const signed = merchantSide.signMessage(spec, { ...payment, remark: 'r' });
    expect(signed).toMatchObject({ ...payment, remark: 'r' });
    expect(gatewaySide.verify(spec, signed)).toEqual({
      rendering: 'raw',
      signString: PAYMENT_SIGN_STRING,
    });
  });

  it('does not verify with a key that did not sign', () => {
    const signed = merchantSide.signMessage(spec, payment);
    // merchantSide verifies with the gateway key, which did not sign this.
    expectSignatureError(() => merchantSide.verify(spec, signed), 'signature_mismatch');
  });

  it('does not verify under another safecode', () => {
    const signed = merchantSide.signMessage(spec, payment);
    const otherSafecode = new PtsSigner({
      publicKey: merchant.publicKey,
      safecode: 'x'.repeat(32),
    });
    expectSignatureError(() => otherSafecode.verify(spec, signed), 'signature_mismatch');
  });

  it('refuses a message without `sign` with missing_sign', () => {
    for (const sign of [undefined, '', null, 12]) {
      const error = expectSignatureError(
        () => gatewaySide.verify(spec, { ...payment, sign }),
        'missing_sign',
      );
      expect(error.field).toBe('sign');
    }
  });

  it('refuses a `sign` that is not base64 with signature_mismatch', () => {
    for (const sign of ['not base64!', 'abc', '====']) {
      expectSignatureError(
        () => gatewaySide.verify(spec, { ...payment, sign }),
        'signature_mismatch',
      );
    }
  });

  it('never puts the signature or safecode into the mismatch message', () => {
    const signed = merchantSide.signMessage(spec, { ...payment, amount: '1' });
    const error = expectSignatureError(
      () => gatewaySide.verify(spec, { ...signed, amount: '2' }),
      'signature_mismatch',
    );
    expect(error.message).not.toContain(signed.sign.slice(0, 16));
    expect(error.message).not.toContain(SAFECODE);
  });

  it('refuses to sign without a private key and to verify without a public key', () => {
    const verifyOnly = new PtsSigner({ publicKey: gateway.publicKey, safecode: SAFECODE });
    const signOnly = new PtsSigner({ privateKey: merchant.privateKey, safecode: SAFECODE });
    expect(thrown(() => verifyOnly.sign(spec, payment))).toBeInstanceOf(PtsConfigurationError);
    expect(thrown(() => verifyOnly.sign(spec, payment))).toMatchObject({ code: 'no_private_key' });
    expect(thrown(() => signOnly.verifyRaw('x', 'AAAA'))).toMatchObject({ code: 'no_public_key' });
  });

  it('parses its keys at construction and names the option of a bad one', () => {
    const error = thrown(
      () =>
        new PtsSigner({
          privateKey: merchant.publicKey,
          safecode: SAFECODE,
          optionNames: { privateKey: 'accounts[0].merchantPrivateKey' },
        }),
    );
    expect(error).toBeInstanceOf(PtsKeyError);
    expect(error).toMatchObject({
      code: 'key_wrong_type',
      option: 'accounts[0].merchantPrivateKey',
    });
    expect(thrown(() => new PtsSigner({ publicKey: 'garbage', safecode: SAFECODE }))).toMatchObject(
      { code: 'key_unparseable' },
    );
  });

  it('signs with nullRendering null as `key=null` for an absent optional signed field', () => {
    const v1 = ptsMessageSpec('v1', 'paymentRequest');
    const nullSigner = new PtsSigner({
      privateKey: merchant.privateKey,
      publicKey: merchant.publicKey,
      safecode: 'S',
      nullRendering: 'null',
    });
    const fields = {
      user_id: '1',
      order_id: 'O1',
      amount: '10',
      currency: 'CNY',
      channel: 'alipay',
      callback_url: 'c',
      redirect_url: 'r',
      timestamp: 1,
    };
    expect(nullSigner.signString(v1, fields)).toContain('&bank_code=null&');
    const signed = nullSigner.signMessage(v1, fields);
    expect(nullSigner.verify(v1, signed).rendering).toBe('raw');
    // The default signer renders `bank_code=` and so does not accept it.
    const emptySigner = new PtsSigner({ publicKey: merchant.publicKey, safecode: 'S' });
    expectSignatureError(() => emptySigner.verify(v1, signed), 'signature_mismatch');
  });
});

describe('PtsSigner A4 number renderings on received messages', () => {
  const spec = ptsMessageSpec('v2', 'withdrawQueryResponse');
  const rawSignString = `accept_amount=40000.0000000000&accept_currency=PHP&channel=QRPH_INSTAPAY&exchange_rate=1.0000000000&order_id=20210521181858&status=1000&submit_amount=40000.0000000000&submit_currency=PHP&timestamp=1621592342&transaction_id=W12021052118190115910&user_id=1&${SAFECODE}`;
  const phpSignString = `accept_amount=40000&accept_currency=PHP&channel=QRPH_INSTAPAY&exchange_rate=1&order_id=20210521181858&status=1000&submit_amount=40000&submit_currency=PHP&timestamp=1621592342&transaction_id=W12021052118190115910&user_id=1&${SAFECODE}`;

  /** The message as PTS transmits it: ten-decimal JSON numbers. */
  function received(sign: string) {
    return parsePtsJsonObject(
      `{"user_id":"1","order_id":"20210521181858","transaction_id":"W12021052118190115910","channel":"QRPH_INSTAPAY","submit_currency":"PHP","submit_amount":40000.0000000000,"accept_currency":"PHP","accept_amount":40000.0000000000,"exchange_rate":1.0000000000,"status":"1000","timestamp":1621592342,"details_url":"https://pts.example/d","sign":"${sign}"}`,
    );
  }

  it('verifies a message signed over the raw text with rendering raw', () => {
    const message = received(gatewaySide.signRaw(rawSignString));
    expect(merchantSide.verify(spec, message)).toEqual({
      rendering: 'raw',
      signString: rawSignString,
    });
  });

  it('verifies a message signed over PHP float rendering (40000) with rendering php-float', () => {
    const message = received(gatewaySide.signRaw(phpSignString));
    expect(merchantSide.verify(spec, message)).toEqual({
      rendering: 'php-float',
      signString: phpSignString,
    });
  });

  it('refuses a message signed over a third rendering', () => {
    const other = phpSignString.replace('accept_amount=40000&', 'accept_amount=40000.00&');
    const message = received(gatewaySide.signRaw(other));
    expectSignatureError(() => merchantSide.verify(spec, message), 'signature_mismatch');
  });

  it('refuses a PHP-rendered signature once an amount was changed', () => {
    const message = parsePtsJsonObject(
      stringifyPtsJson(received(gatewaySide.signRaw(phpSignString))).replace(
        '"submit_amount":40000.0000000000',
        '"submit_amount":40001.0000000000',
      ),
    );
    expectSignatureError(() => merchantSide.verify(spec, message), 'signature_mismatch');
  });

  it('keeps verifying when an unsigned field changes', () => {
    const message = received(gatewaySide.signRaw(rawSignString));
    expect(
      merchantSide.verify(spec, { ...message, details_url: 'https://evil.example', hash: 'h' })
        .rendering,
    ).toBe('raw');
  });
});

describe('PtsSigner A4 fallback only where PHP renders the same decimal', () => {
  const spec = ptsMessageSpec('v2', 'paymentCallback');
  // A PHP gateway that computed 100 * 1.0 as a float sends 100.00000000000001 (json_encode,
  // serialize_precision -1) but signs "{$value}", precision 14: `100`.
  const signedAs100 = `accept_amount=100&accept_currency=PHP&channel=QRPH&exchange_rate=1&order_id=O7&status=2000&submit_amount=100&submit_currency=PHP&timestamp=1621592342&transaction_id=P7&user_id=1&${SAFECODE}`;

  function callback(acceptAmount: string, sign: string) {
    return parsePtsJsonObject(
      `{"user_id":"1","order_id":"O7","transaction_id":"P7","channel":"QRPH","submit_currency":"PHP","submit_amount":"100","accept_currency":"PHP","accept_amount":${acceptAmount},"exchange_rate":"1","status":"2000","timestamp":1621592342,"sign":"${sign}"}`,
    );
  }

  it('refuses an amount whose PHP rendering drops digits that are not zeros (string or number)', () => {
    const sign = gatewaySide.signRaw(signedAs100);
    for (const sent of ['"100.00000000000001"', '100.00000000000001']) {
      expectSignatureError(
        () => merchantSide.verify(spec, callback(sent, sign)),
        'signature_mismatch',
      );
    }
  });

  it('still accepts trailing zeros dropped by PHP (the same decimal)', () => {
    const sign = gatewaySide.signRaw(signedAs100);
    for (const sent of ['"100.0000000000"', '100.0000000000', '"100"']) {
      expect(merchantSide.verify(spec, callback(sent, sign)).rendering).not.toBe(undefined);
    }
    expect(merchantSide.verify(spec, callback('100.0000000000', sign)).rendering).toBe('php-float');
  });
});

describe('PtsSigner on signed fields sent as null, "" or left out (A3, A5)', () => {
  const spec = ptsMessageSpec('v2', 'paymentCallback');
  // A failed payment: nothing accepted, so PTS sends no accept_* and no exchange rate.
  const failed = `accept_amount=&accept_currency=&channel=QRPH&exchange_rate=&order_id=O8&status=3000&submit_amount=100&submit_currency=PHP&timestamp=1621592342&transaction_id=P8&user_id=1&${SAFECODE}`;

  it('verifies them as `key=`, whichever of the three forms arrived', () => {
    const sign = gatewaySide.signRaw(failed);
    const base = {
      user_id: '1',
      order_id: 'O8',
      transaction_id: 'P8',
      channel: 'QRPH',
      submit_currency: 'PHP',
      submit_amount: '100',
      status: '3000',
      timestamp: new LosslessNumber('1621592342'),
      sign,
    };
    const forms: Record<string, unknown>[] = [
      { ...base, accept_amount: null, accept_currency: null, exchange_rate: null },
      { ...base, accept_amount: '', accept_currency: '', exchange_rate: '' },
      { ...base },
    ];
    for (const message of forms) {
      expect(merchantSide.verify(spec, message)).toEqual({ rendering: 'raw', signString: failed });
    }
  });

  it('does not take a null for a value that was signed', () => {
    const sign = gatewaySide.signRaw(failed.replace('accept_amount=&', 'accept_amount=100&'));
    const message = {
      user_id: '1',
      order_id: 'O8',
      transaction_id: 'P8',
      channel: 'QRPH',
      submit_currency: 'PHP',
      submit_amount: '100',
      accept_amount: null,
      status: '3000',
      timestamp: new LosslessNumber('1621592342'),
      sign,
    };
    expectSignatureError(() => merchantSide.verify(spec, message), 'signature_mismatch');
  });
});

describe('PtsSigner properties', () => {
  const spec = ptsMessageSpec('v2', 'paymentCallback');
  const signedNames = spec.fields.filter((f) => f.signed).map((f) => f.name);
  const unsignedNames = spec.fields
    .filter((f) => !f.signed && f.name !== 'sign')
    .map((f) => f.name);

  const text = fc.string({ unit: 'binary', maxLength: 30 });
  const amount = fc
    .tuple(fc.stringMatching(/^(0|[1-9]\d{0,9})$/), fc.stringMatching(/^\d{0,10}$/))
    .map(([i, f]) => (f ? `${i}.${f}` : i));
  const callback = fc.record({
    user_id: text,
    order_id: text,
    transaction_id: text,
    channel: text,
    submit_currency: text,
    submit_amount: amount,
    accept_currency: text,
    accept_amount: amount,
    exchange_rate: amount,
    status: fc.constantFrom('0000', '1000', '2000', '3000', '4000', '5000'),
    timestamp: fc.integer({ min: 0, max: 2 ** 31 }),
    error_message: text,
    reference_number: text,
  });

  it('verifies whatever it signed, for any field values', () => {
    fc.assert(
      fc.property(callback, (fields) => {
        const signed = gatewaySide.signMessage(spec, fields);
        expect(merchantSide.verify(spec, signed).rendering).toBe('raw');
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a message after any single signed value changed', () => {
    fc.assert(
      fc.property(
        callback,
        fc.constantFrom(...signedNames),
        fc.string({ maxLength: 12 }),
        (fields, name, replacement) => {
          const original = String(fields[name as keyof typeof fields]);
          fc.pre(replacement !== original);
          const signed = gatewaySide.signMessage(spec, fields);
          const tampered = { ...signed, [name]: replacement };
          expectSignatureError(() => merchantSide.verify(spec, tampered), 'signature_mismatch');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keeps verifying after unsigned fields changed, were added or removed', () => {
    fc.assert(
      fc.property(
        callback,
        fc.constantFrom(...unsignedNames, 'remark', 'details', 'anything_else'),
        fc.oneof(text, fc.constant(null), fc.constant(undefined)),
        (fields, name, value) => {
          const signed = gatewaySide.signMessage(spec, fields);
          const changed = { ...signed, [name]: value };
          expect(merchantSide.verify(spec, changed).rendering).toBe('raw');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('verifies the same whatever order the keys of the received JSON are in', () => {
    fc.assert(
      fc.property(
        callback.chain((fields) => {
          const entries = Object.entries(gatewaySide.signMessage(spec, fields));
          return fc.tuple(
            fc.constant(entries),
            fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }),
          );
        }),
        ([entries, shuffled]) => {
          const inOrder = parsePtsJsonObject(stringifyPtsJson(Object.fromEntries(entries)));
          const reordered = parsePtsJsonObject(stringifyPtsJson(Object.fromEntries(shuffled)));
          const a = merchantSide.verify(spec, inOrder);
          const b = merchantSide.verify(spec, reordered);
          expect(b).toEqual(a);
          expect(a.rendering).toBe('raw');
        },
      ),
      { numRuns: 60 },
    );
  });
});
