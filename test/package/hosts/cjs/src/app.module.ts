import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PTS_ENTITIES, PTS_MIGRATIONS, PtsModule, type PtsAccountOptions } from 'pts-nest';
import { PaymentsController } from './payments.controller';
import { ShopOrders } from './shop-orders';

export interface ShopSettings {
  databaseUrl: string;
  /** PTS accounts; the first is the default. */
  accounts: PtsAccountOptions[];
  /** Public base URL of this app, for `callback_url`. */
  callbackBaseUrl: string;
}

/** The shop, configured by its caller (main.ts from the environment, the test from the sandbox). */
@Module({})
export class AppModule {
  static register(settings: ShopSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: settings.databaseUrl,
          entities: [...PTS_ENTITIES],
          migrations: [...PTS_MIGRATIONS],
          migrationsRun: true,
        }),
        PtsModule.forRoot({
          accounts: settings.accounts,
          callbackBaseUrl: settings.callbackBaseUrl,
        }),
      ],
      controllers: [PaymentsController],
      providers: [ShopOrders],
    };
  }
}
