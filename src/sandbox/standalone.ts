import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadOrCreateSandboxCredentials, type PtsSandboxCredentials } from './credentials.js';
import { PtsSandboxError } from './error.js';
import {
  checkPtsSandboxOptions,
  type PtsSandboxMerchant,
  type PtsSandboxOptions,
} from './options.js';

/** Port of `npm run sandbox` when `PTS_SANDBOX_PORT` is unset. */
export const PTS_SANDBOX_DEFAULT_PORT = 4010;

export interface PtsSandboxStandaloneSetup {
  options: PtsSandboxOptions;
  /** Lines for the console: where things are, never a secret. */
  banner: (url: string) => string[];
}

const MERCHANT_ENV = [
  'PTS_SANDBOX_USER_ID',
  'PTS_SANDBOX_SAFECODE',
  'PTS_SANDBOX_GUID',
  'PTS_SANDBOX_TRANSACTION_SECRET',
] as const;

/**
 * Maps the environment of `npm run sandbox` to options (the one place that reads it):
 * - `PTS_SANDBOX_PORT` (default 4010), `PTS_SANDBOX_HOST` (127.0.0.1), `PTS_SANDBOX_PUBLIC_URL`;
 * - the merchant, either all of `PTS_SANDBOX_USER_ID`, `_SAFECODE`, `_GUID`,
 *   `_TRANSACTION_SECRET`, `_MERCHANT_PUBLIC_KEY[_FILE]`, `_GATEWAY_PRIVATE_KEY[_FILE]`, or
 *   credentials generated once and kept in `PTS_SANDBOX_DATA_DIR` (default `.data/sandbox`);
 * - `PTS_SANDBOX_WITHDRAW_CONFIRM_URL`, `PTS_SANDBOX_WITHDRAW_DELAY_MS`;
 * - `PTS_SANDBOX_STATE_FILE` (default `<data dir>/state.json`; `memory` keeps nothing).
 */
