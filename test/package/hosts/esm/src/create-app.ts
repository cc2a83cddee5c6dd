import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

/** The app as main.ts runs it and the e2e test boots it. */
export async function createApp(): Promise<INestApplication> {
  // rawBody: PTS callbacks are verified over their exact bytes.
  const app = await NestFactory.create(AppModule, { rawBody: true, logger: ['error', 'warn'] });
  // callback_url follows the prefix: https://shop.example.com/api/pts/callback/payment
  app.setGlobalPrefix('api');
  return app;
}
