import type { Provider, Type } from '@nestjs/common';
import { PtsAccessTokens } from './client/pts-access-tokens.js';
import { PtsClient } from './client/pts-client.js';
import { PtsExchange } from './client/pts-exchange.js';
import { PtsTransport } from './client/pts-transport.js';
import { PtsMetrics } from './metrics/pts-metrics.js';
import { PtsAccounts } from './options/pts-accounts.js';
import type { PtsModuleOptions } from './options/pts-module-options.js';
import { resolvePtsOptions, type PtsResolvedOptions } from './options/pts-options-resolver.js';
import { PtsSettings } from './options/pts-settings.js';
import { PtsCallbackIntake } from './callbacks/pts-callback-intake.js';
import { PtsCallbackProcessor } from './callbacks/pts-callback-processor.js';
import { PtsCallbackQueries } from './callbacks/pts-callback-queries.js';
import { PtsCallbackStore } from './callbacks/pts-callback-store.js';
import { PtsCallbacksController } from './callbacks/pts-callbacks.controller.js';
import { PtsOrderMetrics } from './metrics/pts-order-metrics.js';
import { PtsOrderTransitions } from './orders/pts-order-transitions.js';
import { PTS_ORDERS_SETTINGS } from './orders/pts-orders-settings.js';
import { PtsOutboxDispatcher } from './orders/pts-outbox-dispatcher.js';
import { PtsOrderIntake } from './orders/pts-order-intake.js';
import { PtsOrderQueries } from './orders/pts-order-queries.js';
import { PtsPayments } from './orders/pts-payments.js';
import { PtsJobs } from './orders/pts-jobs.js';
import { PtsOrderReconciler } from './orders/pts-order-reconciler.js';
import { PtsOrderSync } from './orders/pts-order-sync.js';
import { PtsReconcileSchedule } from './orders/pts-reconcile-schedule.js';
import { PtsRetention } from './orders/pts-retention.js';
import { PtsSubscriptionCallbacks } from './subscriptions/pts-subscription-callbacks.js';
import { PtsSubscriptionPaymentRecorder } from './subscriptions/pts-subscription-payment-recorder.js';
import { PtsSubscriptionQueries } from './subscriptions/pts-subscription-queries.js';
import { PtsSubscriptions } from './subscriptions/pts-subscriptions.js';
import { PtsCipher } from './protocol/pts-cipher.js';
import { PtsSigner } from './protocol/pts-signer.js';
import { PtsHostChecks } from './host/pts-host-checks.js';
import { PTS_RESOLVED_OPTIONS } from './pts.constants.js';
import { PTS_MODULE_OPTIONS } from './pts.module-definition.js';

/**
 * The only code that reads the raw module options: defaults, validation of
 * every option at once, keys parsed once. Everything else injects the resolved objects.
 */
export const PTS_OPTIONS_PROVIDERS: Provider[] = [
  {
    provide: PTS_RESOLVED_OPTIONS,
    useFactory: (options: PtsModuleOptions): PtsResolvedOptions => resolvePtsOptions(options),
    inject: [PTS_MODULE_OPTIONS],
  },
  {
    provide: PtsSettings,
    useFactory: (resolved: PtsResolvedOptions) => resolved.settings,
    inject: [PTS_RESOLVED_OPTIONS],
  },
  {
    provide: PtsAccounts,
    useFactory: (resolved: PtsResolvedOptions) => resolved.accounts,
    inject: [PTS_RESOLVED_OPTIONS],
  },
  {
    provide: PTS_ORDERS_SETTINGS,
    useFactory: (resolved: PtsResolvedOptions) => resolved.orders,
    inject: [PTS_RESOLVED_OPTIONS],
  },
  // The default account's key objects, for hosts with one account (README, "Using the module in your app").
  {
    provide: PtsSigner,
    useFactory: (accounts: PtsAccounts) => accounts.get().signer,
    inject: [PtsAccounts],
  },
  {
    provide: PtsCipher,
    useFactory: (accounts: PtsAccounts) => accounts.get().cipher,
    inject: [PtsAccounts],
  },
];

/** The gateway client: transport, shared v1 token cache, one call's exchange, metrics. */
export const PTS_CLIENT_PROVIDERS: Provider[] = [
  PtsMetrics,
  PtsTransport,
  PtsAccessTokens,
  PtsExchange,
  PtsClient,
];

/** Orders, their state machine, jobs (events, reconciliation, retention), the callback side. */
export const PTS_ORDER_PROVIDERS: Provider[] = [
  PtsOrderMetrics,
  PtsJobs,
  PtsReconcileSchedule,
  PtsOrderTransitions,
  PtsOutboxDispatcher,
  PtsOrderSync,
  PtsOrderReconciler,
  PtsRetention,
  PtsOrderIntake,
  PtsOrderQueries,
  PtsPayments,
  PtsSubscriptionQueries,
  PtsSubscriptions,
  PtsSubscriptionPaymentRecorder,
  PtsSubscriptionCallbacks,
  PtsCallbackStore,
  PtsCallbackProcessor,
  PtsCallbackQueries,
  PtsCallbackIntake,
];

export const PTS_PROVIDERS: Provider[] = [
  ...PTS_OPTIONS_PROVIDERS,
  ...PTS_CLIENT_PROVIDERS,
  ...PTS_ORDER_PROVIDERS,
  // Boot checks of the host app: migrations, global prefix, raw body.
  PtsHostChecks,
];

/** What a host may inject. */
export const PTS_EXPORTS: (Type | symbol | string)[] = [
  PtsSettings,
  PtsAccounts,
  PtsSigner,
  PtsCipher,
  PtsClient,
  PtsMetrics,
  PtsPayments,
  PtsSubscriptions,
  PtsCallbackProcessor,
  PtsCallbackQueries,
  PtsOutboxDispatcher,
  PtsOrderReconciler,
  PtsRetention,
];

/** Controllers of the module; the callback routes are added here. */
export const PTS_CONTROLLERS: Type[] = [PtsCallbacksController];
