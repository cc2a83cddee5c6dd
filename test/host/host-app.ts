import { createServer } from 'node:net';
import {
  Module,
  type CanActivate,
  type INestApplication,
  type NestApplicationOptions,
  type Type,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { PtsModule, PtsPayments, type PtsAccountOptions } from 'pts-nest';

/** A Nest host app as its users write one, built from the parts a test varies. */
export interface HostAppSetup {
  database: DataSourceOptions;
  account: PtsAccountOptions;
  /** `NestFactory.create` options; default `{ rawBody: true }`. */
  create?: NestApplicationOptions;
  /** Runs after create, before listen: global prefix, middleware, versioning. */
  configure?: (app: NestExpressApplication) => void;
  /** A global guard (`APP_GUARD`). */
  guard?: Type<CanActivate>;
}

export interface HostApp {
  app: INestApplication;
  url: string;
  payments: PtsPayments;
  close(): Promise<void>;
}

@Module({})
class HostModule {}

/** Creates the host app without starting it: `init()` runs the module's boot checks. */
export async function createHostApp(
  setup: HostAppSetup,
): Promise<{ app: NestExpressApplication; port: number }> {
  const port = await freePort();
  const app = await NestFactory.create<NestExpressApplication>(
    {
      module: HostModule,
      imports: [
        TypeOrmModule.forRoot(setup.database),
        PtsModule.forRoot({
          accounts: [setup.account],
          callbackBaseUrl: `http://127.0.0.1:${port}`,
          orders: { dispatchIntervalMs: 50 },
        }),
      ],
      providers: setup.guard ? [{ provide: APP_GUARD, useClass: setup.guard }] : [],
    },
    { logger: false, abortOnError: false, ...(setup.create ?? { rawBody: true }) },
  );
  setup.configure?.(app);
  return { app, port };
}

/** Creates and starts the host app on a free port. */
export async function startHostApp(setup: HostAppSetup): Promise<HostApp> {
  const { app, port } = await createHostApp(setup);
  await app.listen(port, '127.0.0.1');
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    payments: app.get(PtsPayments),
    close: () => app.close(),
  };
}

/** The error `init()` fails with, after closing what the app opened. */
export async function bootError(setup: HostAppSetup): Promise<Error> {
  const { app } = await createHostApp(setup);
  try {
    await app.init();
  } catch (error) {
    return error as Error;
  } finally {
    await app.close().catch(() => undefined);
  }
  throw new Error('the host app booted');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
