import { spawnSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PtsConfigurationError, PtsDecryptionError } from '../errors/pts-error.js';
import { ptsAesKey, PtsCipher } from './pts-cipher.js';
import { thrown } from '../../../test/support/thrown.js';

// docs/protocol.md B2.5(b): self-computed vectors, cross-checked with `openssl enc`.
const SAFECODE = '0123456789abcdef0123456789abcdef';
const BODY =
  '{"user_id":"1","order_id":"ORD20240101000001","amount":"100.00","currency":"PHP","channel":"QRPH","timestamp":1704067200,"sign":"SIG"}';
const AES_256_BODY =
  'bd/cW09ZzkCrbAevn7SdnCZQPF2H2YtJaztQ0Vk4SEVNnM9HLxa1b/JU+9kakw6qR304JyhXdPQkYJhDbIbk4sSs7/aF9SOjfh5BvRjTu7/d8MvTXQzHrbkGrjwGpuucAxWuIkpWFoGyu9Wx6URYKO1/F/W90LLHJXfZDhaX0MQ6gv70SQGelNjCj3MeW440';
const AES_128_BODY =
  'TZEdMq0aETgyo7waZtq2lPFYRkHmpoi9UzafU4IqnWfnZOxVCmal/Rtdg9uaRObehNnlmGq527Ei1PRad7iXI1NS3Lbo/RCV/MW2ITSZ3W2f8POxdUsR/D+3LUKyCNijdN132QUojjP8GIcMkrQYknoiegHsRD2Llfo84rEtnJgqQNWpYZlvmRqnkzaVyiye';

/** `openssl enc` as a second, independent AES implementation; input and output on pipes. */
function opensslEnc(args: string[], input: string): string {
  const result = spawnSync('openssl', ['enc', ...args], { input, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`openssl enc ${args.join(' ')} failed: ${result.stderr}`);
  }
  return result.stdout;
}

function opensslEncrypt(algorithm: string, key: Buffer, plaintext: string): string {
  return opensslEnc(
    [`-${algorithm}`, '-K', key.toString('hex'), '-nosalt', '-base64', '-A'],
    plaintext,
  ).trim();
}

function opensslDecrypt(algorithm: string, key: Buffer, body: string): string {
  return opensslEnc(
    ['-d', `-${algorithm}`, '-K', key.toString('hex'), '-nosalt', '-base64', '-A'],
    `${body}\n`,
  );
}

/** Safecodes of an exact byte length from the characters merchant portals use. */
const safecodeOf = (length: number) =>
  fc.string({
    unit: fc.constantFrom(...'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'),
    minLength: length,
    maxLength: length,
  });

describe('PtsCipher known answers (B 2.5(b))', () => {
  it('encrypts the reference body with AES-256-ECB for a 32-character safecode', () => {
    expect(new PtsCipher({ safecode: SAFECODE }).encrypt(BODY)).toBe(AES_256_BODY);
  });

  it('encrypts the reference body with AES-128-ECB for the first 16 characters', () => {
    expect(new PtsCipher({ safecode: SAFECODE.slice(0, 16) }).encrypt(BODY)).toBe(AES_128_BODY);
  });

  it('decrypts both reference ciphertexts back to the body', () => {
    expect(new PtsCipher({ safecode: SAFECODE }).decrypt(AES_256_BODY)).toBe(BODY);
    expect(new PtsCipher({ safecode: SAFECODE.slice(0, 16) }).decrypt(AES_128_BODY)).toBe(BODY);
  });

  it('tolerates surrounding whitespace such as a trailing newline', () => {
    expect(new PtsCipher({ safecode: SAFECODE }).decrypt(`  ${AES_256_BODY}\r\n`)).toBe(BODY);
  });

  it('does not decrypt the AES-256 vector with the AES-128 key', () => {
    const error = thrown(() =>
      new PtsCipher({ safecode: SAFECODE.slice(0, 16) }).decrypt(AES_256_BODY),
    );
    expect(error).toBeInstanceOf(PtsDecryptionError);
    expect(error).toMatchObject({ code: 'bad_padding' });
  });

  it('changes the ciphertext when one character of the body changes', () => {
    const tampered = BODY.replace('"100.00"', '"900.00"');
    expect(new PtsCipher({ safecode: SAFECODE }).encrypt(tampered)).not.toBe(AES_256_BODY);
  });

  it('uses AES-192 for a 24-character safecode', () => {
    const cipher = new PtsCipher({ safecode: SAFECODE.slice(0, 24) });
    const body = cipher.encrypt(BODY);
    expect(body).toBe(opensslEncrypt('aes-192-ecb', Buffer.from(SAFECODE.slice(0, 24)), BODY));
    expect(cipher.decrypt(body)).toBe(BODY);
  });

  it('NUL-pads a 16-character safecode to 32 bytes in zero-pad-256 mode, as PHP does', () => {
    const cipher = new PtsCipher({ safecode: SAFECODE.slice(0, 16), aesKeyMode: 'zero-pad-256' });
    const key = Buffer.concat([Buffer.from(SAFECODE.slice(0, 16)), Buffer.alloc(16)]);
    expect(ptsAesKey(SAFECODE.slice(0, 16), 'zero-pad-256')).toEqual(key);
    const body = cipher.encrypt(BODY);
    expect(body).toBe(opensslEncrypt('aes-256-ecb', key, BODY));
    expect(body).not.toBe(AES_128_BODY);
    expect(cipher.decrypt(body)).toBe(BODY);
  });

  it('keeps a 32-character safecode unchanged in zero-pad-256 mode', () => {
    const cipher = new PtsCipher({ safecode: SAFECODE, aesKeyMode: 'zero-pad-256' });
    expect(cipher.encrypt(BODY)).toBe(AES_256_BODY);
  });
});

