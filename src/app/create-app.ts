import { ValidationPipe, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ptsRawBodyMiddleware } from 'pts-nest';
import { AppModule } from './app.module.js';
import { ServiceExceptionFilter } from './http/service-exception.filter.js';
import { noStore, securityHeaders } from './http/security-headers.js';
import { refuseNulInUrl, strictJsonBody } from './http/strict-json-body.js';
import { opsAccessMiddleware } from './ops/ops-access.js';
import { JsonLogger, requestLogging } from './logging/json-logger.js';
import type { AppSettings } from './app-settings.js';

export interface CreateAppOptions {
  logger?: LoggerService | LogLevel[] | false;
}

/**
 * Builds the service exactly as `main.ts` runs it; e2e tests call this too.
 * The callback routes get their raw bytes (A4: exact numbers), read only for allowed senders;
 * the admin routes get the strict JSON parser; /metrics and /docs follow `opsAccess`
 * (docs/hardening.md).
 */
export async function createPtsApp(
  settings: AppSettings,
  options: CreateAppOptions = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(settings), {
    bodyParser: false,
    logger: options.logger,
    abortOnError: false,
  });
  if (options.logger instanceof JsonLogger) app.use(requestLogging(options.logger));
  app.disable('x-powered-by');
  if (settings.trustProxy !== undefined) app.set('trust proxy', settings.trustProxy);
  app.use(securityHeaders());
  app.use(opsAccessMiddleware(settings.opsAccess ?? { mode: 'key' }, settings.adminKeys));
  app.use(
    '/pts',
    ptsRawBodyMiddleware(
      // Undefined: the module's default (PTS_DEFAULT_SETTINGS).
      settings.pts.callbackBodyLimitBytes,
      settings.pts.callbackAllowedIps ?? [],
    ),
  );
  app.use('/admin', noStore, refuseNulInUrl, strictJsonBody(settings.jsonBodyLimit ?? '100kb'));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
    }),
  );
  app.useGlobalFilters(new ServiceExceptionFilter());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('PTS payment service: admin API')
      .setDescription('Orders, callbacks, balance and channels of the PTS gateway integration')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
  return app;
}