export async function ptsSandboxSetupFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  log: (line: string) => void,
): Promise<PtsSandboxStandaloneSetup> {
  const problems: string[] = [];
  const dataDir = resolve(env.PTS_SANDBOX_DATA_DIR || join('.data', 'sandbox'));
  const numbers = numbersFromEnv(env, problems);
  const port = numbers.port ?? PTS_SANDBOX_DEFAULT_PORT;
  const withdrawDelayMs = numbers.withdrawDelayMs;

  const given = MERCHANT_ENV.filter((name) => env[name]);
  let merchant: PtsSandboxMerchant;
  let gatewayPrivateKey: string;
  let where: string[];
  if (given.length > 0) {
    for (const name of MERCHANT_ENV) {
      if (!env[name]) problems.push(`${name} is missing (the other merchant settings are set)`);
    }
    const merchantPublicKey = await keyFromEnv(env, 'PTS_SANDBOX_MERCHANT_PUBLIC_KEY', problems);
    gatewayPrivateKey = await keyFromEnv(env, 'PTS_SANDBOX_GATEWAY_PRIVATE_KEY', problems);
    merchant = {
      userId: env.PTS_SANDBOX_USER_ID ?? '',
      safecode: env.PTS_SANDBOX_SAFECODE ?? '',
      guid: env.PTS_SANDBOX_GUID ?? '',
      transactionSecret: env.PTS_SANDBOX_TRANSACTION_SECRET ?? '',
      merchantPublicKey,
    };
    where = ['merchant from PTS_SANDBOX_* settings'];
  } else {
    const stored = await loadOrCreateSandboxCredentials(dataDir);
    const c: PtsSandboxCredentials = stored.credentials;
    merchant = {
      userId: c.userId,
      safecode: c.safecode,
      guid: c.guid,
      transactionSecret: c.transactionSecret,
      merchantPublicKey: c.merchantPublicKeyPem,
    };
    gatewayPrivateKey = c.gatewayPrivateKeyPem;
    where = [
      `credentials ${stored.created ? 'generated into' : 'read from'} ${stored.files.credentials}`,
      // Values the service's .env and a host's PtsModule account take alike (the module reads
      // no files): the public key inline as one line, secrets by where they are.
      'for your .env (the service, or a host app mapping them to PtsModule account options):',
      `  PTS_USER_ID=${c.userId}`,
      `  PTS_GUID=${c.guid}`,
      `  PTS_SAFECODE=<"safecode" in ${stored.files.credentials}>`,
      `  PTS_TRANSACTION_SECRET=<"transactionSecret" in ${stored.files.credentials}>`,
      `  PTS_MERCHANT_PRIVATE_KEY=<the PEM in ${stored.files.merchantPrivateKey}, on one line with \\n for its line breaks>`,
      `  PTS_GATEWAY_PUBLIC_KEY=${c.gatewayPublicKeyPem.trim().replace(/\n/g, '\\n')}`,
    ];
  }
  if (env.PTS_SANDBOX_WITHDRAW_CONFIRM_URL) {
    merchant.withdrawConfirmUrl = env.PTS_SANDBOX_WITHDRAW_CONFIRM_URL;
  }
  if (problems.length > 0) {
    throw new PtsSandboxError({
      code: 'invalid_environment',
      message: `PTS sandbox: ${problems.length} setting problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    });
  }
  const stateSetting = env.PTS_SANDBOX_STATE_FILE;
  const stateFile =
    stateSetting === 'memory' ? undefined : resolve(stateSetting || join(dataDir, 'state.json'));
  return {
    options: {
      gatewayPrivateKey,
      merchants: [merchant],
      port,
      host: env.PTS_SANDBOX_HOST || '127.0.0.1',
      publicUrl: env.PTS_SANDBOX_PUBLIC_URL || undefined,
      withdrawDelayMs,
      stateFile,
      log,
    },
    banner: (url) => [
      `PTS sandbox gateway on ${url} (v1 and v2)`,
      `merchant user_id=${merchant.userId} guid=${merchant.guid}`,
      ...where,
      `  PTS_BASE_URL=${url}`,
      `state: ${stateFile ?? 'in memory'}`,
      `control API: ${url}/sandbox/control (sandbox only, unauthenticated)`,
    ],
  };
}

/** The options the environment gives as numbers, checked by the sandbox options' schema. */
const NUMBER_ENV = {
  port: 'PTS_SANDBOX_PORT',
  withdrawDelayMs: 'PTS_SANDBOX_WITHDRAW_DELAY_MS',
} as const;

/**
 * The number settings, their ranges those of the sandbox options (`checkPtsSandboxOptions`),
 * whose messages come back naming the variable instead of the option. An unset or wrong one is
 * undefined (and, when wrong, a problem).
 */
function numbersFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
): { port?: number; withdrawDelayMs?: number } {
  const values: Partial<Record<keyof typeof NUMBER_ENV, unknown>> = {};
  for (const [option, name] of Object.entries(NUMBER_ENV) as [keyof typeof NUMBER_ENV, string][]) {
    const text = env[name];
    // Digits as a number; anything else as written, for the schema to name.
    if (text) values[option] = /^\d+$/.test(text) ? Number(text) : text;
  }
  const found = checkPtsSandboxOptions(values);
  for (const problem of found) {
    const name = NUMBER_ENV[problem.option as keyof typeof NUMBER_ENV];
    problems.push(problem.message.replace(/^PTS: option `[^`]+`/, name));
  }
  const valid = (option: keyof typeof NUMBER_ENV) =>
    found.some((p) => p.option === option) ? undefined : (values[option] as number | undefined);
  return { port: valid('port'), withdrawDelayMs: valid('withdrawDelayMs') };
}

async function keyFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  problems: string[],
): Promise<string> {
  const inline = env[name];
  const file = env[`${name}_FILE`];
  if (inline) return inline.replace(/\\n/g, '\n');
  if (file) {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      problems.push(`${name}_FILE (${file}) cannot be read: ${(error as Error).message}`);
      return '';
    }
  }
  problems.push(`${name} or ${name}_FILE is missing`);
  return '';
}
