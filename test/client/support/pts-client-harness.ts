import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { LoggerService } from '@nestjs/common';
import { buildDataSourceOptions } from '../../../src/app/database/data-source-options.js';
import {
  PtsClient,
  PtsMetrics,
  PtsModule,
  type PtsAccountOptions,
  type PtsModuleOptions,
} from '../../../src/pts/index.js';
import {
  generateSandboxCredentials,
  PtsSandbox,
  type PtsSandboxCredentials,
  type PtsSandboxOptions,
} from '../../../src/sandbox/index.js';
import { sandboxAccount } from '../../support/sandbox-account.js';
import type { TestDatabase } from '../../support/test-database.js';

/** A sandbox gateway with one merchant, and the account options that reach it. */
export interface PtsClientHarness {
  sandbox: PtsSandbox;
  credentials: PtsSandboxCredentials;
  account(version: 'v1' | 'v2', overrides?: Partial<PtsAccountOptions>): PtsAccountOptions;
  stop(): Promise<void>;
}

export async function startSandboxHarness(
  extra: Partial<PtsSandboxOptions> = {},
): Promise<PtsClientHarness> {
  const credentials = generateSandboxCredentials();
  const sandbox = await PtsSandbox.start({
    gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
    merchants: [
      {
        userId: credentials.userId,
        safecode: credentials.safecode,
        guid: credentials.guid,
        transactionSecret: credentials.transactionSecret,
        merchantPublicKey: credentials.merchantPublicKeyPem,
      },
    ],
    port: 0,
    // Tests settle withdrawals themselves.
    autoSettleWithdrawals: false,
    ...extra,
  });
  return {
    sandbox,
    credentials,
    account(version, overrides = {}) {
      return sandboxAccount(credentials, sandbox.url, {
        name: version,
        apiVersion: version,
        ...overrides,
      });
    },
    stop: () => sandbox.stop(),
  };
}

/** A Nest host as a real app builds it: TypeORM on the test schema, PtsModule.forRoot. */
export interface PtsClientApp {
  moduleRef: TestingModule;
  client: PtsClient;
  metrics: PtsMetrics;
  close(): Promise<void>;
}

export async function startClientApp(
  db: TestDatabase,
  options: PtsModuleOptions,
  logger?: LoggerService,
): Promise<PtsClientApp> {
  const builder = Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot(buildDataSourceOptions(db.settings)),
      PtsModule.forRoot({
        callbackBaseUrl: 'http://127.0.0.1:9',
        // The order layer's background loop has nothing to do in client tests.
        orders: { dispatchIntervalMs: 0 },
        ...options,
      }),
    ],
  });
  if (logger) builder.setLogger(logger);
  const moduleRef = await builder.compile();
  await moduleRef.init();
  return {
    moduleRef,
    client: moduleRef.get(PtsClient),
    metrics: moduleRef.get(PtsMetrics),
    close: () => moduleRef.close(),
  };
}

let sequence = 0;

/** A fresh order id per call, unique across runs. */
export function newOrderId(prefix = 'T'): string {
  sequence += 1;
  return `${prefix}${Date.now().toString(36)}${process.pid.toString(36)}${sequence}`.toUpperCase();
}

/** Requests the sandbox saw for one order at one endpoint. */
export function requestsFor(sandbox: PtsSandbox, endpoint: string, orderId?: string) {
  return sandbox.requests.filter(
    (r) => r.endpoint === endpoint && (orderId === undefined || r.orderId === orderId),
  );
}
