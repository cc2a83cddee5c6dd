import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { PtsKeyError } from '../errors/pts-error.js';

/** A key as merchants hold it: PEM (PKCS#8, PKCS#1, SPKI), bare base64 body, DER, or parsed. */
export type PtsKeyInput = string | Buffer | KeyObject;

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----/;

function bareBase64ToDer(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}

/**
 * Key text as given, trimmed; a PEM squeezed onto one line of a .env file (its line breaks
 * written as the two characters `\n`) gets its line breaks back.
 */
function pemText(input: string): string {
  const text = input.trim();
  return PEM_RE.test(text) && !text.includes('\n') ? text.replace(/\\n/g, '\n') : text;
}

function describe(option: string | undefined): string {
  return option ? `option \`${option}\`` : 'the key';
}

/**
 * Parses an RSA private key once (A3). Accepts PKCS#8 and PKCS#1 PEM, and the bare base64 body
 * of either (as merchant portals hand keys out). A public key here is a clear error.
 */
export function parsePtsPrivateKey(input: PtsKeyInput, option?: string): KeyObject {
  if (input instanceof KeyObject) {
    if (input.type !== 'private') {
      throw wrongType(option, input.type, 'private');
    }
    return assertRsa(input, option);
  }
  const text = Buffer.isBuffer(input) ? undefined : pemText(input);
  const pem = text?.match(PEM_RE);
  if (pem && pem[1].includes('PUBLIC')) {
    throw wrongType(option, 'public', 'private');
  }
  try {
    if (pem) return assertRsa(createPrivateKey({ key: text!, format: 'pem' }), option);
    const der = Buffer.isBuffer(input) ? input : bareBase64ToDer(text!);
    if (!der) throw new Error('not PEM and not base64');
    for (const type of ['pkcs8', 'pkcs1'] as const) {
      try {
        return assertRsa(createPrivateKey({ key: der, format: 'der', type }), option);
      } catch (error) {
        if (error instanceof PtsKeyError) throw error;
      }
    }
    if (looksLikePublicDer(der)) throw wrongType(option, 'public', 'private');
    throw new Error('neither PKCS#8 nor PKCS#1');
  } catch (error) {
    if (error instanceof PtsKeyError) throw error;
    throw new PtsKeyError({
      code: 'key_unparseable',
      message: `PTS: ${describe(option)} is not an RSA private key that can be read (PEM PKCS#8 or PKCS#1, or its bare base64 body). Paste the whole key as the merchant back office gave it.`,
      option,
      cause: error,
    });
  }
}

/** Parses an RSA public key once: SPKI or PKCS#1 PEM, or the bare base64 body of either. */
export function parsePtsPublicKey(input: PtsKeyInput, option?: string): KeyObject {
  if (input instanceof KeyObject) {
    if (input.type === 'private') {
      // A private key holds its public half, but configuring one is a mistake worth naming.
      throw wrongType(option, 'private', 'public');
    }
    return assertRsa(input, option);
  }
  const text = Buffer.isBuffer(input) ? undefined : pemText(input);
  const pem = text?.match(PEM_RE);
  if (pem && pem[1].includes('PRIVATE')) {
    throw wrongType(option, 'private', 'public');
  }
  try {
    if (pem) return assertRsa(createPublicKey({ key: text!, format: 'pem' }), option);
    const der = Buffer.isBuffer(input) ? input : bareBase64ToDer(text!);
    if (!der) throw new Error('not PEM and not base64');
    // createPublicKey quietly derives the public half of a private DER; refuse it first.
    if (looksLikePrivateDer(der)) throw wrongType(option, 'private', 'public');
    for (const type of ['spki', 'pkcs1'] as const) {
      try {
        return assertRsa(createPublicKey({ key: der, format: 'der', type }), option);
      } catch (error) {
        if (error instanceof PtsKeyError) throw error;
      }
    }
    throw new Error('neither SPKI nor PKCS#1');
  } catch (error) {
    if (error instanceof PtsKeyError) throw error;
    throw new PtsKeyError({
      code: 'key_unparseable',
      message: `PTS: ${describe(option)} is not an RSA public key that can be read (PEM SPKI or PKCS#1, or its bare base64 body). Use the gateway public key from the merchant back office.`,
      option,
      cause: error,
    });
  }
}

function looksLikePublicDer(der: Buffer): boolean {
  try {
    createPublicKey({ key: der, format: 'der', type: 'spki' });
    return true;
  } catch {
    try {
      createPublicKey({ key: der, format: 'der', type: 'pkcs1' });
      return true;
    } catch {
      return false;
    }
  }
}

function looksLikePrivateDer(der: Buffer): boolean {
  for (const type of ['pkcs8', 'pkcs1'] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type });
      return true;
    } catch {
      // try the next form
    }
  }
  return false;
}

function assertRsa(key: KeyObject, option: string | undefined): KeyObject {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new PtsKeyError({
      code: 'key_wrong_type',
      message: `PTS: ${describe(option)} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key; PTS signs with RSA (SHA256withRSA). Generate an RSA key pair.`,
      option,
    });
  }
  return key;
}

function wrongType(option: string | undefined, found: string, wanted: string): PtsKeyError {
  return new PtsKeyError({
    code: 'key_wrong_type',
    message: `PTS: ${describe(option)} holds a ${found} key where a ${wanted} key belongs. ${
      wanted === 'private'
        ? 'Use the merchant private key that matches the public key uploaded to PTS.'
        : 'Use the gateway public key from the merchant back office, never a private key.'
    }`,
    option,
  });
}
