import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PtsModule } from '../pts/pts.module.js';
import { AdminController } from './admin/admin.controller.js';
import { AdminSubscriptionsController } from './admin/admin-subscriptions.controller.js';
import { ADMIN_API_KEYS } from './admin/admin-auth.guard.js';
import { AdminAuthGuard } from './admin/admin-auth.guard.js';
import { AdminOrdersService } from './admin/admin-orders.service.js';
import type { AppSettings } from './app-settings.js';
import { buildDataSourceOptions } from './database/data-source-options.js';
import { GatewayReachability, OpsController } from './ops/ops.controller.js';

/** The runnable payment service: the host's database wiring, PtsModule, the admin API. */
@Module({})
export class AppModule {
  static forRoot(settings: AppSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot(buildDataSourceOptions(settings.database)),
        PtsModule.forRoot({ ...settings.pts, orders: settings.orders }),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [AdminController, AdminSubscriptionsController, OpsController],
      providers: [
        { provide: ADMIN_API_KEYS, useValue: settings.adminKeys },
        AdminAuthGuard,
        AdminOrdersService,
        GatewayReachability,
      ],
    };
  }
}
