import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataSourceOptions } from '../../src/app/database/data-source-options.js';
import {
  PtsAccounts,
  PtsCipher,
  PtsClient,
  PtsConfigurationErrors,
  PtsMetrics,
  PtsModule,
  PtsSettings,
  PtsSigner,
  PtsUnknownAccountError,
  type PtsAccountOptions,
  type PtsModuleOptions,
  type PtsOptionsFactory,
} from '../../src/pts/index.js';
import { ptsMessageSpec } from '../../src/pts/protocol/pts-fields.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { ptsTestKeys } from './support/pts-test-keys.js';

const keys = ptsTestKeys();

function account(overrides: Partial<Record<keyof PtsAccountOptions, unknown>> = {}) {
  return {
    name: 'main',
    baseUrl: 'http://127.0.0.1:9/',
    userId: '1001',
    safecode: '0123456789abcdef0123456789abcdef',
    merchantPrivateKey: keys.merchantPrivateKeyPem,
    gatewayPublicKey: keys.gatewayPublicKeyPem,
    guid: 'guid-1001',
    transactionSecret: 'test_transaction_secret',
    ...overrides,
  } as PtsAccountOptions;
}

function options(overrides: Partial<PtsModuleOptions> = {}): PtsModuleOptions {
  return { accounts: [account()], timeoutMs: 2500, ...overrides };
}

@Injectable()
class PtsTestOptionsFactory implements PtsOptionsFactory {
  createPtsOptions(): PtsModuleOptions {
    return options();
  }
}

@Module({ providers: [PtsTestOptionsFactory], exports: [PtsTestOptionsFactory] })
class PtsTestOptionsModule {}

const styles: [string, () => DynamicModule][] = [
  ['forRoot', () => PtsModule.forRoot(options())],
  [
    'forRootAsync with useFactory',
    () =>
      PtsModule.forRootAsync({
        imports: [PtsTestOptionsModule],
        inject: [PtsTestOptionsFactory],
        useFactory: async (factory: PtsTestOptionsFactory) => factory.createPtsOptions(),
      }),
  ],
  ['forRootAsync with useClass', () => PtsModule.forRootAsync({ useClass: PtsTestOptionsFactory })],
  [
    'forRootAsync with useExisting',
    () =>
      PtsModule.forRootAsync({
        imports: [PtsTestOptionsModule],
        useExisting: PtsTestOptionsFactory,
      }),
  ],
];

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('client_module');
});

afterAll(async () => {
  await db.drop();
});

async function boot(pts: DynamicModule): Promise<TestingModule> {
  return Test.createTestingModule({
    imports: [TypeOrmModule.forRoot(buildDataSourceOptions(db.settings)), pts],
  }).compile();
}

describe.each(styles)('PtsModule configured with %s', (_style, build) => {
  let moduleRef: TestingModule;

  beforeAll(async () => {
    moduleRef = await boot(build());
  });

  afterAll(async () => {
    await moduleRef.close();
  });

  it('resolves the client, signer, cipher, metrics and the resolved settings', () => {
    expect(moduleRef.get(PtsClient)).toBeInstanceOf(PtsClient);
    expect(moduleRef.get(PtsSigner)).toBeInstanceOf(PtsSigner);
    expect(moduleRef.get(PtsCipher)).toBeInstanceOf(PtsCipher);
    expect(moduleRef.get(PtsMetrics)).toBeInstanceOf(PtsMetrics);
    const settings = moduleRef.get(PtsSettings);
    expect(settings).toMatchObject({
      timeoutMs: 2500,
      verifyResponses: 'strict',
      retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 2000 },
      defaultAccount: 'main',
    });
  });

  it('resolves the same account with defaults applied and the base URL normalised', () => {
    const accounts = moduleRef.get(PtsAccounts);
    const main = accounts.get();
    expect(main.toJSON()).toEqual({
      name: 'main',
      apiVersion: 'v2',
      baseUrl: 'http://127.0.0.1:9',
      userId: '1001',
      guid: 'guid-1001',
    });
    expect(accounts.byUserId('1001')).toBe(main);
    expect(accounts.all()).toEqual([main]);
  });

  it('injects the default account signer and cipher, which sign and encrypt as the keys say', () => {
    const signer = moduleRef.get(PtsSigner);
    const cipher = moduleRef.get(PtsCipher);
    expect(signer).toBe(moduleRef.get(PtsAccounts).get().signer);
    const spec = ptsMessageSpec('v2', 'paymentQueryRequest');
    const fields = { user_id: '1001', order_id: 'A1', timestamp: 1704067200 };
    // PKCS#1 v1.5 is deterministic: the same key signs the same string identically everywhere.
    expect(signer.sign(spec, fields)).toBe(
      new PtsSigner({
        privateKey: keys.merchantPrivateKeyPem,
        safecode: '0123456789abcdef0123456789abcdef',
      }).sign(spec, fields),
    );
    expect(cipher.decrypt(cipher.encrypt('{"a":1}'))).toBe('{"a":1}');
  });

  it('never shows the safecode or the transaction secret when an account is logged', () => {
    const main = moduleRef.get(PtsAccounts).get();
    const shown = `${JSON.stringify(main)} ${String(Object.keys(main))}`;
    expect(shown).not.toContain('0123456789abcdef');
    expect(shown).not.toContain('test_transaction_secret');
  });
});

