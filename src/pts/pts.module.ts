import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { PtsConfigurableModuleClass } from './pts.module-definition.js';
import { PTS_CONTROLLERS, PTS_EXPORTS, PTS_PROVIDERS } from './pts.providers.js';

/**
 * The PTS gateway module: `PtsModule.forRoot(options)` or
 * `PtsModule.forRootAsync({ imports, inject, useFactory | useClass | useExisting })`.
 * The host provides PostgreSQL through `TypeOrmModule.forRoot({ entities: [...PTS_ENTITIES] })`.
 */
@Module({
  // An axios instance of our own: the host's interceptors and defaults never touch PTS traffic.
  imports: [HttpModule.register({}), DiscoveryModule],
  providers: PTS_PROVIDERS,
  controllers: PTS_CONTROLLERS,
  exports: PTS_EXPORTS,
})
export class PtsModule extends PtsConfigurableModuleClass {}
