import { createSign, createVerify } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateSandboxCredentials,
  loadOrCreateSandboxCredentials,
  sandboxMerchantFromCredentials,
} from './credentials.js';

describe('sandbox credentials', () => {
  const c = generateSandboxCredentials();
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'pts-sandbox-credentials-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('are fresh: numeric user id, 32-character safecode, UUID guid, matching PEM key pairs', () => {
    expect(c.userId).toMatch(/^\d+$/);
    expect(c.safecode).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(c.guid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(c.transactionSecret.length).toBeGreaterThanOrEqual(32);
    expect(c.merchantPrivateKeyPem).toMatch(/^-----BEGIN PRIVATE[ ]KEY-----\n/); // PKCS#8
    expect(c.gatewayPublicKeyPem).toContain('-----BEGIN PUBLIC KEY-----');
    for (const [priv, pub] of [
      [c.merchantPrivateKeyPem, c.merchantPublicKeyPem],
      [c.gatewayPrivateKeyPem, c.gatewayPublicKeyPem],
    ]) {
      const signature = createSign('sha256').update('x').sign(priv);
      expect(createVerify('sha256').update('x').verify(pub, signature)).toBe(true);
    }
  });

  it('become a sandbox merchant with the public key only', () => {
    const merchant = sandboxMerchantFromCredentials(c, {
      withdrawConfirmUrl: 'http://127.0.0.1:1/c',
    });
    expect(merchant).toEqual({
      userId: c.userId,
      safecode: c.safecode,
      guid: c.guid,
      transactionSecret: c.transactionSecret,
      merchantPublicKey: c.merchantPublicKeyPem,
      withdrawConfirmUrl: 'http://127.0.0.1:1/c',
    });
  });

  it('are generated into a directory once (secrets mode 0600) and read back after', async () => {
    const dir = join(directory, 'once');
    const first = await loadOrCreateSandboxCredentials(dir);
    expect(first.created).toBe(true);
    expect(first.credentials.safecode).not.toBe(c.safecode);
    expect((await stat(first.files.credentials)).mode & 0o777).toBe(0o600);
    expect((await stat(first.files.merchantPrivateKey)).mode & 0o777).toBe(0o600);
    expect(await readFile(first.files.gatewayPublicKey, 'utf8')).toBe(
      first.credentials.gatewayPublicKeyPem,
    );
    const second = await loadOrCreateSandboxCredentials(dir);
    expect(second.created).toBe(false);
    expect(second.credentials).toEqual(first.credentials);
  });

  it('refuses an incomplete credentials file, saying how to recover', async () => {
    const dir = join(directory, 'broken');
    await loadOrCreateSandboxCredentials(dir);
    await writeFile(join(dir, 'credentials.json'), JSON.stringify({ userId: '1' }));
    await expect(loadOrCreateSandboxCredentials(dir)).rejects.toThrow(/lacks safecode.*Delete it/);
  });
});
