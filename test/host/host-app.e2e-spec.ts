import {
  Injectable,
  VersioningType,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import { isPtsCallbackRoute, PTS_MIGRATIONS, ptsRawBodyMiddleware } from 'pts-nest';
import { startPtsSandbox, type PtsTestSandbox } from 'pts-nest/testing';
import { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDataSourceOptions } from '../../src/app/database/data-source-options.js';
import { eventually } from '../support/waiting.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { bootError, startHostApp, type HostApp, type HostAppSetup } from './host-app.js';

/** A host's guard: its own routes need a key; PTS's callbacks pass by the module's marker. */
@Injectable()
class ExemptingGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (isPtsCallbackRoute(context)) return true;
    return context.switchToHttp().getRequest<Request>().headers['x-api-key'] === 'shop-key';
  }
}

/** The same guard without the exemption, as hosts wrote it before the marker existed. */
@Injectable()
class StrictGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest<Request>().headers['x-api-key'] === 'shop-key';
  }
}

const oneLine = (pem: string) => pem.trim().replace(/\n/g, '\\n');

describe('PtsModule in a host app', () => {
  let db: TestDatabase;
  let sandbox: PtsTestSandbox;
  let host: HostApp | undefined;

  const setup = (overrides: Partial<HostAppSetup> = {}): HostAppSetup => ({
    database: buildDataSourceOptions(db.settings),
    account: sandbox.account,
    ...overrides,
  });

  /** A fresh schema with the given migrations run (by the service's table), or none. */
  async function schemaWith(migrations: typeof PTS_MIGRATIONS) {
    const fresh = await createBareSchema(db);
    const dataSource = new DataSource({ ...buildDataSourceOptions(fresh), migrations });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.destroy();
    return buildDataSourceOptions(fresh);
  }

  async function newPayment(app: HostApp): Promise<string> {
    const order = await app.payments.createPayment({
      amount: '42.00',
      currency: 'PHP',
      channel: 'QRPH',
    });
    expect(order.status).toBe('waiting');
    return order.orderId;
  }

  const statusOf = async (app: HostApp, orderId: string) =>
    (await app.payments.get(orderId)).status;

  beforeAll(async () => {
    [db, sandbox] = await Promise.all([createTestDatabase('host_app'), startPtsSandbox()]);
  });

  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  afterAll(async () => {
    await sandbox?.stop();
    for (const schema of bareSchemas) {
      await db.dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.dataSource.query(`DROP SCHEMA IF EXISTS "${schema}_jobs" CASCADE`);
    }
    await db?.drop();
  });

  describe('at boot', () => {
    it('refuses a schema without the PTS migrations, naming them and how to run them', async () => {
      const error = await bootError(setup({ database: await schemaWith([]) }));
      expect(error).toMatchObject({ code: 'migrations_missing' });
      const names = PTS_MIGRATIONS.map((m) => m.name);
      expect(names[0]).toBe('CreateSchemaInfo1764100000000');
      expect(error.message).toContain(
        `lacks ${names.length} of the module's migrations (${names.join(', ')})`,
      );
      expect(error.message).toMatch(/migrations: \[\.\.\.PTS_MIGRATIONS\], migrationsRun: true/);
      expect(error.message).toMatch(/npx pts migrate/);
    });

    it('names only the migrations a schema still lacks', async () => {
      const error = await bootError(
        setup({ database: await schemaWith(PTS_MIGRATIONS.slice(0, -1)) }),
      );
      expect(error.message).toContain(
        `lacks 1 of the module's migrations (${PTS_MIGRATIONS.at(-1)!.name})`,
      );
    });

    it("boots when the host's own DataSource ran them into its own migrations table", async () => {
      const fresh = await createBareSchema(db);
      host = await startHostApp(
        setup({
          database: {
            ...buildDataSourceOptions(fresh),
            migrationsTableName: undefined,
            migrationsRun: true,
          },
        }),
      );
      const [row] = await db.dataSource.query<{ count: string }[]>(
        `SELECT count(*) FROM "${fresh.schema}".migrations`,
      );
      expect(row.count).toBe(String(PTS_MIGRATIONS.length));
      await newPayment(host);
    });

    it('refuses a host whose body parser reads callbacks without keeping their bytes', async () => {
      const error = await bootError(setup({ create: {} }));
      expect(error).toMatchObject({ code: 'raw_body_missing' });
      expect(error.message).toMatch(
        /exact bytes, but the body parser `jsonParser` reads callbacks to \/pts\/callback\/payment before PtsModule and keeps no raw bytes.*rawBody: true.*app\.use\('\/pts', ptsRawBodyMiddleware\(\)\)/,
      );
    });

    it('says where to mount the raw-body middleware under a global prefix', async () => {
      const error = await bootError(
        setup({ create: {}, configure: (app) => app.setGlobalPrefix('api') }),
      );
      expect(error.message).toContain("app.use('/api/pts', ptsRawBodyMiddleware())");
    });

    it('boots with ptsRawBodyMiddleware mounted before the JSON parser, and callbacks verify', async () => {
      host = await startHostApp(
        setup({
          create: { bodyParser: false },
          configure: (app) => {
            app.use('/pts', ptsRawBodyMiddleware());
            app.useBodyParser('json');
          },
        }),
      );
      const orderId = await newPayment(host);
      await sandbox.pay(orderId);
      expect(await statusOf(host, orderId)).toBe('success');
    });

    it('refuses URI versioning that moves the callback routes away from callback_url', async () => {
      const error = await bootError(
        setup({
          configure: (app) =>
            app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' }),
        }),
      );
      expect(error).toMatchObject({ code: 'callback_route_moved' });
      expect(error.message).toContain(
        'points at POST /pts/callback/payment, but the app serves no such route',
      );
    });
  });

  describe('callback_url and the global prefix', () => {
    it('follows app.setGlobalPrefix(), and the callbacks arrive there', async () => {
      host = await startHostApp(setup({ configure: (app) => app.setGlobalPrefix('/api/v2/') }));
      const orderId = await newPayment(host);
      expect(sandbox.gateway.order(sandbox.account.userId, orderId)?.callbackUrl).toBe(
        `${host.url}/api/v2/pts/callback/payment`,
      );
      await sandbox.pay(orderId);
      expect(await statusOf(host, orderId)).toBe('success');
    });

    it('stays at /pts when the host excludes the callback routes from the prefix', async () => {
      host = await startHostApp(
        setup({
          configure: (app) =>
            app.setGlobalPrefix('api', {
              exclude: ['pts/callback/payment', 'pts/callback/withdraw', 'pts/withdraw/confirm'],
            }),
        }),
      );
      const orderId = await newPayment(host);
      expect(sandbox.gateway.order(sandbox.account.userId, orderId)?.callbackUrl).toBe(
        `${host.url}/pts/callback/payment`,
      );
      await sandbox.pay(orderId);
      expect(await statusOf(host, orderId)).toBe('success');
    });
  });

  describe('a host with a global guard', () => {
    it('lets the callbacks through when its guard exempts isPtsCallbackRoute()', async () => {
      host = await startHostApp(setup({ guard: ExemptingGuard }));
      const orderId = await newPayment(host);
      await sandbox.pay(orderId);
      expect(await statusOf(host, orderId)).toBe('success');
    });

    it('has every callback refused by a guard without the exemption', async () => {
      host = await startHostApp(setup({ guard: StrictGuard }));
      const orderId = await newPayment(host);
      await expect(sandbox.pay(orderId)).rejects.toThrow(
        /did not accept callback 2000 of order \S+; the last of 3 attempt\(s\)/,
      );
      expect(await statusOf(host, orderId)).toBe('waiting');
    });
  });

  describe('startPtsSandbox', () => {
    it('fails and expires orders as the checkout buttons do', async () => {
      host = await startHostApp(setup());
      const failing = await newPayment(host);
      const expiring = await newPayment(host);
      await sandbox.fail(failing);
      await sandbox.expire(expiring);
      expect(await statusOf(host, failing)).toBe('failed');
      expect(await statusOf(host, expiring)).toBe('expired');
    });
  });

  describe('account keys', () => {
    it('are taken as one-line PEM with literal \\n, as a .env file holds them', async () => {
      const account = {
        ...sandbox.account,
        merchantPrivateKey: oneLine(sandbox.credentials.merchantPrivateKeyPem),
        gatewayPublicKey: oneLine(sandbox.credentials.gatewayPublicKeyPem),
      };
      expect(account.merchantPrivateKey).not.toContain('\n');
      host = await startHostApp(setup({ account }));
      const orderId = await newPayment(host);
      await sandbox.pay(orderId);
      await eventually(async () => (await statusOf(host!, orderId)) === 'success', 5000);
    });
  });
});

/** An empty schema of its own on the test server (dropped with the test database's schema). */
const bareSchemas: string[] = [];
async function createBareSchema(db: TestDatabase) {
  const schema = `${db.settings.schema}_${Math.random().toString(36).slice(2, 8)}`;
  await db.dataSource.query(`CREATE SCHEMA "${schema}"`);
  bareSchemas.push(schema);
  return { ...db.settings, schema, poolSize: 2 };
}
