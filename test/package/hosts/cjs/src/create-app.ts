import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ptsRawBodyMiddleware } from 'pts-nest';
import { AppModule, type ShopSettings } from './app.module';

/** The app as main.ts runs it and the e2e test boots it. */
export async function createApp(settings: ShopSettings): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(settings), {
    bodyParser: false,
    logger: ['error', 'warn'],
  });
  // The callbacks' exact bytes first (they are verified as sent), then the usual JSON parser.
  app.use('/pts', ptsRawBodyMiddleware());
  app.useBodyParser('json');
  return app;
}
