import { generateKeyPairSync, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PtsSandboxError } from './error.js';
import type { PtsSandboxMerchant } from './options.js';

/**
 * Everything a merchant and the sandbox gateway share, freshly made. Secrets: keep them out of
 * logs (print file paths instead, as `main.ts` does).
 */
export interface PtsSandboxCredentials {
  userId: string;
  /** 32 characters: AES-256 key and sign-string suffix (A2, A3). */
  safecode: string;
  /** v2 GUID of the merchant's paths. */
  guid: string;
  /** v2 HMAC key of `X-Transaction-Signature`. */
  transactionSecret: string;
  /** PEM PKCS#8. */
  merchantPrivateKeyPem: string;
  /** PEM SPKI: what the merchant "uploads" to the gateway. */
  merchantPublicKeyPem: string;
  /** PEM PKCS#8: the sandbox gateway's signing key. */
  gatewayPrivateKeyPem: string;
  /** PEM SPKI: what the merchant verifies gateway signatures with. */
  gatewayPublicKeyPem: string;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random string over letters and digits (no characters a shell or a .env file would mangle). */
export function randomAlphanumeric(length: number): string {
  let text = '';
  for (let i = 0; i < length; i += 1) text += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return text;
}

function rsaPemPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** Fresh credentials: two RSA 2048 key pairs, a numeric user id, a 32-character safecode. */
export function generateSandboxCredentials(): PtsSandboxCredentials {
  const merchant = rsaPemPair();
  const gateway = rsaPemPair();
  return {
    // PTS user ids are small numbers in every example ("1", "28").
    userId: String(randomInt(10_000, 100_000)),
    safecode: randomAlphanumeric(32),
    guid: randomUUID(),
    transactionSecret: randomBytes(24).toString('base64url'),
    merchantPrivateKeyPem: merchant.privateKeyPem,
    merchantPublicKeyPem: merchant.publicKeyPem,
    gatewayPrivateKeyPem: gateway.privateKeyPem,
    gatewayPublicKeyPem: gateway.publicKeyPem,
  };
}

/** The sandbox's view of a merchant made from credentials; `extra` sets the optional parts. */
export function sandboxMerchantFromCredentials(
  credentials: PtsSandboxCredentials,
  extra: Partial<Omit<PtsSandboxMerchant, 'userId' | 'safecode' | 'guid'>> = {},
): PtsSandboxMerchant {
  return {
    userId: credentials.userId,
    safecode: credentials.safecode,
    guid: credentials.guid,
    transactionSecret: credentials.transactionSecret,
    merchantPublicKey: credentials.merchantPublicKeyPem,
    ...extra,
  };
}

/** Where `loadOrCreateSandboxCredentials` keeps each part. */
export interface PtsSandboxCredentialFiles {
  /** All of it, JSON, mode 0600. */
  credentials: string;
  merchantPrivateKey: string;
  merchantPublicKey: string;
  gatewayPrivateKey: string;
  gatewayPublicKey: string;
}

export interface PtsSandboxStoredCredentials {
  credentials: PtsSandboxCredentials;
  files: PtsSandboxCredentialFiles;
  /** True when they were generated now, false when read back. */
  created: boolean;
}

const CREDENTIAL_FIELDS = [
  'userId',
  'safecode',
  'guid',
  'transactionSecret',
  'merchantPrivateKeyPem',
  'merchantPublicKeyPem',
  'gatewayPrivateKeyPem',
  'gatewayPublicKeyPem',
] as const satisfies readonly (keyof PtsSandboxCredentials)[];

/**
 * Reads `credentials.json` from `directory`, or generates credentials and writes them there
 * (with each key also as its own PEM file, so that `*_KEY_FILE` settings can point at them).
 * A restart therefore keeps the same merchant.
 */
export async function loadOrCreateSandboxCredentials(
  directory: string,
): Promise<PtsSandboxStoredCredentials> {
  const files: PtsSandboxCredentialFiles = {
    credentials: join(directory, 'credentials.json'),
    merchantPrivateKey: join(directory, 'merchant-private.pem'),
    merchantPublicKey: join(directory, 'merchant-public.pem'),
    gatewayPrivateKey: join(directory, 'gateway-private.pem'),
    gatewayPublicKey: join(directory, 'gateway-public.pem'),
  };
  let text: string | undefined;
  try {
    text = await readFile(files.credentials, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    return { credentials: parseStoredCredentials(text, files.credentials), files, created: false };
  }
  const credentials = generateSandboxCredentials();
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await writeSecret(files.credentials, `${JSON.stringify(credentials, null, 2)}\n`);
  await writeSecret(files.merchantPrivateKey, credentials.merchantPrivateKeyPem);
  await writeSecret(files.gatewayPrivateKey, credentials.gatewayPrivateKeyPem);
  await writeFile(files.merchantPublicKey, credentials.merchantPublicKeyPem);
  await writeFile(files.gatewayPublicKey, credentials.gatewayPublicKeyPem);
  return { credentials, files, created: true };
}

async function writeSecret(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: 0o600 });
  // writeFile keeps the mode of a file that already exists.
  await chmod(path, 0o600);
}

function parseStoredCredentials(text: string, path: string): PtsSandboxCredentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PtsSandboxError({
      code: 'credentials_unreadable',
      message: `PTS sandbox: ${path} is not JSON. Delete it to have new sandbox credentials generated.`,
      cause: error,
    });
  }
  const object = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  const missing = CREDENTIAL_FIELDS.filter((f) => typeof object[f] !== 'string' || !object[f]);
  if (missing.length > 0) {
    throw new PtsSandboxError({
      code: 'credentials_incomplete',
      message: `PTS sandbox: ${path} lacks ${missing.join(', ')}. Delete it to have new sandbox credentials generated.`,
    });
  }
  return Object.fromEntries(
    CREDENTIAL_FIELDS.map((f) => [f, object[f]]),
  ) as unknown as PtsSandboxCredentials;
}
