import { createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PtsConfigurationError, PtsKeyError } from '../errors/pts-error.js';
import { parsePtsPrivateKey, parsePtsPublicKey } from './pts-keys.js';
import { thrown } from '../../../test/support/thrown.js';

// Test keys, generated once per file (common.md: never a real key in the repository).
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** The bare base64 body of a PEM, as merchant portals hand keys out. */
function bareBody(pem: string): string {
  return pem
    .split('\n')
    .filter((line) => !line.startsWith('-----'))
    .join('\n');
}

const privatePem = {
  pkcs8: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  pkcs1: rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
};
const publicPem = {
  spki: rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  pkcs1: rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string,
};
const privateDer = {
  pkcs8: rsa.privateKey.export({ type: 'pkcs8', format: 'der' }),
  pkcs1: rsa.privateKey.export({ type: 'pkcs1', format: 'der' }),
};
const publicDer = {
  spki: rsa.publicKey.export({ type: 'spki', format: 'der' }),
  pkcs1: rsa.publicKey.export({ type: 'pkcs1', format: 'der' }),
};

function expectKeyError(fn: () => unknown, code: string, option?: string): PtsKeyError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(PtsKeyError);
  expect(error).toBeInstanceOf(PtsConfigurationError);
  expect(error).toMatchObject({ code });
  if (option !== undefined) {
    expect(error).toMatchObject({ option });
    expect((error as Error).message).toContain(`\`${option}\``);
  }
  return error as PtsKeyError;
}

function sameKey(a: KeyObject, b: KeyObject): boolean {
  return a.equals(b);
}

describe('parsePtsPrivateKey accepts every form merchants hold', () => {
  it.each([
    ['a PKCS#8 PEM', privatePem.pkcs8],
    ['a PKCS#1 PEM', privatePem.pkcs1],
    [
      'a PKCS#8 PEM with CRLF line ends and blank lines around it',
      `\r\n${privatePem.pkcs8.replace(/\n/g, '\r\n')}\n\n`,
    ],
    [
      'a PKCS#8 PEM on one line with literal \\n, as a .env file holds it',
      privatePem.pkcs8.trim().replace(/\n/g, '\\n'),
    ],
    ['the bare base64 body of a PKCS#8 PEM', bareBody(privatePem.pkcs8)],
    ['the bare base64 body of a PKCS#1 PEM', bareBody(privatePem.pkcs1)],
    ['a bare base64 body on one line', privateDer.pkcs8.toString('base64')],
    ['a PKCS#8 DER buffer', privateDer.pkcs8],
    ['a PKCS#1 DER buffer', privateDer.pkcs1],
    ['a KeyObject', rsa.privateKey],
  ])('parses %s', (_form, input) => {
    const key = parsePtsPrivateKey(input);
    expect(key.type).toBe('private');
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(sameKey(key, rsa.privateKey)).toBe(true);
  });
});

describe('parsePtsPublicKey accepts every form merchants hold', () => {
  it.each([
    ['an SPKI PEM', publicPem.spki],
    ['a PKCS#1 public PEM', publicPem.pkcs1],
    ['an SPKI PEM on one line with literal \\n', publicPem.spki.trim().replace(/\n/g, '\\n')],
    ['the bare base64 body of an SPKI PEM', bareBody(publicPem.spki)],
    ['the bare base64 body of a PKCS#1 public PEM', bareBody(publicPem.pkcs1)],
    ['an SPKI DER buffer', publicDer.spki],
    ['a PKCS#1 DER buffer', publicDer.pkcs1],
    ['a KeyObject', rsa.publicKey],
  ])('parses %s', (_form, input) => {
    const key = parsePtsPublicKey(input);
    expect(key.type).toBe('public');
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(sameKey(key, rsa.publicKey)).toBe(true);
  });
});

