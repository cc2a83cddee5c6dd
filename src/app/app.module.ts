import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerGuard } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PtsModule } from 'pts-nest';
import { AdminController } from './admin/admin.controller.js';
import { AdminSubscriptionsController } from './admin/admin-subscriptions.controller.js';
import { ADMIN_API_KEYS } from './admin/admin-auth.guard.js';
import { AdminAuthGuard } from './admin/admin-auth.guard.js';
import { AdminOrdersService } from './admin/admin-orders.service.js';
import { AdminOverviewService } from './admin/admin-overview.service.js';
import type { AppSettings } from './app-settings.js';
import { ConsoleController } from './console/console.controller.js';
import {
  buildDataSourceOptions,
  DEFAULT_DATABASE_TIMEOUTS,
} from './database/data-source-options.js';
import { DEFAULT_RATE_LIMITS, rateLimitModule } from './http/rate-limits.js';
import { GatewayReachability, OpsController } from './ops/ops.controller.js';

/** The runnable payment service: the host's database wiring, PtsModule, the admin API. */
@Module({})
export class AppModule {
  static forRoot(settings: AppSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot(
          buildDataSourceOptions({
            ...settings.database,
            timeouts: { ...DEFAULT_DATABASE_TIMEOUTS, ...settings.database.timeouts },
          }),
        ),
        PtsModule.forRoot({ ...settings.pts, orders: settings.orders }),
        TerminusModule.forRoot({ logger: false }),
        rateLimitModule({ ...DEFAULT_RATE_LIMITS, ...settings.rateLimits }),
      ],
      controllers: [
        AdminController,
        AdminSubscriptionsController,
        OpsController,
        ConsoleController,
      ],
      providers: [
        { provide: ADMIN_API_KEYS, useValue: settings.adminKeys },
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        AdminAuthGuard,
        AdminOrdersService,
        AdminOverviewService,
        GatewayReachability,
      ],
    };
  }
}
