import { type PtsModuleOptions, type PtsOrdersOptions } from 'pts-nest';
import type { DatabaseSettings } from './database/data-source-options.js';
import type { AdminApiKey } from './admin/admin-auth.guard.js';
import type { RateLimits } from './http/rate-limits.js';
import type { OpsAccess } from './ops/ops-access.js';

/** Everything the service needs, resolved: what `main.ts` builds from the environment. */
export interface AppSettings {
  /** Database timeouts default to `DEFAULT_DATABASE_TIMEOUTS` when `timeouts` is absent. */
  database: DatabaseSettings;
  pts: PtsModuleOptions;
  adminKeys: readonly AdminApiKey[];
  /** Tuning of the order layer (event dispatch); defaults when absent. */
  orders?: PtsOrdersOptions;
  /** Largest admin JSON body. */
  jsonBodyLimit?: string;
  /** Per-address rate limits; `DEFAULT_RATE_LIMITS` for what is absent. */
  rateLimits?: Partial<RateLimits>;
  /** Who may read `/metrics` and `/docs`; `key` when absent. */
  opsAccess?: OpsAccess;
  /** Express's `trust proxy` (hops or addresses); the peer address counts when absent. */
  trustProxy?: number | string;
}
