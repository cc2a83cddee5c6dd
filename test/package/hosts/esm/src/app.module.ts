import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PTS_ENTITIES, PTS_MIGRATIONS, PtsModule } from 'pts-nest';
import { ApiKeyGuard } from './api-key.guard.js';
import { PaymentsController } from './payments.controller.js';
import { ShopOrders } from './shop-orders.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        type: 'postgres',
        url: config.getOrThrow<string>('DATABASE_URL'),
        entities: [...PTS_ENTITIES],
        migrations: [...PTS_MIGRATIONS],
        migrationsRun: true,
      }),
    }),
    PtsModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        accounts: [
          {
            baseUrl: config.getOrThrow<string>('PTS_BASE_URL'),
            userId: config.getOrThrow<string>('PTS_USER_ID'),
            safecode: config.getOrThrow<string>('PTS_SAFECODE'),
            guid: config.getOrThrow<string>('PTS_GUID'),
            transactionSecret: config.getOrThrow<string>('PTS_TRANSACTION_SECRET'),
            merchantPrivateKey: config.getOrThrow<string>('PTS_MERCHANT_PRIVATE_KEY'),
            gatewayPublicKey: config.getOrThrow<string>('PTS_GATEWAY_PUBLIC_KEY'),
          },
        ],
        callbackBaseUrl: config.getOrThrow<string>('PTS_CALLBACK_BASE_URL'),
      }),
    }),
  ],
  controllers: [PaymentsController],
  providers: [ShopOrders, { provide: APP_GUARD, useClass: ApiKeyGuard }],
})
export class AppModule {}
