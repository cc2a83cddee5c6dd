import { Module, type DynamicModule, type INestApplication, type Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { buildDataSourceOptions } from '../../src/app/database/data-source-options.js';
import { freePort } from '../../src/app/database/embedded-postgres.js';
import type { PtsAccountOptions } from '../../src/pts/index.js';
import {
  generateSandboxCredentials,
  PtsSandbox,
  sandboxMerchantFromCredentials,
  type PtsSandboxCredentials,
  type PtsSandboxOptions,
} from '../../src/sandbox/index.js';
import { sandboxAccount } from './sandbox-account.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** What a test varies of a host app that talks to a sandbox gateway. */
export interface SandboxHostSetup {
  /** Names the test database. */
  label: string;
  /** Sandbox options beyond its one merchant and port 0. */
  sandbox?: Partial<PtsSandboxOptions>;
  /** The host's `PtsModule` import, given the merchant's account and the app's own URL. */
  pts: (account: PtsAccountOptions, url: string) => DynamicModule;
  providers?: Provider[];
  /** Listen on `url`, so that the sandbox's callbacks reach the app; default: `init()` only. */
  listen?: boolean;
}

export interface SandboxHost {
  db: TestDatabase;
  sandbox: PtsSandbox;
  credentials: PtsSandboxCredentials;
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/**
 * A Nest host app as its users write one (its own TypeORM wiring, the PTS module, its handlers,
 * Nest's `rawBody: true`), on a fresh test database, with a sandbox gateway and one merchant.
 */
export async function startSandboxHost(setup: SandboxHostSetup): Promise<SandboxHost> {
  const db = await createTestDatabase(setup.label);
  let sandbox: PtsSandbox | undefined;
  let app: INestApplication | undefined;
  const close = async () => {
    await app?.close();
    await sandbox?.stop();
    await db.drop();
  };
  try {
    const credentials = generateSandboxCredentials();
    sandbox = await PtsSandbox.start({
      gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
      merchants: [sandboxMerchantFromCredentials(credentials)],
      port: 0,
      ...setup.sandbox,
    });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    @Module({
      imports: [
        TypeOrmModule.forRoot(buildDataSourceOptions(db.settings)),
        setup.pts(sandboxAccount(credentials, sandbox.url), url),
      ],
      providers: setup.providers ?? [],
    })
    class HostModule {}
    const moduleRef = await Test.createTestingModule({ imports: [HostModule] }).compile();
    app = moduleRef.createNestApplication({ rawBody: true, logger: false });
    if (setup.listen) await app.listen(port, '127.0.0.1');
    else await app.init();
    return { db, sandbox, credentials, app, url, close };
  } catch (error) {
    await close();
    throw error;
  }
}
