import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { AdminApiKey, AdminRole } from '../admin/admin-auth.guard.js';
import { parsePtsDelays, parsePtsDuration, type PtsAccountOptions } from 'pts-nest';
import { parsePtsPrivateKey, parsePtsPublicKey, ptsAesKey } from 'pts-nest/protocol';
import { loadHardeningConfig, type HardeningConfig } from './hardening-config.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** What the environment says, checked (README, "Configuration"). */
export interface ServiceConfig {
  port: number;
  /** Undefined: start an embedded PostgreSQL under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** Undefined: sandbox mode (built-in gateway, generated credentials). */
  gateway?: { accounts: PtsAccountOptions[] };
  sandboxPort: number;
  callbackBaseUrl?: string;
  callbackAllowedIps: string[];
  timeoutMs: number;
  /** Undefined: sandbox mode generates one admin key. */
  adminKeys?: AdminApiKey[];
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Database timeouts, rate limits, who reads /metrics and /docs (docs/hardening.md). */
  hardening: HardeningConfig;
  /** `PTS_RECONCILE_DELAYS`, checked; undefined: the module's default schedule. */
  reconcileDelays?: string;
  /** `PTS_RECONCILE_NOT_FOUND_GRACE` in ms; undefined: the module's default. */
  unknownNotFoundGraceMs?: number;
}

/** Every problem of the configuration at once; `npm start` prints them and exits 1. */
export class ServiceConfigError extends Error {
  override readonly name = 'ServiceConfigError';

  constructor(readonly problems: readonly string[]) {
    super(
      `The service configuration has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

const CREDENTIALS = [
  'PTS_USER_ID',
  'PTS_SAFECODE',
  'PTS_MERCHANT_PRIVATE_KEY',
  'PTS_GATEWAY_PUBLIC_KEY',
] as const;

/**
 * Reads the service's configuration from the environment (and `.env`, loaded by `main.ts`),
 * collecting every missing or malformed variable before failing. With `PTS_BASE_URL` set it is
 * a production service and every PTS credential is required; without it the sandbox is used.
 * Further accounts: `PTS_ACCOUNTS=eu,ph` with `PTS_EU_USER_ID`, `PTS_EU_SAFECODE`, ... each.
 */
export function loadServiceConfig(env: Env, cwd: string): ServiceConfig {
  const problems: string[] = [];
  const port = integer(env, 'PORT', 3000, 0, 65535, problems);
  const sandboxPort = integer(env, 'PTS_SANDBOX_PORT', 0, 0, 65535, problems);
  const timeoutMs = integer(env, 'PTS_TIMEOUT_MS', 10_000, 100, 300_000, problems);
  const databaseUrl = optionalUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], problems);
  const callbackBaseUrl = optionalUrl(env, 'PTS_CALLBACK_BASE_URL', ['http:', 'https:'], problems);
  const callbackAllowedIps = list(env.PTS_CALLBACK_ALLOWED_IPS);
  for (const entry of callbackAllowedIps) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    if (family === 0 || (prefix !== undefined && !(Number(prefix) >= 0 && Number(prefix) <= max))) {
      problems.push(
        `PTS_CALLBACK_ALLOWED_IPS: "${entry}" is neither an IP address nor a CIDR such as 203.0.113.0/24`,
      );
    }
  }
  const reconcileDelays = env.PTS_RECONCILE_DELAYS?.trim() || undefined;
  if (reconcileDelays) {
    const parsed = parsePtsDelays(reconcileDelays);
    if ('problem' in parsed) problems.push(`PTS_RECONCILE_DELAYS ${parsed.problem}`);
  }
  let unknownNotFoundGraceMs: number | undefined;
  if (env.PTS_RECONCILE_NOT_FOUND_GRACE) {
    unknownNotFoundGraceMs = parsePtsDuration(env.PTS_RECONCILE_NOT_FOUND_GRACE);
    if (unknownNotFoundGraceMs === undefined) {
      problems.push(
        `PTS_RECONCILE_NOT_FOUND_GRACE must be a duration such as 30s, 5m or 1h, got "${env.PTS_RECONCILE_NOT_FOUND_GRACE}"`,
      );
    }
  }
  const logLevel = (env.LOG_LEVEL ?? 'info') as ServiceConfig['logLevel'];
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be debug, info, warn or error, got "${env.LOG_LEVEL}"`);
  }

  const production = Boolean(env.PTS_BASE_URL);
  let gateway: ServiceConfig['gateway'];
  if (production) {
    const names = list(env.PTS_ACCOUNTS);
    const accounts = [account(env, '', 'default', problems)];
    for (const name of names) {
      if (!/^[A-Za-z][A-Za-z0-9_]{0,30}$/.test(name)) {
        problems.push(
          `PTS_ACCOUNTS: "${name}" must be letters, digits and "_", starting with a letter`,
        );
        continue;
      }
      accounts.push(account(env, `${name.toUpperCase()}_`, name, problems));
    }
    gateway = { accounts: accounts.filter((a): a is PtsAccountOptions => a !== undefined) };
    const v1 = [
      env.PTS_API_VERSION,
      ...names.map((n) => env[`PTS_${n.toUpperCase()}_API_VERSION`]),
    ];
    if (!callbackBaseUrl && v1.includes('v1')) {
      problems.push(
        'PTS_CALLBACK_BASE_URL is required for v1 accounts (v1 requires callback_url): set the public URL of this service',
      );
    }
  }