describe('PtsCipher against the openssl command line', () => {
  const text = `${BODY} ünïcødé 中文 🎉`;

  it.each([
    ['aes-128-ecb', SAFECODE.slice(0, 16)],
    ['aes-256-ecb', SAFECODE],
  ])('produces the same %s bytes as openssl enc, both ways', (algorithm, safecode) => {
    const cipher = new PtsCipher({ safecode });
    const key = Buffer.from(safecode, 'utf8');

    const ours = cipher.encrypt(text);
    const theirs = opensslEncrypt(algorithm, key, text);
    expect(ours).toBe(theirs);
    expect(opensslDecrypt(algorithm, key, ours)).toBe(text);
    expect(cipher.decrypt(theirs)).toBe(text);
  });

  it('agrees with openssl on the reference vectors', () => {
    expect(opensslEncrypt('aes-256-ecb', Buffer.from(SAFECODE), BODY)).toBe(AES_256_BODY);
    expect(opensslEncrypt('aes-128-ecb', Buffer.from(SAFECODE.slice(0, 16)), BODY)).toBe(
      AES_128_BODY,
    );
  });

  it('agrees with openssl on an empty plaintext (one block of padding)', () => {
    const cipher = new PtsCipher({ safecode: SAFECODE });
    expect(cipher.encrypt('')).toBe(opensslEncrypt('aes-256-ecb', Buffer.from(SAFECODE), ''));
  });
});

describe('PtsCipher round trip (property)', () => {
  const texts = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 60 }),
  );
  const examples: [string][] = [[''], ['🎉👍🏽👨‍👩‍👧'], ['中文字符与日本語'], [BODY], ['\u0000\n\t']];

  it.each([16, 24, 32])('decrypts what it encrypts for any text with a %i-byte safecode', (n) => {
    fc.assert(
      fc.property(safecodeOf(n), texts, (safecode, plaintext) => {
        const cipher = new PtsCipher({ safecode });
        const body = cipher.encrypt(plaintext);
        expect(body).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
        expect(Buffer.from(body, 'base64').length % 16).toBe(0);
        expect(cipher.decrypt(body)).toBe(plaintext);
      }),
      { numRuns: 60, examples: examples.map(([t]) => ['x'.repeat(n), t]) },
    );
  });

  it('decrypts what it encrypts in zero-pad-256 mode for any safecode of 1 to 32 bytes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 32 }).chain((n) => safecodeOf(n)),
        texts,
        (safecode, plaintext) => {
          const cipher = new PtsCipher({ safecode, aesKeyMode: 'zero-pad-256' });
          expect(cipher.decrypt(cipher.encrypt(plaintext))).toBe(plaintext);
        },
      ),
      { numRuns: 60, examples: examples.map(([t]) => ['k', t]) },
    );
  });

  it('counts safecode length in UTF-8 bytes, not characters', () => {
    // 8 two-byte characters are 16 bytes: AES-128.
    const cipher = new PtsCipher({ safecode: 'éééééééé' });
    expect(cipher.decrypt(cipher.encrypt(BODY))).toBe(BODY);
  });
});