describe('PtsModule with several accounts', () => {
  it('finds accounts by name and by user id, and refuses an unknown name', async () => {
    const moduleRef = await boot(
      PtsModule.forRoot({
        accounts: [account(), account({ name: 'second', userId: '2002', guid: 'guid-2002' })],
        defaultAccount: 'second',
      }),
    );
    try {
      const accounts = moduleRef.get(PtsAccounts);
      expect(accounts.get().name).toBe('second');
      expect(accounts.get('main').userId).toBe('1001');
      expect(accounts.byUserId('2002')?.name).toBe('second');
      expect(accounts.byUserId('3003')).toBeUndefined();
      expect(() => accounts.get('nope')).toThrow(PtsUnknownAccountError);
      await expect(
        moduleRef.get(PtsClient).queryPayment('X1', { account: 'nope' }),
      ).rejects.toMatchObject({ code: 'unknown_account' });
      expect(moduleRef.get(PtsSigner)).toBe(accounts.get('second').signer);
    } finally {
      await moduleRef.close();
    }
  });
});

describe('PtsModule refusing to boot', () => {
  async function bootError(raw: unknown): Promise<PtsConfigurationErrors> {
    const error: unknown = await boot(PtsModule.forRoot(raw as PtsModuleOptions)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PtsConfigurationErrors);
    return error as PtsConfigurationErrors;
  }

  it.each([
    ['no accounts at all', { accounts: [] }, 'accounts', /at least one merchant account/],
    ['missing accounts option', {}, 'accounts', /`accounts` is missing/],
    [
      'a safecode of the wrong length',
      { accounts: [account({ safecode: '0123456789abcdef0123' })] },
      'accounts[0].safecode',
      /has 20 bytes; AES needs 16, 24 or 32\. Copy the safecode from the merchant back office/,
    ],
    [
      'a private key that does not parse',
      { accounts: [account({ merchantPrivateKey: 'not a key at all' })] },
      'accounts[0].merchantPrivateKey',
      /is not an RSA private key that can be read/,
    ],
    [
      'a public key given where the private key belongs',
      { accounts: [account({ merchantPrivateKey: keys.merchantPublicKeyPem })] },
      'accounts[0].merchantPrivateKey',
      /holds a public key where a private key belongs/,
    ],
    [
      'a private key given where the gateway public key belongs',
      { accounts: [account({ gatewayPublicKey: keys.gatewayPrivateKeyPem })] },
      'accounts[0].gatewayPublicKey',
      /holds a private key where a public key belongs/,
    ],
    [
      'an unknown apiVersion',
      { accounts: [account({ apiVersion: 'v3' })] },
      'accounts[0].apiVersion',
      /is "v3"; it must be 'v2' .* or 'v1'/,
    ],
    [
      'a v2 account without guid',
      { accounts: [account({ guid: undefined })] },
      'accounts[0].guid',
      /is missing; it is the merchant GUID .*API Docking -> GUID/,
    ],
    [
      'a v2 account without transaction secret',
      { accounts: [account({ transactionSecret: undefined })] },
      'accounts[0].transactionSecret',
      /is missing; it is the HMAC key of X-Transaction-Signature/,
    ],
    [
      'a base URL that is not a URL',
      { accounts: [account({ baseUrl: 'pts.example' })] },
      'accounts[0].baseUrl',
      /is not an absolute http\(s\) URL/,
    ],
    [
      'a v1 account without callbackBaseUrl',
      { accounts: [account({ apiVersion: 'v1', guid: undefined, transactionSecret: undefined })] },
      'callbackBaseUrl',
      /`callback_url` is required and signed/,
    ],
    [
      'a timeout of zero',
      { accounts: [account()], timeoutMs: 0 },
      'timeoutMs',
      /whole number of milliseconds from 1 to 600000/,
    ],
    [
      'a misspelt option',
      { accounts: [account({ safeCode: 'x' } as never)] },
      'accounts[0].safeCode',
      /did you mean `safecode`\?/,
    ],
  ])('fails clearly for %s', async (_case, raw, option, message) => {
    const error = await bootError(raw);
    const problem = error.problems.find((p) => p.option === option);
    expect(problem?.message).toMatch(message);
    expect(error.message).toContain(`\`${option}\``);
  });

  it('lists every problem at once, each naming its option', async () => {
    const error = await bootError({
      accounts: [
        account({ safecode: 'short', merchantPrivateKey: keys.gatewayPublicKeyPem }),
        account({ apiVersion: 'v9', guid: '' }),
      ],
      timeoutMs: -5,
      verifyResponses: 'sometimes',
    });
    expect(error.problems.map((p) => p.option).sort()).toEqual(
      [
        'accounts[0].merchantPrivateKey',
        'accounts[0].safecode',
        'accounts[1].apiVersion',
        'accounts[1].name',
        'timeoutMs',
        'verifyResponses',
      ].sort(),
    );
    expect(error.message).toMatch(/^PTS: 6 configuration problem\(s\):\n/);
  });

  it('never quotes a secret in its messages', async () => {
    const error = await bootError({
      accounts: [account({ safecode: 'SECRET-SAFECODE-20ch', transactionSecret: 42 })],
    });
    expect(error.message).not.toContain('SECRET-SAFECODE');
    expect(error.message).not.toContain('42');
    expect(error.problems.map((p) => p.option)).toEqual([
      'accounts[0].safecode',
      'accounts[0].transactionSecret',
    ]);
  });
});
