import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkPtsModuleOptions, PTS_DEFAULT_SETTINGS } from 'pts-nest';
import { PtsSandbox } from 'pts-nest/testing';
import { loadServiceConfig, ServiceConfigError, type Env } from './service-config.js';

const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const PUBLIC = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;

/** What follows the option's name in each surface's message: the rule's own words. */
const rule = (message: string, name: string) => message.slice(message.indexOf(name) + name.length);

function moduleProblem(options: Record<string, unknown>, option: string): string {
  const problem = checkPtsModuleOptions(options, { accountsLater: true }).find(
    (p) => p.option === option,
  );
  return problem?.message ?? '';
}

function envProblem(env: Env, name: string): string {
  try {
    loadServiceConfig(env, '/srv');
  } catch (error) {
    if (error instanceof ServiceConfigError) return error.problems.find((p) => p.includes(name))!;
    throw error;
  }
  return '';
}

async function sandboxProblem(options: Record<string, unknown>, option: string): Promise<string> {
  const error = await PtsSandbox.start({
    gatewayPrivateKey: PRIVATE,
    merchants: [
      {
        userId: '1',
        safecode: '0123456789abcdef',
        guid: 'g',
        transactionSecret: 's',
        merchantPublicKey: PUBLIC,
      },
    ],
    ...options,
  }).then(
    async (sandbox) => {
      await sandbox.stop();
      return undefined;
    },
    (e: unknown) => e as Error,
  );
  return error?.message.split('\n').find((line) => line.includes(`\`${option}\``)) ?? '';
}

describe('one schema for the module, the service environment and the sandbox', () => {
  it.each([0, 600_001, 'soon'])(
    'words a bad timeout (%s) once: the same rule and range from all three',
    async (value) => {
      const fromModule = moduleProblem({ timeoutMs: value }, 'timeoutMs');
      const fromEnv = envProblem({ PTS_TIMEOUT_MS: String(value) }, 'PTS_TIMEOUT_MS');
      const fromSandbox = await sandboxProblem({ callbackTimeoutMs: value }, 'callbackTimeoutMs');
      const words = `is ${typeof value === 'string' ? `"${value}"` : value}; it must be a whole number of milliseconds from 1 to 600000.`;
      expect(rule(fromModule, '`timeoutMs`')).toBe(` ${words}`);
      expect(rule(fromEnv, 'PTS_TIMEOUT_MS')).toBe(` ${words}`);
      expect(rule(fromSandbox, '`callbackTimeoutMs`')).toBe(` ${words}`);
    },
  );

  it('reports a bad safecode, key and allowed IP with the words of the objects that check them', () => {
    const production: Env = {
      PTS_BASE_URL: 'https://pts.example.com',
      PTS_USER_ID: '42',
      PTS_SAFECODE: 'x'.repeat(20),
      PTS_GUID: 'g',
      PTS_TRANSACTION_SECRET: 's',
      PTS_MERCHANT_PRIVATE_KEY: PUBLIC,
      PTS_GATEWAY_PUBLIC_KEY: PUBLIC,
      PTS_CALLBACK_ALLOWED_IPS: '10.0.0.0/33',
      ADMIN_API_KEYS: 'admin:0123456789abcdef0123',
    };
    const account = {
      baseUrl: 'https://pts.example.com',
      userId: '42',
      safecode: 'x'.repeat(20),
      guid: 'g',
      transactionSecret: 's',
      merchantPrivateKey: PUBLIC,
      gatewayPublicKey: PUBLIC,
    };
    const module = { accounts: [account], callbackAllowedIps: ['10.0.0.0/33'] };
    for (const [option, name] of [
      ['accounts[0].safecode', 'PTS_SAFECODE'],
      ['accounts[0].merchantPrivateKey', 'PTS_MERCHANT_PRIVATE_KEY'],
      ['callbackAllowedIps[0]', 'PTS_CALLBACK_ALLOWED_IPS'],
    ]) {
      const fromModule = moduleProblem(module, option);
      expect(fromModule).not.toBe('');
      expect(rule(envProblem(production, name), name)).toBe(rule(fromModule, `\`${option}\``));
    }
  });

  it('takes its defaults from the module: nothing set means the module default', () => {
    expect(loadServiceConfig({}, '/srv').timeoutMs).toBe(PTS_DEFAULT_SETTINGS.timeoutMs);
    expect(checkPtsModuleOptions({}, { accountsLater: true })).toEqual([]);
  });

  it('names the account variables in the v1 rule', () => {
    const problem = envProblem(
      {
        PTS_BASE_URL: 'https://pts.example.com',
        PTS_API_VERSION: 'v1',
        PTS_USER_ID: '42',
        PTS_SAFECODE: '0123456789abcdef',
        PTS_MERCHANT_PRIVATE_KEY: PRIVATE,
        PTS_GATEWAY_PUBLIC_KEY: PUBLIC,
        ADMIN_API_KEYS: 'admin:0123456789abcdef0123',
      },
      'PTS_CALLBACK_BASE_URL',
    );
    expect(problem).toBe(
      "PTS_CALLBACK_BASE_URL is missing, but the default account (PTS_*) uses apiVersion 'v1', where `callback_url` is required and signed. Set PTS_CALLBACK_BASE_URL to the public base URL of this service (e.g. https://pay.example.com).",
    );
  });
});
