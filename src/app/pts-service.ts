import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { PtsAccountOptions } from 'pts-nest';
import {
  loadOrCreateSandboxCredentials,
  PtsSandbox,
  sandboxMerchantFromCredentials,
} from 'pts-nest/testing';
import type { AdminApiKey } from './admin/admin-auth.guard.js';
import { loadServiceConfig, type Env } from './config/service-config.js';
import { createPtsApp } from './create-app.js';
import { buildDataSourceOptions } from './database/data-source-options.js';
import { embeddedDataDir, freePort, startEmbeddedPostgres } from './database/embedded-postgres.js';
import { JsonLogger } from './logging/json-logger.js';
import { listenOps } from './ops/ops-access.js';

export interface RunningService {
  url: string;
  stop(): Promise<void>;
}

export interface ServiceIo {
  /** Human text for the console (the newcomer's banner); logs go through the JSON logger. */
  print(text: string): void;
  logger?: JsonLogger;
}

/**
 * Starts the whole payment service from the environment (README, "HTTP surface"): with nothing
 * configured, an embedded PostgreSQL and the sandbox gateway with credentials kept under
 * `.data/`; with `PTS_BASE_URL`, a production service. Migrations run at start, one instance
 * at a time. `stop()` closes in reverse order: HTTP (in-flight requests finish), the sandbox,
 * the database.
 */
