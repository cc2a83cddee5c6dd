import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PtsConfigurationErrors } from '../errors/pts-error.js';
import { ptsSchemaKeys } from './pts-option-check.js';
import { checkPtsModuleOptions, resolvePtsOptions } from './pts-options-resolver.js';
import { PtsModuleOptionsSchema } from './pts-options-schema.js';
import { PTS_DEFAULT_SETTINGS } from './pts-settings.js';

function problemsOf(orders: unknown): string[] {
  try {
    resolvePtsOptions({ accounts: [], orders });
  } catch (error) {
    if (error instanceof PtsConfigurationErrors) return error.problems.map((p) => p.message);
    throw error;
  }
  return [];
}

describe('resolvePtsOptions: the order layer', () => {
  it('names the reconciliation schedule when it does not grow or is no duration', () => {
    expect(problemsOf({ reconcileDelays: '5m,1m' }).join('\n')).toContain(
      '`orders.reconcileDelays` must grow',
    );
    expect(problemsOf({ reconcileDelays: ['1m', 'later'] }).join('\n')).toContain('"later"');
    expect(problemsOf({ reconcileDelays: 60 }).join('\n')).toContain('orders.reconcileDelays');
  });

  it('refuses a job schema that is no plain PostgreSQL name, and unknown order options', () => {
    const text = problemsOf({ jobsSchema: 'x; DROP', reconcileDelay: '1m' }).join('\n');
    expect(text).toContain('orders.jobsSchema');
    expect(text).toContain('`orders.reconcileDelay` is not an option');
    expect(text).toContain('`reconcileDelays`');
  });

  it('accepts a valid schedule and schema (only the missing account is reported)', () => {
    expect(
      problemsOf({ reconcileDelays: ['30s', 120_000], jobsSchema: 'payments_jobs' }),
    ).toHaveLength(1);
  });
});

describe('resolvePtsOptions: defaults and the schema', () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const account = {
    baseUrl: 'https://pts.example.com/',
    userId: '42',
    safecode: '0123456789abcdef',
    merchantPrivateKey: pair.privateKey,
    gatewayPublicKey: pair.publicKey,
    guid: 'g-42',
    transactionSecret: 'secret',
  };

  it('applies every default from PTS_DEFAULT_SETTINGS, where alone they are written', () => {
    const { settings } = resolvePtsOptions({ accounts: [account] });
    expect(settings).toMatchObject({ ...PTS_DEFAULT_SETTINGS, callbackAllowedIps: [] });
  });

  it('knows exactly the public options, and names an unknown one', () => {
    expect(ptsSchemaKeys(PtsModuleOptionsSchema)).toContain('callbackBodyLimitBytes');
    expect(problemsOfOptions({ accounts: [account], timeoutMS: 5 })).toEqual([
      'PTS: option `timeoutMS` is not an option of the PTS module; did you mean `timeoutMs`?',
    ]);
  });

  it('reports each bad allowed IP with the words of the allow-list that checks it', () => {
    expect(
      problemsOfOptions({
        accounts: [account],
        callbackAllowedIps: ['10.0.0.1', '10.0.0.0/33', 'x'],
      }),
    ).toEqual([
      'PTS: option `callbackAllowedIps[1]` has "10.0.0.0/33", which is neither an IP address nor a CIDR such as 203.0.113.0/24',
      'PTS: option `callbackAllowedIps[2]` has "x", which is neither an IP address nor a CIDR such as 203.0.113.0/24',
    ]);
  });
});

function problemsOfOptions(options: Record<string, unknown>): string[] {
  return checkPtsModuleOptions(options).map((p) => p.message);
}
