import { isIP } from 'node:net';
import {
  DEFAULT_DATABASE_TIMEOUTS,
  type DatabaseTimeouts,
} from '../database/data-source-options.js';
import { DEFAULT_RATE_LIMITS, type RateLimits } from '../http/rate-limits.js';
import type { OpsAccess } from '../ops/ops-access.js';
import type { Env } from './service-config.js';

/** The settings of docs/hardening.md, read from the environment. */
export interface HardeningConfig {
  databaseTimeouts: DatabaseTimeouts;
  rateLimits: RateLimits;
  opsAccess: OpsAccess;
  /**
   * Express's `trust proxy`: which proxies' `X-Forwarded-For` names the client, so that the
   * allow-list and the rate limits see the gateway's address rather than the balancer's.
   * Undefined: trust none (the peer address counts).
   */
  trustProxy?: number | string;
}

/**
 * `DB_*_TIMEOUT_MS` / `DB_POOL_WAIT_MS`, `CALLBACK_RATE_LIMIT` / `ADMIN_RATE_LIMIT` (requests
 * per minute and address, 0 = off), `OPS_PORT` / `OPS_HOST` / `OPS_ACCESS`, `TRUST_PROXY`.
 * Problems are added to `problems`.
 */
export function loadHardeningConfig(
  env: Env,
  sandboxMode: boolean,
  problems: string[],
): HardeningConfig {
  const ms = (name: string, fallback: number) => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    if (!/^\d{1,7}$/.test(text)) {
      problems.push(
        `${name} must be milliseconds from 0 to 9999999 (0 switches it off), got "${text}"`,
      );
      return fallback;
    }
    return Number(text);
  };
  const perMinute = (name: string, fallback: number) => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    if (!/^\d{1,7}$/.test(text)) {
      problems.push(
        `${name} must be requests per minute and address (0 = no limit), got "${text}"`,
      );
      return fallback;
    }
    return Number(text);
  };
  const databaseTimeouts: DatabaseTimeouts = {
    connectMs: ms('DB_CONNECT_TIMEOUT_MS', DEFAULT_DATABASE_TIMEOUTS.connectMs),
    poolWaitMs: ms('DB_POOL_WAIT_MS', DEFAULT_DATABASE_TIMEOUTS.poolWaitMs),
    statementMs: ms('DB_STATEMENT_TIMEOUT_MS', DEFAULT_DATABASE_TIMEOUTS.statementMs),
    idleInTransactionMs: ms(
      'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
      DEFAULT_DATABASE_TIMEOUTS.idleInTransactionMs,
    ),
  };
  const rateLimits: RateLimits = {
    callbacks: {
      limit: perMinute('CALLBACK_RATE_LIMIT', DEFAULT_RATE_LIMITS.callbacks.limit),
      windowMs: 60_000,
    },
    admin: {
      limit: perMinute('ADMIN_RATE_LIMIT', DEFAULT_RATE_LIMITS.admin.limit),
      windowMs: 60_000,
    },
  };
  let opsAccess: OpsAccess;
  if (env.OPS_PORT) {
    const port = Number(env.OPS_PORT);
    if (!/^\d+$/.test(env.OPS_PORT) || port < 1 || port > 65535) {
      problems.push(`OPS_PORT must be a port from 1 to 65535, got "${env.OPS_PORT}"`);
    }
    const host = env.OPS_HOST || '127.0.0.1';
    if (isIP(host) === 0 && host !== 'localhost') {
      problems.push(`OPS_HOST must be an IP address to listen on, got "${host}"`);
    }
    opsAccess = { mode: 'port', port, host };
  } else {
    const mode = env.OPS_ACCESS || (sandboxMode ? 'open' : 'key');
    if (mode !== 'open' && mode !== 'key') {
      problems.push(`OPS_ACCESS must be "key" or "open", got "${mode}"`);
    }
    opsAccess = { mode: mode === 'open' ? 'open' : 'key' };
  }
  let trustProxy: number | string | undefined;
  const trust = env.TRUST_PROXY?.trim();
  if (trust) {
    if (/^\d{1,2}$/.test(trust)) trustProxy = Number(trust);
    else if (
      trust
        .split(',')
        .map((t) => t.trim())
        .every(
          (t) =>
            ['loopback', 'linklocal', 'uniquelocal'].includes(t) || isIP(t.split('/')[0]) !== 0,
        )
    ) {
      trustProxy = trust;
    } else {
      problems.push(
        `TRUST_PROXY must be a number of proxy hops (e.g. 1) or comma-separated addresses / CIDRs / loopback, got "${trust}"`,
      );
    }
  }
  return { databaseTimeouts, rateLimits, opsAccess, trustProxy };
}
