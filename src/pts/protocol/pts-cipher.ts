import { createCipheriv, createDecipheriv } from 'node:crypto';
import { PtsConfigurationError, PtsDecryptionError } from '../errors/pts-error.js';

/** A2.3: `raw` uses the safecode bytes as they are; `zero-pad-256` NUL-pads to 32 like PHP. */
export type PtsAesKeyMode = 'raw' | 'zero-pad-256';

export interface PtsCipherOptions {
  safecode: string;
  aesKeyMode?: PtsAesKeyMode;
  /** Option name for error messages, e.g. `accounts[0].safecode`. */
  optionName?: string;
}

const AES_BY_KEY_LENGTH: Record<number, string> = {
  16: 'aes-128-ecb',
  24: 'aes-192-ecb',
  32: 'aes-256-ecb',
};

const STRICT_BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Checks a safecode; returns the AES key bytes or throws a configuration error (A2.3). */
export function ptsAesKey(safecode: string, mode: PtsAesKeyMode, optionName = 'safecode'): Buffer {
  const bytes = Buffer.from(safecode, 'utf8');
  if (mode === 'zero-pad-256') {
    if (bytes.length === 0 || bytes.length > 32) {
      throw safecodeError(bytes.length, optionName, 'at most 32 (aesKeyMode zero-pad-256)');
    }
    return Buffer.concat([bytes, Buffer.alloc(32 - bytes.length)]);
  }
  if (!AES_BY_KEY_LENGTH[bytes.length]) {
    throw safecodeError(bytes.length, optionName, '16, 24 or 32');
  }
  return bytes;
}

function safecodeError(length: number, optionName: string, wanted: string) {
  return new PtsConfigurationError({
    code: 'safecode_length',
    message: `PTS: option \`${optionName}\` has ${length} bytes; AES needs ${wanted}. Copy the safecode from the merchant back office, without spaces or quotes.`,
    option: optionName,
  });
}

/**
 * The A2 envelope: AES-ECB-PKCS7 keyed by the merchant safecode, standard base64 text.
 * ECB is what PTS mandates, not our choice.
 */
export class PtsCipher {
  private readonly key: Buffer;
  private readonly algorithm: string;

  constructor(options: PtsCipherOptions) {
    this.key = ptsAesKey(options.safecode, options.aesKeyMode ?? 'raw', options.optionName);
    this.algorithm = AES_BY_KEY_LENGTH[this.key.length];
  }

  /** UTF-8 text in, base64 ciphertext out. */
  encrypt(plaintext: string): string {
    const cipher = createCipheriv(this.algorithm, this.key, null);
    return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
  }

  /** Base64 ciphertext in, UTF-8 text out; every way it can be wrong is a typed error. */
  decrypt(body: string): string {
    const text = body.trim();
    if (text.length === 0) {
      throw new PtsDecryptionError({ code: 'empty_body', message: 'the envelope is empty' });
    }
    if (text.length % 4 !== 0 || !STRICT_BASE64_RE.test(text)) {
      throw new PtsDecryptionError({
        code: 'invalid_base64',
        message: 'the envelope is not standard base64',
      });
    }
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length === 0 || bytes.length % 16 !== 0) {
      throw new PtsDecryptionError({
        code: 'ciphertext_length',
        message: `the ciphertext has ${bytes.length} bytes, not a whole number of 16-byte AES blocks`,
      });
    }
    let plain: Buffer;
    try {
      const decipher = createDecipheriv(this.algorithm, this.key, null);
      plain = Buffer.concat([decipher.update(bytes), decipher.final()]);
    } catch (error) {
      throw new PtsDecryptionError({
        code: 'bad_padding',
        message:
          'the envelope does not decrypt with this safecode (PKCS#7 padding does not check): wrong safecode or damaged body',
        cause: error,
      });
    }
    try {
      return utf8.decode(plain);
    } catch (error) {
      throw new PtsDecryptionError({
        code: 'invalid_utf8',
        message: 'the decrypted envelope is not UTF-8 text',
        cause: error,
      });
    }
  }
}
