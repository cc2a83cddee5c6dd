import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServiceConfig, ServiceConfigError, type Env } from './service-config.js';

const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const PUBLIC = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const dir = mkdtempSync(join(tmpdir(), 'pts-config-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const production: Env = {
  PTS_BASE_URL: 'https://pts.example.com',
  PTS_USER_ID: '42',
  PTS_SAFECODE: '0123456789abcdef0123456789abcdef',
  PTS_GUID: '7b0c6f1e-1111-2222-3333-444455556666',
  PTS_TRANSACTION_SECRET: 'a-transaction-secret',
  PTS_MERCHANT_PRIVATE_KEY: PRIVATE,
  PTS_GATEWAY_PUBLIC_KEY: PUBLIC,
  ADMIN_API_KEYS: 'admin:0123456789abcdef0123,viewer:abcdefabcdefabcdef12',
};

function problemsOf(env: Env): string[] {
  try {
    loadServiceConfig(env, '/srv');
  } catch (error) {
    if (error instanceof ServiceConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('loadServiceConfig', () => {
  it('needs nothing at all for the sandbox', () => {
    const config = loadServiceConfig({}, '/srv');
    expect(config).toMatchObject({ port: 3000, dataDir: '/srv/.data', timeoutMs: 10000 });
    expect(config.gateway).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
    expect(config.adminKeys).toBeUndefined();
    expect(config.databasePoolSize).toBe(10);
  });

  it('sizes the database pool from DB_POOL_SIZE', () => {
    expect(loadServiceConfig({ DB_POOL_SIZE: '20' }, '/srv').databasePoolSize).toBe(20);
  });

  it('reads a complete production configuration', () => {
    const config = loadServiceConfig({ ...production, DATABASE_URL: 'postgres://db/pts' }, '/srv');
    expect(config.gateway?.accounts).toHaveLength(1);
    expect(config.gateway?.accounts[0]).toMatchObject({
      name: 'default',
      apiVersion: 'v2',
      userId: '42',
      baseUrl: 'https://pts.example.com',
    });
    expect(config.adminKeys?.map((k) => k.role)).toEqual(['admin', 'viewer']);
  });

  it.each([
    'PTS_USER_ID',
    'PTS_SAFECODE',
    'PTS_GUID',
    'PTS_TRANSACTION_SECRET',
    'PTS_MERCHANT_PRIVATE_KEY',
    'PTS_GATEWAY_PUBLIC_KEY',
    'ADMIN_API_KEYS',
  ])('names %s when it is missing in production', (name) => {
    const env = { ...production, [name]: undefined };
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
  });

  it.each<[string, Env, string]>([
    ['a 20-character safecode', { PTS_SAFECODE: 'x'.repeat(20) }, 'PTS_SAFECODE has 20 bytes'],
    [
      'a private key that does not parse',
      { PTS_MERCHANT_PRIVATE_KEY: 'not a key' },
      'PTS_MERCHANT_PRIVATE_KEY',
    ],
    [
      'a public key given as the private key',
      { PTS_MERCHANT_PRIVATE_KEY: PUBLIC },
      'PTS_MERCHANT_PRIVATE_KEY',
    ],
    [
      'a private key given as the gateway key',
      { PTS_GATEWAY_PUBLIC_KEY: PRIVATE },
      'PTS_GATEWAY_PUBLIC_KEY',
    ],
    [
      'an unknown API version',
      { PTS_API_VERSION: 'v3' },
      `PTS_API_VERSION is "v3"; it must be 'v2' (paths /merchant/v2/{guid}/..., the default) or 'v1'`,
    ],
    ['a base URL that is not a URL', { PTS_BASE_URL: 'pts.example.com' }, 'PTS_BASE_URL'],
    ['a port that is not a number', { PORT: 'eighty' }, 'PORT must be a whole number'],
    ['a timeout of zero', { PTS_TIMEOUT_MS: '0' }, 'PTS_TIMEOUT_MS'],
    ['a database URL of another kind', { DATABASE_URL: 'mysql://db' }, 'DATABASE_URL'],
    ['a database pool of none', { DB_POOL_SIZE: '0' }, 'DB_POOL_SIZE must be a whole number'],
    [
      'an allowed IP that is not one',
      { PTS_CALLBACK_ALLOWED_IPS: '10.0.0.0/33' },
      'PTS_CALLBACK_ALLOWED_IPS',
    ],
    [
      'an admin key with an unknown role',
      { ADMIN_API_KEYS: 'root:0123456789abcdef0123' },
      'ADMIN_API_KEYS',
    ],
    ['a short admin key', { ADMIN_API_KEYS: 'admin:short' }, 'at least 16'],
  ])('names the variable for %s', (_what, change, expected) => {
    const problems = problemsOf({ ...production, ...change });
    expect(problems.join('\n')).toContain(expected);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({
      PTS_BASE_URL: 'https://pts.example.com',
      PTS_SAFECODE: 'short',
      PORT: '-1',
    });
    const text = problems.join('\n');
    for (const name of [
      'PORT',
      'PTS_USER_ID',
      'PTS_SAFECODE',
      'PTS_MERCHANT_PRIVATE_KEY',
      'PTS_GATEWAY_PUBLIC_KEY',
      'PTS_GUID',
      'PTS_TRANSACTION_SECRET',
      'ADMIN_API_KEYS',
    ]) {
      expect(text).toContain(name);
    }
    expect(problems.length).toBeGreaterThanOrEqual(8);
  });

  it('reads PTS_RECONCILE_DELAYS and refuses a schedule that does not grow', () => {
    expect(loadServiceConfig({ PTS_RECONCILE_DELAYS: '30s, 2m,1h' }, '/srv').reconcileDelays).toBe(
      '30s, 2m,1h',
    );
    expect(loadServiceConfig({}, '/srv').reconcileDelays).toBeUndefined();
    expect(problemsOf({ PTS_RECONCILE_DELAYS: '5m,1m' }).join('\n')).toContain(
      'PTS_RECONCILE_DELAYS must grow',
    );
    expect(problemsOf({ PTS_RECONCILE_DELAYS: '1m,soon' }).join('\n')).toContain('"soon"');
    expect(problemsOf({ PTS_RECONCILE_NOT_FOUND_GRACE: 'a bit' }).join('\n')).toContain(
      'PTS_RECONCILE_NOT_FOUND_GRACE',
    );
  });

  it('never repeats a secret in its messages', () => {
    const text = problemsOf({ ...production, PTS_SAFECODE: 'secret-safecode-x' }).join('\n');
    expect(text).not.toContain('secret-safecode-x');
  });

  it('reads keys and secrets from *_FILE variables, and refuses both forms at once', () => {
    const keyFile = join(dir, 'merchant.pem');
    writeFileSync(keyFile, PRIVATE);
    const config = loadServiceConfig(
      {
        ...production,
        PTS_MERCHANT_PRIVATE_KEY: undefined,
        PTS_MERCHANT_PRIVATE_KEY_FILE: keyFile,
      },
      '/srv',
    );
    expect(config.gateway?.accounts[0].merchantPrivateKey).toBe(PRIVATE.trim());
    expect(problemsOf({ ...production, PTS_MERCHANT_PRIVATE_KEY_FILE: keyFile }).join()).toContain(
      'both set',
    );
    expect(
      problemsOf({
        ...production,
        PTS_MERCHANT_PRIVATE_KEY: undefined,
        PTS_MERCHANT_PRIVATE_KEY_FILE: join(dir, 'missing.pem'),
      }).join(),
    ).toContain('cannot read');
  });

  it('accepts a PEM squeezed onto one line with literal \\n, as .env files hold it', () => {
    const config = loadServiceConfig(
      { ...production, PTS_GATEWAY_PUBLIC_KEY: PUBLIC.trim().replace(/\n/g, '\\n') },
      '/srv',
    );
    expect(config.gateway?.accounts[0].gatewayPublicKey).toBe(PUBLIC.trim());
  });

  it('configures further accounts with PTS_ACCOUNTS and prefixed variables', () => {
    const config = loadServiceConfig(
      {
        ...production,
        PTS_ACCOUNTS: 'legacy',
        PTS_LEGACY_API_VERSION: 'v1',
        PTS_LEGACY_USER_ID: '7',
        PTS_LEGACY_SAFECODE: '0123456789abcdef',
        PTS_LEGACY_MERCHANT_PRIVATE_KEY: PRIVATE,
        PTS_LEGACY_GATEWAY_PUBLIC_KEY: PUBLIC,
        PTS_CALLBACK_BASE_URL: 'https://shop.example.com',
      },
      '/srv',
    );
    expect(config.gateway?.accounts.map((a) => [a.name, a.apiVersion, a.userId])).toEqual([
      ['default', 'v2', '42'],
      ['legacy', 'v1', '7'],
    ]);
    const missing = problemsOf({
      ...production,
      PTS_ACCOUNTS: 'legacy',
      PTS_LEGACY_API_VERSION: 'v1',
    });
    expect(missing.join('\n')).toContain('PTS_LEGACY_USER_ID');
    expect(missing.join('\n')).toContain('PTS_CALLBACK_BASE_URL');
  });

  describe('hardening settings (docs/hardening.md)', () => {
    it('defaults: database timeouts, rate limits, ops behind a key in production and open in the sandbox', () => {
      const config = loadServiceConfig(production, '/srv');
      expect(config.hardening).toEqual({
        databaseTimeouts: {
          connectMs: 2000,
          poolWaitMs: 2000,
          statementMs: 3000,
          idleInTransactionMs: 60000,
        },
        rateLimits: {
          callbacks: { limit: 600, windowMs: 60000 },
          admin: { limit: 300, windowMs: 60000 },
        },
        opsAccess: { mode: 'key' },
        trustProxy: undefined,
      });
      expect(loadServiceConfig({}, '/srv').hardening.opsAccess).toEqual({ mode: 'open' });
    });

    it('reads every variable', () => {
      const config = loadServiceConfig(
        {
          ...production,
          DB_CONNECT_TIMEOUT_MS: '1500',
          DB_POOL_WAIT_MS: '2500',
          DB_STATEMENT_TIMEOUT_MS: '0',
          DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '60000',
          CALLBACK_RATE_LIMIT: '0',
          ADMIN_RATE_LIMIT: '60',
          OPS_PORT: '9464',
          OPS_HOST: '0.0.0.0',
          TRUST_PROXY: 'loopback, 10.0.0.0/8',
        },
        '/srv',
      );
      expect(config.hardening).toEqual({
        databaseTimeouts: {
          connectMs: 1500,
          poolWaitMs: 2500,
          statementMs: 0,
          idleInTransactionMs: 60000,
        },
        rateLimits: {
          callbacks: { limit: 0, windowMs: 60000 },
          admin: { limit: 60, windowMs: 60000 },
        },
        opsAccess: { mode: 'port', port: 9464, host: '0.0.0.0' },
        trustProxy: 'loopback, 10.0.0.0/8',
      });
    });

    it('names each malformed one', () => {
      const problems = problemsOf({
        ...production,
        DB_STATEMENT_TIMEOUT_MS: '3s',
        ADMIN_RATE_LIMIT: '-1',
        OPS_PORT: '70000',
        OPS_ACCESS: 'public',
        TRUST_PROXY: 'everyone',
      });
      for (const name of [
        'DB_STATEMENT_TIMEOUT_MS',
        'ADMIN_RATE_LIMIT',
        'OPS_PORT',
        'TRUST_PROXY',
      ]) {
        expect(
          problems.some((p) => p.startsWith(name)),
          name,
        ).toBe(true);
      }
      expect(problemsOf({ ...production, OPS_ACCESS: 'public' })).toEqual([
        'OPS_ACCESS must be "key" or "open", got "public"',
      ]);
    });
  });
});
