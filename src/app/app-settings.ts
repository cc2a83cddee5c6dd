import type { PtsModuleOptions, PtsOrdersSettings } from 'pts-nest';
import type { DatabaseSettings } from './database/data-source-options.js';
import type { AdminApiKey } from './admin/admin-auth.guard.js';

/** Everything the service needs, resolved: what `main.ts` builds from the environment. */
export interface AppSettings {
  database: DatabaseSettings;
  pts: PtsModuleOptions;
  adminKeys: readonly AdminApiKey[];
  /** Tuning of the order layer (event dispatch); defaults when absent. */
  orders?: Partial<PtsOrdersSettings>;
  /** Largest admin JSON body. */
  jsonBodyLimit?: string;
}
