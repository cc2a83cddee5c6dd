import type { NestExpressApplication } from '@nestjs/platform-express';
import { createPtsApp } from '../../src/app/create-app.js';
import type { JsonLogger } from '../../src/app/logging/json-logger.js';
import type { AppSettings } from '../../src/app/app-settings.js';
import type { RateLimits } from '../../src/app/http/rate-limits.js';
import type { OpsAccess } from '../../src/app/ops/ops-access.js';
import type { DatabaseSettings } from '../../src/app/database/data-source-options.js';
import { freePort } from '../../src/app/database/embedded-postgres.js';
import type { PtsModuleOptions } from '../../src/pts/options/pts-module-options.js';
import type { PtsOrderStatusEvent } from '../../src/pts/orders/pts-order-events.js';
import type { PtsOrdersOptions } from '../../src/pts/orders/pts-orders-settings.js';
import { PtsOutboxDispatcher } from '../../src/pts/orders/pts-outbox-dispatcher.js';
import {
  generateSandboxCredentials,
  PtsSandbox,
  sandboxMerchantFromCredentials,
  type PtsSandboxCredentials,
  type PtsSandboxOptions,
} from '../../src/sandbox/index.js';
import { sandboxAccount } from './sandbox-account.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const ADMIN_KEY = 'test-admin-key-0123456789';
export const VIEWER_KEY = 'test-viewer-key-0123456789';

export interface TestServiceOptions {
  label: string;
  apiVersion?: 'v1' | 'v2';
  /** The sandbox asks our `/pts/withdraw/confirm` before moving a withdrawal. */
  withdrawConfirm?: boolean;
  sandbox?: Partial<PtsSandboxOptions>;
  pts?: Partial<PtsModuleOptions>;
  orders?: PtsOrdersOptions;
  /** Logs of the app (default: none, or Nest's console logger with PTS_TEST_LOG=1). */
  logger?: JsonLogger;
  /** A second instance of the service on the database and sandbox of this one. */
  instanceOf?: TestService;
  /**
   * Per-address rate limits; off unless given (tests poll the admin API far faster than an
   * operator would).
   */
  rateLimits?: Partial<RateLimits>;
  /** Who may read /metrics and /docs; the service's default (`key`) when absent. */
  opsAccess?: OpsAccess;
  /** Reach PostgreSQL another way (e.g. through a fault-injecting proxy). */
  database?: (settings: DatabaseSettings) => Promise<DatabaseSettings>;
}

/**
 * The whole service as `main.ts` builds it (createPtsApp), listening on a real port, against a
 * real PostgreSQL schema and the sandbox gateway, which posts real callbacks back to it.
 */
export interface TestService {
  app: NestExpressApplication;
  url: string;
  db: TestDatabase;
  sandbox: PtsSandbox;
  credentials: PtsSandboxCredentials;
  /** Host events as the dispatcher delivered them. */
  events: PtsOrderStatusEvent[];
  close(): Promise<void>;
}

export async function startTestService(options: TestServiceOptions): Promise<TestService> {
  const shared = options.instanceOf;
  const db = shared?.db ?? (await createTestDatabase(options.label));
  const credentials = shared?.credentials ?? generateSandboxCredentials();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const sandbox =
    shared?.sandbox ??
    (await PtsSandbox.start({
      gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
      merchants: [
        sandboxMerchantFromCredentials(credentials, {
          withdrawConfirmUrl: options.withdrawConfirm ? `${url}/pts/withdraw/confirm` : undefined,
        }),
      ],
      port: 0,
      withdrawDelayMs: 50,
      callbackRetry: { attempts: 5, baseDelayMs: 50 },
      ...options.sandbox,
    }));
  const settings: AppSettings = {
    database: options.database ? await options.database(db.settings) : db.settings,
    adminKeys: [
      { role: 'admin', key: ADMIN_KEY },
      { role: 'viewer', key: VIEWER_KEY },
    ],
    pts: {
      accounts: [
        sandboxAccount(credentials, sandbox.url, {
          name: 'main',
          apiVersion: options.apiVersion ?? 'v2',
        }),
      ],
      callbackBaseUrl: url,
      timeoutMs: 2000,
      retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 50 },
      ...options.pts,
    },
    orders: { dispatchIntervalMs: 50, dispatchRetryBaseMs: 50, ...options.orders },
    rateLimits: {
      callbacks: { limit: 0, windowMs: 60_000 },
      admin: { limit: 0, windowMs: 60_000 },
      ...options.rateLimits,
    },
    opsAccess: options.opsAccess,
  };
  const app = await createPtsApp(settings, {
    logger: options.logger ?? (process.env.PTS_TEST_LOG ? ['log', 'warn', 'error'] : false),
  });
  await app.listen(port, '127.0.0.1');
  const events: PtsOrderStatusEvent[] = [];
  app.get(PtsOutboxDispatcher).subscribe([], (event) => {
    events.push(event);
  });
  return {
    app,
    url,
    db,
    sandbox,
    credentials,
    events,
    async close() {
      if (shared) return app.close();
      await sandbox.stop();
      await app.close();
      await db.drop();
    },
  };
}