describe('PtsCipher refuses bad input with typed errors', () => {
  const cipher = new PtsCipher({ safecode: SAFECODE });

  it.each([
    [20, 'x'.repeat(20)],
    [0, ''],
    [33, 'x'.repeat(33)],
    [15, 'x'.repeat(15)],
  ])(
    'refuses a safecode of %i bytes with safecode_length, naming the option and the length',
    (length, safecode) => {
      const error = thrown(() => new PtsCipher({ safecode, optionName: 'accounts[0].safecode' }));
      expect(error).toBeInstanceOf(PtsConfigurationError);
      expect(error).toMatchObject({ code: 'safecode_length', option: 'accounts[0].safecode' });
      expect((error as Error).message).toContain('`accounts[0].safecode`');
      expect((error as Error).message).toContain(`has ${length} bytes`);
      // The message must never echo the safecode itself.
      if (safecode.length > 0) expect((error as Error).message).not.toContain(safecode);
    },
  );

  it('names the default option `safecode` when no option name is given', () => {
    const error = thrown(() => new PtsCipher({ safecode: 'x'.repeat(20) }));
    expect((error as Error).message).toContain('`safecode`');
  });

  it.each([
    [0, ''],
    [33, 'x'.repeat(33)],
  ])('refuses a safecode of %i bytes in zero-pad-256 mode', (length, safecode) => {
    const error = thrown(() => new PtsCipher({ safecode, aesKeyMode: 'zero-pad-256' }));
    expect(error).toBeInstanceOf(PtsConfigurationError);
    expect(error).toMatchObject({ code: 'safecode_length' });
    expect((error as Error).message).toContain(`has ${length} bytes`);
  });

  it('refuses an empty body with empty_body', () => {
    for (const body of ['', '  \n']) {
      const error = thrown(() => cipher.decrypt(body));
      expect(error).toBeInstanceOf(PtsDecryptionError);
      expect(error).toMatchObject({ code: 'empty_body' });
    }
  });

  it.each([
    ['characters outside the alphabet', 'not base64 at all!!'],
    ['URL-safe alphabet', AES_256_BODY.replace(/\+/g, '-').replace(/\//g, '_')],
    ['a length that is not a multiple of 4', AES_256_BODY.slice(0, -1)],
    ['padding in the middle', `AAAA=AAA${AES_256_BODY.slice(8)}`],
    ['three padding characters', 'AAAAA==='],
  ])('refuses base64 with %s with invalid_base64', (_what, body) => {
    const error = thrown(() => cipher.decrypt(body));
    expect(error).toBeInstanceOf(PtsDecryptionError);
    expect(error).toMatchObject({ code: 'invalid_base64' });
  });

  it('refuses a ciphertext that is not a whole number of 16-byte blocks with ciphertext_length', () => {
    const body = Buffer.alloc(15, 7).toString('base64');
    const error = thrown(() => cipher.decrypt(body));
    expect(error).toBeInstanceOf(PtsDecryptionError);
    expect(error).toMatchObject({ code: 'ciphertext_length' });
    expect((error as Error).message).toContain('15 bytes');

    const truncated = Buffer.from(AES_256_BODY, 'base64').subarray(0, 40).toString('base64');
    expect(thrown(() => cipher.decrypt(truncated))).toMatchObject({ code: 'ciphertext_length' });
  });

  it('refuses a ciphertext made with another safecode with bad_padding', () => {
    // Checked once: this fixed vector does not decrypt to valid padding under the other key
    // (a wrong key gives valid padding by chance about once in 256 tries).
    const other = new PtsCipher({ safecode: 'fedcba9876543210fedcba9876543210' });
    const error = thrown(() => other.decrypt(AES_256_BODY));
    expect(error).toBeInstanceOf(PtsDecryptionError);
    expect(error).toMatchObject({ code: 'bad_padding' });
    expect((error as Error).message).not.toContain(SAFECODE);
  });

  it('refuses a ciphertext whose last block was damaged with bad_padding', () => {
    const bytes = Buffer.from(AES_256_BODY, 'base64');
    bytes[bytes.length - 1] ^= 0x01;
    const error = thrown(() => cipher.decrypt(bytes.toString('base64')));
    expect(error).toBeInstanceOf(PtsDecryptionError);
    expect(error).toMatchObject({ code: 'bad_padding' });
  });

  it('refuses a plaintext that is not UTF-8 with invalid_utf8', () => {
    // Encrypted with node's own AES so the padding checks and only the text is wrong.
    const aes = createCipheriv('aes-256-ecb', Buffer.from(SAFECODE), null);
    const body = Buffer.concat([
      aes.update(Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d])),
      aes.final(),
    ]).toString('base64');
    const error = thrown(() => cipher.decrypt(body));
    expect(error).toBeInstanceOf(PtsDecryptionError);
    expect(error).toMatchObject({ code: 'invalid_utf8' });
  });
});
