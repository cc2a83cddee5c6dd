import { createSign, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPtsCli } from '../cli.js';
import { bufferedCliIo } from '../io.js';

// Test keys, generated once for this file.
const { privateKey: PRIVATE_PEM, publicKey: PUBLIC_PEM } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const SAFECODE = '0123456789abcdef0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'pts-cli-sign-'));
writeFileSync(join(dir, 'private.pem'), PRIVATE_PEM);
writeFileSync(join(dir, 'public.pem'), PUBLIC_PEM);
// The bare base64 body, as merchant portals hand keys out.
writeFileSync(
  join(dir, 'public.b64'),
  PUBLIC_PEM.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''),
);
const outputs: string[] = [];

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function pts(
  args: string[],
  setup: { stdin?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; out: string; err: string }> {
  const io = bufferedCliIo({
    cwd: dir,
    env: { PTS_SAFECODE: SAFECODE, ...setup.env },
    stdin: setup.stdin,
  });
  const code = await runPtsCli(args, io);
  outputs.push(io.out, io.err);
  return { code, out: io.out, err: io.err };
}

const PAYMENT = {
  user_id: '1',
  order_id: 'ORD20240101000001',
  amount: '100.00',
  currency: 'PHP',
  channel: 'QRPH',
  timestamp: 1704067200,
};
const SIGN = ['sign', '--message', 'paymentRequest', '--key', 'private.pem'];
const VERIFY_CALLBACK = ['verify', '--message', 'paymentCallback', '--public-key', 'public.pem'];

/** A v2 payment callback as a PHP gateway sends it: amounts as JSON numbers with 10 decimals. */
const CALLBACK_TEXT = (sign: string, amount = '40000.0000000000') =>
  `{"user_id":"1","order_id":"O1","transaction_id":"T1","channel":"QRPH","submit_currency":"PHP",` +
  `"submit_amount":${amount},"accept_currency":"PHP","accept_amount":${amount},"exchange_rate":1.0000000000,` +
  `"status":"2000","timestamp":1621592342,"reference_number":"R9","sign":"${sign}"}`;

function signWithNodeCrypto(text: string): string {
  return createSign('sha256').update(text, 'utf8').sign(PRIVATE_PEM, 'base64');
}

describe('pts sign', () => {
  it('prints the sign string with the safecode hidden and a sign that node:crypto verifies', async () => {
    const run = await pts(SIGN, { stdin: JSON.stringify(PAYMENT) });
    expect(run.code).toBe(0);
    const signString = `amount=100.00&channel=QRPH&currency=PHP&order_id=ORD20240101000001&timestamp=1704067200&user_id=1&${SAFECODE}`;
    expect(run.out).toMatch(
      /^sign string: amount=100\.00&channel=QRPH&currency=PHP&order_id=ORD20240101000001&timestamp=1704067200&user_id=1&<safecode>\nsign: [A-Za-z0-9+/]{342}==\n$/,
    );
    const sign = run.out.split('sign: ')[1].trim();
    expect(
      createVerify('sha256').update(signString).verify(PUBLIC_PEM, Buffer.from(sign, 'base64')),
    ).toBe(true);
  });

  it('keeps the exact text of amounts sent as JSON numbers, in the sign string and in --json', async () => {
    const body =
      '{"user_id":"1","order_id":"A","amount":100.10,"currency":"PHP","channel":"QRPH","timestamp":1704067200,"sign":"old"}';
    const [text, json] = await Promise.all([
      pts(SIGN, { stdin: body }),
      pts([...SIGN, '--json'], { stdin: body }),
    ]);
    expect(text.out).toContain('sign string: amount=100.10&');
    expect(json.code).toBe(0);
    expect(json.out).toMatch(
      /^\{"user_id":"1","order_id":"A","amount":100\.10,.*,"sign":"[^"]{344}"\}\n$/,
    );
    expect(json.out).not.toContain('"old"');
  });

  it('signs a v1 message by the v1 table, with an absent optional signed field as `key=`', async () => {
    const run = await pts([...SIGN, '--api-version', 'v1'], {
      stdin: JSON.stringify({
        ...PAYMENT,
        callback_url: 'https://m.example/cb',
        redirect_url: 'https://m.example/back',
      }),
    });
    expect(run.code).toBe(0);
    expect(run.out).toContain(
      'sign string: amount=100.00&bank_code=&callback_url=https://m.example/cb&channel=QRPH&currency=PHP&order_id=ORD20240101000001&redirect_url=https://m.example/back&timestamp=1704067200&user_id=1&<safecode>\n',
    );
  });

  it('takes the key from PTS_MERCHANT_PRIVATE_KEY with escaped newlines and the safecode from a file', async () => {
    writeFileSync(join(dir, 'safecode.txt'), `${SAFECODE}\n`);
    const run = await pts(
      ['sign', '--message', 'paymentRequest', '--safecode-file', 'safecode.txt'],
      {
        stdin: JSON.stringify(PAYMENT),
        env: { PTS_MERCHANT_PRIVATE_KEY: PRIVATE_PEM.replace(/\n/g, '\\n'), PTS_SAFECODE: '' },
      },
    );
    expect(run.err).toBe('');
    const sign = run.out.split('sign: ')[1].trim();
    expect(sign).toBe(
      signWithNodeCrypto(
        `amount=100.00&channel=QRPH&currency=PHP&order_id=ORD20240101000001&timestamp=1704067200&user_id=1&${SAFECODE}`,
      ),
    );
  });

  it('names what is wrong: the message, the field, the JSON, the key, the safecode', async () => {
    const body = JSON.stringify(PAYMENT);
    const cases: [string[], { stdin?: string; env?: Record<string, string> }, string][] = [
      [
        ['sign', '--key', 'private.pem'],
        { stdin: body },
        'pts sign: option --message is required; one of: paymentRequest, paymentResponse, paymentCallback,',
      ],
      [
        [
          ...SIGN.slice(0, 2),
          'supportChannelRequest',
          '--api-version',
          'v1',
          '--key',
          'private.pem',
        ],
        { stdin: body },
        'pts sign: option --message: v1 has no signed message `supportChannelRequest`; one of: paymentRequest,',
      ],
      [
        SIGN,
        { stdin: JSON.stringify({ ...PAYMENT, amount: undefined }) },
        'pts sign: paymentRequest: required field `amount` is missing (missing_field)',
      ],
      [
        SIGN,
        { stdin: JSON.stringify({ ...PAYMENT, amount: '1,00' }) },
        'pts sign: paymentRequest: field `amount` must be a non-negative decimal (string or number), got a string (invalid_field)',
      ],
      [
        SIGN,
        { stdin: '{"user_id":"1",' },
        'pts sign: stdin is not valid JSON: Quoted object key expected but reached end of input at position 15',
      ],
      [SIGN, { stdin: '[1,2]' }, 'pts sign: stdin must be a JSON object, got an array'],
      [SIGN, { stdin: '  \n' }, 'pts sign: stdin is empty; expected the paymentRequest JSON body'],
      [[...SIGN, 'missing.json'], {}, 'pts sign: input file `missing.json` does not exist'],
      [
        SIGN,
        {},
        'pts sign: give the paymentRequest JSON body as a FILE argument, or pipe it on stdin',
      ],
      [
        ['sign', '--message', 'paymentRequest'],
        { stdin: body },
        'pts sign: no merchant private key: give --key FILE or set PTS_MERCHANT_PRIVATE_KEY (or PTS_MERCHANT_PRIVATE_KEY_FILE)',
      ],
      [
        ['sign', '--message', 'paymentRequest', '--key', 'public.pem'],
        { stdin: body },
        'pts sign: option `--key public.pem` holds a public key where a private key belongs.',
      ],
      [
        ['sign', '--message', 'paymentRequest', '--key', 'nope.pem'],
        { stdin: body },
        'pts sign: --key `nope.pem` does not exist',
      ],
      [
        SIGN,
        { stdin: body, env: { PTS_SAFECODE: '' } },
        'pts sign: no safecode: give --safecode, --safecode-file FILE, or set PTS_SAFECODE',
      ],
      [
        SIGN,
        { stdin: body, env: { PTS_SAFECODE_FILE: 'safecode.txt' } },
        'pts sign: set PTS_SAFECODE or PTS_SAFECODE_FILE, not both',
      ],
      [
        [...SIGN, '--safecode', 'x', '--safecode-file', 'safecode.txt'],
        { stdin: body },
        'pts sign: options --safecode and --safecode-file exclude each other; give one',
      ],
      [
        [...SIGN, '--api-version', 'v3'],
        { stdin: body },
        'pts sign: option --api-version must be v2 or v1, got `v3`',
      ],
    ];
    for (const [args, setup, message] of cases) {
      const run = await pts(args, setup);
      expect({ args, code: run.code, out: run.out }).toEqual({ args, code: 2, out: '' });
      expect(run.err.startsWith(message), `${run.err} should start with ${message}`).toBe(true);
      expect(run.err.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});

describe('pts verify', () => {
  it('verifies a callback signed over the numbers as written, and one signed over PHP floats', async () => {
    const raw = `accept_amount=40000.0000000000&accept_currency=PHP&channel=QRPH&exchange_rate=1.0000000000&order_id=O1&status=2000&submit_amount=40000.0000000000&submit_currency=PHP&timestamp=1621592342&transaction_id=T1&user_id=1&${SAFECODE}`;
    const php = `accept_amount=40000&accept_currency=PHP&channel=QRPH&exchange_rate=1&order_id=O1&status=2000&submit_amount=40000&submit_currency=PHP&timestamp=1621592342&transaction_id=T1&user_id=1&${SAFECODE}`;
    const [asWritten, asPhp, bareKey] = await Promise.all([
      pts(VERIFY_CALLBACK, { stdin: CALLBACK_TEXT(signWithNodeCrypto(raw)) }),
      pts(VERIFY_CALLBACK, { stdin: CALLBACK_TEXT(signWithNodeCrypto(php)) }),
      pts(['verify', '--message', 'payment-callback'], {
        stdin: CALLBACK_TEXT(signWithNodeCrypto(raw)),
        env: { PTS_GATEWAY_PUBLIC_KEY_FILE: 'public.b64' },
      }),
    ]);
    expect(asWritten).toEqual({ code: 0, out: 'OK (rendering raw)\n', err: '' });
    expect(asPhp).toEqual({ code: 0, out: 'OK (rendering php-float)\n', err: '' });
    expect(bareKey).toEqual({ code: 0, out: 'OK (rendering raw)\n', err: '' });
  });

  it('verifies a failed callback whose accept fields are null, and one wrapped as {code, message, data}', async () => {
    const failed = `accept_amount=&accept_currency=&channel=QRPH&exchange_rate=&order_id=O1&status=3000&submit_amount=40000.0000000000&submit_currency=PHP&timestamp=1621592342&transaction_id=T1&user_id=1&${SAFECODE}`;
    const body = CALLBACK_TEXT(signWithNodeCrypto(failed))
      .replace('"status":"2000"', '"status":"3000"')
      .replace('"accept_currency":"PHP"', '"accept_currency":null')
      .replace('"accept_amount":40000.0000000000', '"accept_amount":null')
      .replace('"exchange_rate":1.0000000000', '"exchange_rate":""');
    const [flat, wrapped] = await Promise.all([
      pts(VERIFY_CALLBACK, { stdin: body }),
      pts(VERIFY_CALLBACK, { stdin: `{"code":"1000","message":"Success","data":${body}}` }),
    ]);
    expect(flat).toEqual({ code: 0, out: 'OK (rendering raw)\n', err: '' });
    expect(wrapped).toEqual({ code: 0, out: 'OK (rendering raw)\n', err: '' });
  });

  it('exits 1 for a changed amount and prints both sign strings it tried and the unsigned fields', async () => {
    const signed = signWithNodeCrypto(
      `accept_amount=40000.0000000000&accept_currency=PHP&channel=QRPH&exchange_rate=1.0000000000&order_id=O1&status=2000&submit_amount=40000.0000000000&submit_currency=PHP&timestamp=1621592342&transaction_id=T1&user_id=1&${SAFECODE}`,
    );
    const run = await pts(VERIFY_CALLBACK, { stdin: CALLBACK_TEXT(signed, '40001.0000000000') });
    expect(run.code).toBe(1);
    expect(run.out).toBe(
      'sign string (raw):       accept_amount=40001.0000000000&accept_currency=PHP&channel=QRPH&exchange_rate=1.0000000000&order_id=O1&status=2000&submit_amount=40001.0000000000&submit_currency=PHP&timestamp=1621592342&transaction_id=T1&user_id=1&<safecode>\n' +
        'sign string (php-float): accept_amount=40001&accept_currency=PHP&channel=QRPH&exchange_rate=1&order_id=O1&status=2000&submit_amount=40001&submit_currency=PHP&timestamp=1621592342&transaction_id=T1&user_id=1&<safecode>\n' +
        'not signed (ignored):    reference_number\n' +
        "check: each value above, the safecode, --api-version, and that the public key is the signer's (the gateway's for callbacks and responses)\n",
    );
    expect(run.err).toBe(
      'pts verify: the `sign` of this v2 paymentCallback does not verify with --public-key public.pem\n',
    );
  });

  it('says when the `sign` itself is not base64 or is too short for the key', async () => {
    const [notBase64, short] = await Promise.all([
      pts(VERIFY_CALLBACK, { stdin: CALLBACK_TEXT('abc%2B') }),
      pts(VERIFY_CALLBACK, { stdin: CALLBACK_TEXT(randomBytes(128).toString('base64')) }),
    ]);
    expect(notBase64.code).toBe(1);
    expect(notBase64.out).toContain(
      'note: the `sign` is not standard base64 (was it URL-encoded or cut?)\n',
    );
    expect(short.code).toBe(1);
    expect(short.out).toContain(
      'note: the `sign` has 128 bytes, but a signature by this 2048-bit key has 256: it was made with another key\n',
    );
  });

  it('exits 2 for a body without `sign`, a missing field or a private key given as public key', async () => {
    const cases: [string[], string, string][] = [
      [
        VERIFY_CALLBACK,
        CALLBACK_TEXT('').replace(',"sign":""', ''),
        'pts verify: paymentCallback: required field `sign` is missing (missing_field)',
      ],
      [
        VERIFY_CALLBACK,
        CALLBACK_TEXT(
          signWithNodeCrypto(
            `accept_amount=40000.0000000000&accept_currency=PHP&channel=QRPH&exchange_rate=1.0000000000&order_id=O1&status=&submit_amount=40000.0000000000&submit_currency=PHP&timestamp=1621592342&transaction_id=T1&user_id=1&${SAFECODE}`,
          ),
        ).replace('"status":"2000",', ''),
        'pts verify: the `sign` verifies (rendering raw), but paymentCallback: field `status` is missing, null or empty (missing_field)',
      ],
      [
        ['verify', '--message', 'paymentCallback', '--public-key', 'private.pem'],
        CALLBACK_TEXT('x'),
        'pts verify: option `--public-key private.pem` holds a private key where a public key belongs.',
      ],
      [
        ['verify', '--message', 'paymentCallback'],
        CALLBACK_TEXT('x'),
        'pts verify: no public key: give --public-key FILE or set PTS_GATEWAY_PUBLIC_KEY (or PTS_GATEWAY_PUBLIC_KEY_FILE)',
      ],
    ];
    for (const [args, stdin, message] of cases) {
      const run = await pts(args, { stdin });
      expect(run.code).toBe(2);
      expect(run.err.startsWith(message), `${run.err} should start with ${message}`).toBe(true);
    }
  });
});

describe('pts sign and verify output', () => {
  it('never contained the safecode or the private key', () => {
    expect(outputs.length).toBeGreaterThan(20);
    const all = outputs.join('\n');
    expect(all).not.toContain(SAFECODE);
    expect(all).not.toContain(PRIVATE_PEM.split('\n')[1]);
  });
});
