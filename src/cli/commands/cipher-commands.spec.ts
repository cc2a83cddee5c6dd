import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runPtsCli } from '../cli.js';
import { bufferedCliIo } from '../io.js';

const SAFECODE = '0123456789abcdef0123456789abcdef';
// docs/protocol.md B2.5(b): the body, its envelopes and its transaction signatures.
const BODY =
  '{"user_id":"1","order_id":"ORD20240101000001","amount":"100.00","currency":"PHP","channel":"QRPH","timestamp":1704067200,"sign":"SIG"}';
const AES256 =
  'bd/cW09ZzkCrbAevn7SdnCZQPF2H2YtJaztQ0Vk4SEVNnM9HLxa1b/JU+9kakw6qR304JyhXdPQkYJhDbIbk4sSs7/aF9SOjfh5BvRjTu7/d8MvTXQzHrbkGrjwGpuucAxWuIkpWFoGyu9Wx6URYKO1/F/W90LLHJXfZDhaX0MQ6gv70SQGelNjCj3MeW440';
const AES128 =
  'TZEdMq0aETgyo7waZtq2lPFYRkHmpoi9UzafU4IqnWfnZOxVCmal/Rtdg9uaRObehNnlmGq527Ei1PRad7iXI1NS3Lbo/RCV/MW2ITSZ3W2f8POxdUsR/D+3LUKyCNijdN132QUojjP8GIcMkrQYknoiegHsRD2Llfo84rEtnJgqQNWpYZlvmRqnkzaVyiye';
const HMAC_BODY = 'vH6qQ1xbhvzsIY5bPx3Yz9nESeCUuJasz4rHa8Td6LU=';
const HMAC_PLAINTEXT = 'k+meuqLlT9cKbmjpVLCqUgGJUzxpsTO7oXslmsXad30=';
const SECRET = 'test_transaction_secret';

