import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PtsConfigurationError } from '../errors/pts-error.js';
import { PtsSettings } from '../options/pts-settings.js';
import { expressRawBodyProblem, expressRoutesPost, isExpressApp } from './pts-express-probe.js';
import { missingPtsMigrations } from './pts-schema-check.js';

/**
 * What the module needs of its host, checked when the app initialises (`app.init()` or
 * `listen()`), so that a mistake stops the boot with its fix instead of failing the first
 * payment or, silently, every callback: the PTS migrations have run; `callback_url` follows
 * the host's global prefix and points at the callback routes; a callback reaches the module
 * with its exact bytes. Without an HTTP server (an application context) only the schema is
 * checked.
 */
@Injectable()
export class PtsHostChecks implements OnModuleInit {
  constructor(
    private readonly settings: PtsSettings,
    private readonly appConfig: ApplicationConfig,
    private readonly adapterHost: HttpAdapterHost,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  private checked?: Promise<void>;

  async onModuleInit(): Promise<void> {
    await this.passed();
  }

  /**
   * Resolves once the host passed the checks (they run once). Whatever starts background
   * work waits for this first, so that a host refused at boot is not kept alive by it.
   */
  passed(): Promise<void> {
    return (this.checked ??= this.check());
  }

  private async check(): Promise<void> {
    this.settings.useRoutePrefix(this.routePrefix());
    const problems = [...(await this.schemaProblems()), ...(await this.httpProblems())];
    if (problems.length === 1) throw problems[0];
    if (problems.length > 1) {
      throw new PtsConfigurationError({
        code: 'host_not_ready',
        message: `PTS: ${problems.length} problems with the host app:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`,
      });
    }
  }

  /** The global prefix, unless the host excluded the callback routes from it. */
  private routePrefix(): string {
    const prefix = this.appConfig.getGlobalPrefix();
    if (!prefix) return '';
    const excluded = (this.appConfig.getGlobalPrefixOptions().exclude ?? []).some((route) =>
      route.pathRegex.test('/pts/callback/payment'),
    );
    return excluded ? '' : prefix;
  }

  private async schemaProblems(): Promise<PtsConfigurationError[]> {
    if (!this.dataSource.isInitialized) return [];
    const missing = await missingPtsMigrations(this.dataSource);
    if (missing.length === 0) return [];
    return [
      new PtsConfigurationError({
        code: 'migrations_missing',
        message:
          `PTS: the database lacks ${missing.length} of the module's migrations (${missing.join(', ')}), so its tables (pts_orders, pts_callbacks, pts_outbox, ...) are missing or out of date. ` +
          'Add `PTS_MIGRATIONS` to your DataSource: `TypeOrmModule.forRoot({ ..., entities: [...PTS_ENTITIES], migrations: [...PTS_MIGRATIONS], migrationsRun: true })`, ' +
          'or run them before the app starts: `npx typeorm migration:run -d <your data source file>` (with `PTS_MIGRATIONS` in its `migrations`) or `npx pts migrate --database-url <postgres url>`.',
      }),
    ];
  }

  private async httpProblems(): Promise<PtsConfigurationError[]> {
    const adapter = this.adapterHost.httpAdapter;
    const app: unknown = adapter?.getInstance?.();
    if (!this.settings.registerCallbackController || !isExpressApp(app)) return [];
    const path = this.settings.callbackPath('payment');
    const problems: PtsConfigurationError[] = [];
    if (!expressRoutesPost(app, path)) {
      problems.push(
        new PtsConfigurationError({
          code: 'callback_route_moved',
          message:
            `PTS: \`callback_url\` points at POST ${path}, but the app serves no such route: something other than \`app.setGlobalPrefix()\` (URI versioning, a RouterModule path) moved the module's callback routes, and every callback would get a 404. ` +
            'Serve them unversioned at /pts/... under the global prefix (e.g. `@Version(VERSION_NEUTRAL)` defaults, no RouterModule path for PtsModule).',
        }),
      );
    }
    const rawBody = await expressRawBodyProblem(app, path);
    if (rawBody) {
      const mount = path.replace(/\/callback\/payment$/, '');
      problems.push(
        new PtsConfigurationError({
          code: 'raw_body_missing',
          message:
            `PTS: callbacks are verified over their exact bytes, but ${rawBody}; every callback would be refused. ` +
            `Create the app with \`NestFactory.create(AppModule, { rawBody: true })\`, or mount \`app.use('${mount}', ptsRawBodyMiddleware())\` before any body parser (with \`bodyParser: false\`, then \`app.useBodyParser('json')\`).`,
        }),
      );
    }
    return problems;
  }
}
