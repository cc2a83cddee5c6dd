import type { AdminApiKey, AdminRole } from '../admin/admin-auth.guard.js';
import { DEFAULT_DATABASE_POOL_SIZE } from '../database/data-source-options.js';
import { loadHardeningConfig, type HardeningConfig } from './hardening-config.js';
import type { PtsAccountOptions } from 'pts-nest';
import { list, ptsOptionsFromEnv, type Env, type PtsEnvOptions } from './pts-env-options.js';

export type { Env };

/** What the environment says, checked (README, "Configuration"). */
export interface ServiceConfig extends Omit<PtsEnvOptions, 'accounts'> {
  port: number;
  /** Undefined: start an embedded PostgreSQL under `dataDir`. */
  databaseUrl?: string;
  /** Connections in the service's database pool. */
  databasePoolSize: number;
  dataDir: string;
  /** Undefined: sandbox mode (built-in gateway, generated credentials). */
  gateway?: { accounts: PtsAccountOptions[] };
  sandboxPort: number;
  /** Undefined: sandbox mode generates one admin key. */
  adminKeys?: AdminApiKey[];
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Database timeouts, rate limits, who reads /metrics and /docs (docs/hardening.md). */
  hardening: HardeningConfig;
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
  const databaseUrl = optionalUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], problems);
  const databasePoolSize = integer(
    env,
    'DB_POOL_SIZE',
    DEFAULT_DATABASE_POOL_SIZE,
    1,
    500,
    problems,
  );
  const logLevel = (env.LOG_LEVEL ?? 'info') as ServiceConfig['logLevel'];
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be debug, info, warn or error, got "${env.LOG_LEVEL}"`);
  }
  const production = Boolean(env.PTS_BASE_URL);
  const { accounts, ...pts } = ptsOptionsFromEnv(env, production, problems);

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
    databasePoolSize,
    dataDir: env.PTS_DATA_DIR ? resolvePath(cwd, env.PTS_DATA_DIR) : `${cwd}/.data`,
    gateway: accounts ? { accounts } : undefined,
    ...pts,
    adminKeys,
    logLevel,
    hardening,
  };
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

function resolvePath(cwd: string, path: string): string {
  return path.startsWith('/') ? path : `${cwd}/${path}`;
}
