import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { PtsModuleOptions } from './options/pts-module-options.js';

/** What a `useClass` / `useExisting` options factory implements (as `createTypeOrmOptions`). */
export interface PtsOptionsFactory {
  createPtsOptions(): PtsModuleOptions | Promise<PtsModuleOptions>;
}

/** Extra, non-PTS settings of `forRoot` / `forRootAsync`. */
export interface PtsModuleExtras {
  /** Register the module globally, so feature modules need not import it; default false. */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass: PtsConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: PTS_MODULE_OPTIONS,
  OPTIONS_TYPE: PTS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: PTS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<PtsModuleOptions>({ moduleName: 'Pts' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createPtsOptions')
  .setExtras<PtsModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** `PtsModule.forRoot(options)`: the module options plus `isGlobal`. */
export type PtsModuleForRootOptions = typeof PTS_OPTIONS_TYPE;
/** `PtsModule.forRootAsync({ imports, inject, useFactory | useClass | useExisting, isGlobal })`. */
export type PtsModuleAsyncOptions = typeof PTS_ASYNC_OPTIONS_TYPE;