describe('parsePtsPrivateKey refuses what is not an RSA private key', () => {
  it.each([
    ['an SPKI PEM', publicPem.spki],
    ['a PKCS#1 public PEM', publicPem.pkcs1],
    ['the bare body of an SPKI PEM', bareBody(publicPem.spki)],
    ['the bare body of a PKCS#1 public PEM', bareBody(publicPem.pkcs1)],
    ['an SPKI DER buffer', publicDer.spki],
    ['a public KeyObject', rsa.publicKey],
  ])('refuses a public key given as %s with key_wrong_type', (_form, input) => {
    const error = expectKeyError(
      () => parsePtsPrivateKey(input, 'accounts[0].merchantPrivateKey'),
      'key_wrong_type',
      'accounts[0].merchantPrivateKey',
    );
    expect(error.message).toContain('public key where a private key belongs');
  });

  it.each([
    ['PKCS#8 PEM', ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string],
    ['SEC1 PEM', ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string],
    ['bare base64', ec.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')],
    ['KeyObject', ec.privateKey],
  ])('refuses an EC private key (%s) with key_wrong_type', (_form, input) => {
    const error = expectKeyError(() => parsePtsPrivateKey(input, 'key'), 'key_wrong_type', 'key');
    expect(error.message).toContain('RSA');
  });

  it('refuses a secret KeyObject with key_wrong_type', () => {
    expectKeyError(() => parsePtsPrivateKey(createSecretKey(Buffer.alloc(32))), 'key_wrong_type');
  });

  it.each([
    ['a word', 'hello'],
    ['an empty string', ''],
    ['a PEM with a damaged body', privatePem.pkcs8.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!')],
    ['a truncated PEM', privatePem.pkcs8.slice(0, 300)],
    ['base64 of something else', Buffer.from('not a key at all').toString('base64')],
    ['random bytes', Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37) % 256))],
  ])('refuses %s with key_unparseable', (_form, input) => {
    const error = expectKeyError(
      () => parsePtsPrivateKey(input, 'accounts[0].merchantPrivateKey'),
      'key_unparseable',
      'accounts[0].merchantPrivateKey',
    );
    expect(error.message).toContain('not an RSA private key');
  });

  it('never puts key material into the message', () => {
    const body = bareBody(privatePem.pkcs8).replace(/\n/g, '');
    const error = thrown(() => parsePtsPrivateKey(`${body.slice(0, 200)}@@@`));
    expect((error as Error).message).not.toContain(body.slice(0, 40));
  });
});

describe('parsePtsPublicKey refuses what is not an RSA public key', () => {
  it.each([
    ['a PKCS#8 PEM', privatePem.pkcs8],
    ['a PKCS#1 PEM', privatePem.pkcs1],
    ['the bare body of a PKCS#8 PEM', bareBody(privatePem.pkcs8)],
    ['the bare body of a PKCS#1 PEM', bareBody(privatePem.pkcs1)],
    ['a PKCS#8 DER buffer', privateDer.pkcs8],
    ['a PKCS#1 DER buffer', privateDer.pkcs1],
    ['a private KeyObject', rsa.privateKey],
  ])('refuses a private key given as %s with key_wrong_type', (_form, input) => {
    const error = expectKeyError(
      () => parsePtsPublicKey(input, 'accounts[0].gatewayPublicKey'),
      'key_wrong_type',
      'accounts[0].gatewayPublicKey',
    );
    expect(error.message).toContain('private key where a public key belongs');
  });

  it.each([
    ['SPKI PEM', ec.publicKey.export({ type: 'spki', format: 'pem' }) as string],
    ['bare base64', ec.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')],
    ['DER buffer', ec.publicKey.export({ type: 'spki', format: 'der' })],
    ['KeyObject', ec.publicKey],
  ])('refuses an EC public key (%s) with key_wrong_type', (_form, input) => {
    expectKeyError(() => parsePtsPublicKey(input, 'key'), 'key_wrong_type', 'key');
  });

  it.each([
    ['a word', 'hello'],
    ['an empty string', ''],
    ['a truncated PEM', publicPem.spki.slice(0, 120)],
    ['base64 of something else', Buffer.from('not a key at all').toString('base64')],
    ['random bytes', Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37) % 256))],
  ])('refuses %s with key_unparseable', (_form, input) => {
    const error = expectKeyError(
      () => parsePtsPublicKey(input, 'accounts[0].gatewayPublicKey'),
      'key_unparseable',
      'accounts[0].gatewayPublicKey',
    );
    expect(error.message).toContain('not an RSA public key');
  });

  it('says "the key" when no option name is given', () => {
    const error = thrown(() => parsePtsPublicKey('hello'));
    expect((error as Error).message).toContain('the key');
  });
});