async function pts(
  args: string[],
  setup: { stdin?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; out: string; err: string }> {
  const io = bufferedCliIo({ env: setup.env, stdin: setup.stdin });
  const code = await runPtsCli(args, io);
  return { code, out: io.out, err: io.err };
}

describe('pts encrypt and decrypt', () => {
  it('reproduce the AES-256 and AES-128 known answers and decrypt them back', async () => {
    const env = { PTS_SAFECODE: SAFECODE };
    expect(await pts(['encrypt'], { stdin: BODY, env })).toEqual({
      code: 0,
      out: `${AES256}\n`,
      err: '',
    });
    expect(
      await pts(['encrypt', '--safecode', SAFECODE.slice(0, 16)], { stdin: `${BODY}\r\n` }),
    ).toEqual({
      code: 0,
      out: `${AES128}\n`,
      err: '',
    });
    expect(await pts(['decrypt'], { stdin: `${AES256}\n`, env })).toEqual({
      code: 0,
      out: `${BODY}\n`,
      err: '',
    });
    expect(await pts(['decrypt', '--safecode', SAFECODE.slice(0, 16)], { stdin: AES128 })).toEqual({
      code: 0,
      out: `${BODY}\n`,
      err: '',
    });
  });

  it('round-trips with a short safecode NUL-padded to 32 bytes (zero-pad-256)', async () => {
    const flags = ['--safecode', 'short-safecode', '--aes-key-mode', 'zero-pad-256'];
    const encrypted = await pts(['encrypt', ...flags], { stdin: BODY });
    expect(encrypted.code).toBe(0);
    const expected = createCipheriv(
      'aes-256-ecb',
      Buffer.concat([Buffer.from('short-safecode'), Buffer.alloc(18)]),
      null,
    );
    expect(encrypted.out).toBe(
      `${Buffer.concat([expected.update(BODY), expected.final()]).toString('base64')}\n`,
    );
    expect(await pts(['decrypt', ...flags], { stdin: encrypted.out })).toEqual({
      code: 0,
      out: `${BODY}\n`,
      err: '',
    });
  });

  it('names the cause of each decryption failure, exit 2 for what is not an envelope and 1 for what does not decrypt', async () => {
    const env = { PTS_SAFECODE: SAFECODE };
    const notUtf8 = createCipheriv('aes-256-ecb', Buffer.from(SAFECODE), null);
    const notUtf8Envelope = Buffer.concat([
      notUtf8.update(Buffer.from([0xff, 0xfe, 0x41])),
      notUtf8.final(),
    ]).toString('base64');
    const cases: [string, Record<string, string>, number, string][] = [
      [
        'not*base64',
        env,
        2,
        'pts decrypt: stdin: the envelope is not standard base64 (invalid_base64); see',
      ],
      [
        '{"code":"1000"}',
        env,
        2,
        'pts decrypt: stdin: the envelope is not standard base64 (invalid_base64); it looks like plain JSON already',
      ],
      [
        'QUJDRA==',
        env,
        2,
        'pts decrypt: stdin: the ciphertext has 4 bytes, not a whole number of 16-byte AES blocks (ciphertext_length)',
      ],
      [
        AES256,
        { PTS_SAFECODE: 'fedcba9876543210fedcba9876543210' },
        1,
        'pts decrypt: stdin: the envelope does not decrypt with this safecode (PKCS#7 padding does not check): wrong safecode or damaged body (bad_padding)\n',
      ],
      [
        AES256,
        { PTS_SAFECODE: SAFECODE.slice(0, 16) },
        1,
        'pts decrypt: stdin: the envelope does not decrypt with this safecode (PKCS#7 padding does not check): wrong safecode or damaged body (bad_padding); if the sender pads short safecodes like PHP, try --aes-key-mode zero-pad-256\n',
      ],
      [
        notUtf8Envelope,
        env,
        1,
        'pts decrypt: stdin: the decrypted envelope is not UTF-8 text (invalid_utf8)',
      ],
      [
        AES256,
        { PTS_SAFECODE: 'twenty-characters-xx' },
        2,
        'pts decrypt: option `PTS_SAFECODE` has 20 bytes; AES needs 16, 24 or 32.',
      ],
    ];
    for (const [stdin, caseEnv, code, message] of cases) {
      const run = await pts(['decrypt'], { stdin, env: caseEnv });
      expect({ stdin, code: run.code, out: run.out }).toEqual({ stdin, code, out: '' });
      expect(run.err.startsWith(message), `${run.err} should start with ${message}`).toBe(true);
    }
    const badMode = await pts(['encrypt', '--aes-key-mode', 'pad'], { stdin: BODY, env });
    expect(badMode.err).toBe(
      'pts encrypt: option --aes-key-mode must be one of raw, zero-pad-256, got `pad`; see `pts encrypt --help`\n',
    );
  });
});

describe('pts hmac', () => {
  it('computes the known X-Transaction-Signature over the body and over the plaintext', async () => {
    const env = { PTS_TRANSACTION_SECRET: SECRET, PTS_SAFECODE: SAFECODE };
    expect(await pts(['hmac'], { stdin: `${AES256}\n`, env })).toEqual({
      code: 0,
      out: `${HMAC_BODY}\n`,
      err: '',
    });
    expect(await pts(['hmac', '--over', 'plaintext'], { stdin: AES256, env })).toEqual({
      code: 0,
      out: `${HMAC_PLAINTEXT}\n`,
      err: '',
    });
    expect(await pts(['hmac', '--over', 'plaintext', '--secret', SECRET], { stdin: BODY })).toEqual(
      {
        code: 0,
        out: `${HMAC_PLAINTEXT}\n`,
        err: '',
      },
    );
  });

  it('checks a received header: OK, or exit 1 with the expected value', async () => {
    const env = { PTS_TRANSACTION_SECRET: SECRET };
    expect(await pts(['hmac', '--check', HMAC_BODY], { stdin: AES256, env })).toEqual({
      code: 0,
      out: 'OK\n',
      err: '',
    });
    const wrong = await pts(['hmac', '--check', HMAC_PLAINTEXT], { stdin: AES256, env });
    expect(wrong.code).toBe(1);
    expect(wrong.out).toBe(`expected: ${HMAC_BODY}\n`);
    expect(wrong.err).toBe(
      'pts hmac: the --check value is not the X-Transaction-Signature of this body (HMAC over the base64 body, secret from PTS_TRANSACTION_SECRET)\n',
    );
    const missing = await pts(['hmac'], { stdin: AES256 });
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(
      'pts hmac: option --secret is required (or set PTS_TRANSACTION_SECRET); see `pts hmac --help`\n',
    );
  });
});

describe('pts token-hash', () => {
  it('computes the v1 known answer, with the user id from PTS_USER_ID too', async () => {
    const hash = '103a120a96e6fac45061f5bfc66fba84b5158d96ccd2376eb1255261a989b3cf\n';
    const code = ['token-hash', '--random-code', 'VL4hrMLmM3THd2iQDNOoa45cGZhx2zH7'];
    expect(await pts([...code, '--user-id', '1', '--safecode', SAFECODE])).toEqual({
      code: 0,
      out: hash,
      err: '',
    });
    expect(await pts(code, { env: { PTS_USER_ID: '1', PTS_SAFECODE: SAFECODE } })).toEqual({
      code: 0,
      out: hash,
      err: '',
    });
    const noUser = await pts(code, { env: { PTS_SAFECODE: SAFECODE } });
    expect(noUser.code).toBe(2);
    expect(noUser.err).toBe(
      'pts token-hash: option --user-id is required (or set PTS_USER_ID); see `pts token-hash --help`\n',
    );
  });
});
