import { ValidationPipe, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { PtsExceptionFilter, ptsRawBodyMiddleware } from 'pts-nest';
import { AppModule } from './app.module.js';
import { JsonLogger, requestLogging } from './logging/json-logger.js';
import type { AppSettings } from './app-settings.js';

export interface CreateAppOptions {
  logger?: LoggerService | LogLevel[] | false;
}

/**
 * Builds the service exactly as `main.ts` runs it; e2e tests call this too (style.md rule 10).
 * The callback routes get their raw bytes before any body parser runs (A4: exact numbers).
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
  app.use('/pts', ptsRawBodyMiddleware(settings.pts.callbackBodyLimitBytes ?? 64 * 1024));
  app.useBodyParser('json', { limit: settings.jsonBodyLimit ?? '100kb' });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
    }),
  );
  app.useGlobalFilters(new PtsExceptionFilter());
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