export async function startPtsService(
  env: Env,
  cwd: string,
  io: ServiceIo,
): Promise<RunningService> {
  const config = loadServiceConfig(env, cwd);
  const logger =
    io.logger ??
    new JsonLogger(config.logLevel, [
      ...(config.adminKeys ?? []).map((k) => k.key),
      ...(config.gateway?.accounts ?? []).flatMap((a) => [a.safecode, a.transactionSecret]),
    ]);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        logger.error(
          `shutdown step failed: ${error instanceof Error ? error.message : String(error)}`,
          'Service',
        );
      }
    }
  };
  try {
    // Traversable: as root, the embedded PostgreSQL runs as user `postgres`, which must reach
    // its data directory below this one. Secrets inside are files of mode 0600.
    await mkdir(config.dataDir, { recursive: true, mode: 0o755 });
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const { dataDir, relocated } = await embeddedDataDir(join(config.dataDir, 'postgres'));
      if (relocated) {
        logger.warn(
          `${config.dataDir} is closed to user postgres, which the embedded PostgreSQL runs as (we run as root): keeping its data in ${dataDir}`,
          'Service',
        );
      }
      logger.log(`starting the embedded PostgreSQL in ${dataDir}`, 'Service');
      const embedded = await startEmbeddedPostgres({
        dataDir,
        persistent: true,
        onLog: (line) => logger.debug(line, 'Postgres'),
        onNotice: (line) => logger.warn(line, 'Service'),
      });
      stops.push(() => embedded.stop());
      databaseUrl = embedded.url;
    }
    await migrate(databaseUrl, logger);

    const port = config.port || (await freePort());
    const sandboxMode = !config.gateway;
    const host = env.HOST || (sandboxMode ? '127.0.0.1' : '0.0.0.0');
    const url = `http://127.0.0.1:${port}`;
    const callbackBaseUrl = config.callbackBaseUrl ?? url;
    let accounts: PtsAccountOptions[];
    let adminKeys: readonly AdminApiKey[];
    let sandbox: PtsSandbox | undefined;
    let generatedAdminKey: string | undefined;
    if (config.gateway) {
      accounts = config.gateway.accounts;
      adminKeys = config.adminKeys!;
    } else {
      const sandboxDir = join(config.dataDir, 'sandbox');
      const { credentials } = await loadOrCreateSandboxCredentials(sandboxDir);
      logger.addSecrets([credentials.safecode, credentials.transactionSecret]);
      sandbox = await PtsSandbox.start({
        gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
        merchants: [
          sandboxMerchantFromCredentials(credentials, {
            withdrawConfirmUrl: `${callbackBaseUrl}/pts/withdraw/confirm`,
          }),
        ],
        port: config.sandboxPort,
        stateFile: join(sandboxDir, 'state.json'),
        log: (line) => logger.log(line, 'Sandbox'),
      });
      const started = sandbox;
      stops.push(() => started.stop());
      const v1 = env.PTS_API_VERSION === 'v1';
      accounts = [
        {
          name: 'sandbox',
          apiVersion: v1 ? 'v1' : 'v2',
          baseUrl: sandbox.url,
          userId: credentials.userId,
          safecode: credentials.safecode,
          merchantPrivateKey: credentials.merchantPrivateKeyPem,
          gatewayPublicKey: credentials.gatewayPublicKeyPem,
          ...(v1
            ? {}
            : { guid: credentials.guid, transactionSecret: credentials.transactionSecret }),
        },
      ];
      if (config.adminKeys) {
        adminKeys = config.adminKeys;
      } else {
        generatedAdminKey = await loadOrCreateAdminKey(join(config.dataDir, 'admin-key'));
        adminKeys = [{ role: 'admin', key: generatedAdminKey }];
      }
      logger.addSecrets(adminKeys.map((k) => k.key));
    }

    const app = await createPtsApp(
      {
        database: {
          url: databaseUrl,
          poolSize: config.databasePoolSize,
          timeouts: config.hardening.databaseTimeouts,
        },
        pts: {
          accounts,
          callbackBaseUrl,
          callbackAllowedIps: config.callbackAllowedIps,
          timeoutMs: config.timeoutMs,
        },
        orders: {
          ...(config.reconcileDelays ? { reconcileDelays: config.reconcileDelays } : {}),
          ...(config.unknownNotFoundGraceMs !== undefined
            ? { unknownNotFoundGraceMs: config.unknownNotFoundGraceMs }
            : {}),
        },
        adminKeys,
        rateLimits: config.hardening.rateLimits,
        opsAccess: config.hardening.opsAccess,
        trustProxy: config.hardening.trustProxy,
      },
      { logger },
    );
    await app.listen(port, host);
    stops.push(() => app.close());
    const { opsAccess } = config.hardening;
    if (opsAccess.mode === 'port') {
      const ops = await listenOps(app, opsAccess.port, opsAccess.host);
      stops.push(() => ops.close());
      logger.log(`/metrics, /docs and /health on ${ops.url}`, 'Service');
    }
    logger.log(
      `listening on ${host}:${port}${sandbox ? ` with the sandbox at ${sandbox.url}` : ''}`,
      'Service',
    );

    if (sandbox) {
      io.print(banner(url, sandbox.url, generatedAdminKey, config.dataDir));
    }
    return { url, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Runs pending migrations under an advisory lock, so that instances starting together queue. */
async function migrate(url: string, logger: JsonLogger): Promise<void> {
  // Two connections: one holds the lock, the other runs the migrations.
  const dataSource = new DataSource(buildDataSourceOptions({ url, poolSize: 2 }));
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query(`SELECT pg_advisory_lock(hashtext('pts_migrations'))`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) logger.log(`applied migration ${migration.name}`, 'Service');
  } finally {
    await runner
      .query(`SELECT pg_advisory_unlock(hashtext('pts_migrations'))`)
      .catch(() => undefined);
    await runner.release();
    await dataSource.destroy();
  }
}

async function loadOrCreateAdminKey(path: string): Promise<string> {
  try {
    const key = (await readFile(path, 'utf8')).trim();
    if (key.length >= 16) return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = `pts_admin_${randomBytes(24).toString('base64url')}`;
  await writeFile(path, `${key}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return key;
}

function banner(
  url: string,
  sandboxUrl: string,
  adminKey: string | undefined,
  dataDir: string,
): string {
  const key = adminKey ?? '<one of your ADMIN_API_KEYS>';
  return [
    '',
    'PTS payment service is running (sandbox mode: no real gateway, no real money)',
    `  service        ${url}`,
    `  console        ${url}/console (sign in with the admin key)`,
    `  admin API docs ${url}/docs`,
    `  health         ${url}/health`,
    `  sandbox        ${sandboxUrl}`,
    `  admin key      ${key}`,
    `  data           ${dataDir} (database, sandbox credentials, admin key)`,
    '',
    'Create a payment, then open its payUrl in a browser and press Pay (and watch it in the console):',
    `  curl -s -X POST ${url}/admin/payments -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' -d '{"amount":"100.00","currency":"PHP","channel":"QRPH"}'`,
    '',
  ].join('\n');
}