  let adminKeys: AdminApiKey[] | undefined;
  if (env.ADMIN_API_KEYS) {
    adminKeys = [];
    for (const pair of list(env.ADMIN_API_KEYS)) {
      const at = pair.indexOf(':');
      const role = pair.slice(0, at) as AdminRole;
      const key = pair.slice(at + 1);
      if (at < 0 || (role !== 'admin' && role !== 'viewer')) {
        problems.push('ADMIN_API_KEYS: each entry must be `admin:<key>` or `viewer:<key>`');
      } else if (key.length < 16) {
        problems.push(
          `ADMIN_API_KEYS: the ${role} key is ${key.length} characters; use at least 16`,
        );
      } else {
        adminKeys.push({ role, key });
      }
    }
  } else if (production) {
    problems.push(
      'ADMIN_API_KEYS is missing: set comma-separated `admin:<key>` / `viewer:<key>` pairs (keys of 16+ characters)',
    );
  }

  const hardening = loadHardeningConfig(env, !production, problems);
  if (problems.length > 0) throw new ServiceConfigError(problems);
  return {
    port,
    sandboxPort,
    databaseUrl,
    dataDir: env.PTS_DATA_DIR ? resolvePath(cwd, env.PTS_DATA_DIR) : `${cwd}/.data`,
    gateway,
    callbackBaseUrl,
    callbackAllowedIps,
    timeoutMs,
    adminKeys,
    logLevel,
    hardening,
    reconcileDelays,
    unknownNotFoundGraceMs,
  };
}

function account(
  env: Env,
  prefix: string,
  name: string,
  problems: string[],
): PtsAccountOptions | undefined {
  const v = (suffix: string) => `PTS_${prefix}${suffix}`;
  const before = problems.length;
  const baseUrl = prefix ? (env[v('BASE_URL')] ?? env.PTS_BASE_URL) : env.PTS_BASE_URL;
  if (baseUrl && !isUrl(baseUrl, ['http:', 'https:'])) {
    problems.push(`${prefix ? v('BASE_URL') : 'PTS_BASE_URL'}: "${baseUrl}" is not an http(s) URL`);
  }
  const apiVersion = env[v('API_VERSION')] ?? (prefix ? env.PTS_API_VERSION : undefined) ?? 'v2';
  if (apiVersion !== 'v1' && apiVersion !== 'v2') {
    problems.push(`${v('API_VERSION')} must be v1 or v2, got "${apiVersion}"`);
  }
  const values: Record<string, string | undefined> = {};
  for (const suffix of CREDENTIALS.map((c) => c.slice('PTS_'.length))) {
    values[suffix] = secret(env, v(suffix), problems);
    if (!values[suffix] && !problems.some((p) => p.startsWith(v(suffix)))) {
      problems.push(`${v(suffix)} is missing (required with PTS_BASE_URL)`);
    }
  }
  if (apiVersion === 'v2') {
    for (const suffix of ['GUID', 'TRANSACTION_SECRET']) {
      values[suffix] = secret(env, v(suffix), problems);
      if (!values[suffix]) problems.push(`${v(suffix)} is missing (required for API version v2)`);
    }
  }
  if (values.SAFECODE) {
    try {
      ptsAesKey(values.SAFECODE, 'raw', v('SAFECODE'));
    } catch {
      problems.push(
        `${v('SAFECODE')} has ${Buffer.byteLength(values.SAFECODE)} bytes; AES needs 16, 24 or 32. Copy it from the merchant back office.`,
      );
    }
  }
  if (values.MERCHANT_PRIVATE_KEY) {
    try {
      parsePtsPrivateKey(values.MERCHANT_PRIVATE_KEY, v('MERCHANT_PRIVATE_KEY'));
    } catch (error) {
      problems.push(`${v('MERCHANT_PRIVATE_KEY')}: ${keyProblem(error)}`);
    }
  }
  if (values.GATEWAY_PUBLIC_KEY) {
    try {
      parsePtsPublicKey(values.GATEWAY_PUBLIC_KEY, v('GATEWAY_PUBLIC_KEY'));
    } catch (error) {
      problems.push(`${v('GATEWAY_PUBLIC_KEY')}: ${keyProblem(error)}`);
    }
  }
  if (problems.length > before || !baseUrl) return undefined;
  return {
    name,
    apiVersion: apiVersion as 'v1' | 'v2',
    baseUrl,
    userId: values.USER_ID!,
    safecode: values.SAFECODE!,
    merchantPrivateKey: values.MERCHANT_PRIVATE_KEY!,
    gatewayPublicKey: values.GATEWAY_PUBLIC_KEY!,
    guid: values.GUID,
    transactionSecret: values.TRANSACTION_SECRET,
  };
}

/** `NAME` or the file named by `NAME_FILE` (keys and secrets from a secret store). */
function secret(env: Env, name: string, problems: string[]): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct && file) {
    problems.push(`${name} and ${name}_FILE are both set; keep one`);
    return undefined;
  }
  if (file) {
    try {
      const text = readFileSync(file, 'utf8').trim();
      if (!text) problems.push(`${name}_FILE: ${file} is empty`);
      return text || undefined;
    } catch (error) {
      problems.push(
        `${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
      return undefined;
    }
  }
  // A PEM squeezed onto one line of a .env file carries literal \n.
  return direct ? direct.replace(/\\n/g, '\n').trim() || undefined : undefined;
}

function keyProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^PTS: (option `[^`]+`|the key) /, '');
}

function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max}, got "${text}"`);
    return fallback;
  }
  return value;
}

function optionalUrl(env: Env, name: string, protocols: string[], problems: string[]) {
  const text = env[name];
  if (!text) return undefined;
  if (!isUrl(text, protocols)) {
    problems.push(`${name} must be a ${protocols.join(' or ')}// URL`);
    return undefined;
  }
  return text.replace(/\/+$/, '');
}

function isUrl(text: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function resolvePath(cwd: string, path: string): string {
  return path.startsWith('/') ? path : `${cwd}/${path}`;
}
