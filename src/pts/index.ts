/**
 * `pts-nest`: what a Nest host app uses: the module, its injectable
 * services, entities and migrations, errors, host events, and what a host's own guard, filter
 * or middleware needs. Explicit named exports only; internal tokens, transports and helpers
 * stay unexported. The wire format (sign strings, keys, envelopes, exact-number JSON) is
 * `pts-nest/protocol`; the sandbox gateway for a host's tests is `pts-nest/testing`.
 */

// Module and options
export { PtsModule } from './pts.module.js';
export type {
  PtsModuleAsyncOptions,
  PtsModuleExtras,
  PtsModuleForRootOptions,
  PtsOptionsFactory,
} from './pts.module-definition.js';
export type { PtsAccountOptions, PtsModuleOptions } from './options/pts-module-options.js';
export { PtsSettings, PTS_DEFAULT_SETTINGS } from './options/pts-settings.js';
export type {
  PtsRetrySettings,
  PtsSettingsValues,
  PtsVerifyResponses,
} from './options/pts-settings.js';
export { PtsAccount, PtsAccounts } from './options/pts-accounts.js';
export { checkPtsModuleOptions } from './options/pts-options-resolver.js';
export { PTS_ENTITIES } from './pts-entities.js';
export { PtsAccessTokenEntity } from './client/pts-access-token.entity.js';
export { PTS_MIGRATIONS, PTS_MIGRATIONS_TABLE } from '../../migrations/index.js';

// Client
export { PtsClient } from './client/pts-client.js';
export type {
  PtsBalanceRequest,
  PtsBalanceResult,
  PtsBankCard,
  PtsCallOptions,
  PtsChannelBalance,
  PtsHtmlPaymentResult,
  PtsJsonPaymentResult,
  PtsOrderQueryResult,
  PtsPaymentRequest,
  PtsPaymentResult,
  PtsRedirectPaymentResult,
  PtsSupportChannel,
  PtsSupportChannelsRequest,
  PtsSupportChannelsResult,
  PtsTransactionFields,
  PtsVerificationOutcome,
  PtsWithdrawDetails,
  PtsWithdrawRequest,
  PtsWithdrawResult,
} from './client/pts-client.types.js';

// Metrics
export { PtsMetrics } from './metrics/pts-metrics.js';

// Errors
export {
  PtsConfigurationError,
  PtsConfigurationErrors,
  PtsDecryptionError,
  PtsError,
  PtsGatewayError,
  PtsInvalidRequestError,
  PtsKeyError,
  PtsMalformedMessageError,
  PtsNetworkError,
  PtsProtocolError,
  PtsSignatureError,
  PtsTimeoutError,
  PtsUnknownAccountError,
  isPtsOutcomeUnknown,
} from './errors/pts-error.js';
export type { PtsErrorFields, PtsOrderContext } from './errors/pts-error.js';
export { PtsExceptionFilter, ptsHttpErrorBody } from './errors/pts-exception.filter.js';
export type { PtsHttpErrorBody } from './errors/pts-exception.filter.js';

// The injectable key objects (the default account's); the wire format is `pts-nest/protocol`
export { PtsSigner } from './protocol/pts-signer.js';
export type { PtsSignerOptions, PtsVerification } from './protocol/pts-signer.js';
export { PtsCipher } from './protocol/pts-cipher.js';
export type { PtsAesKeyMode, PtsCipherOptions } from './protocol/pts-cipher.js';
export type { PtsKeyInput } from './protocol/pts-keys.js';
export type { PtsNullRendering, PtsNumberRendering } from './protocol/pts-sign-string.js';
export {
  PTS_ENVELOPE_CODES,
  PTS_SUCCESS_CODE,
  PTS_TRANSACTION_STATUSES,
  ptsCodeMeaning,
} from './protocol/pts-codes.js';
export type { PtsTransactionStatusCode } from './protocol/pts-codes.js';
export type { PtsApiVersion } from './protocol/pts-fields.js';
export type { PtsJsonObject, PtsJsonValue } from './protocol/pts-json.js';
export type { PtsTransactionSignatureOver } from './protocol/pts-transaction-signature.js';

// Orders: the persisted, state-machine-guarded layer, host events, callbacks
export { PtsPayments } from './orders/pts-payments.js';
export type { PtsCreatePaymentInput, PtsCreateWithdrawInput } from './orders/pts-payments.js';
export type { PtsOrderDetail, PtsOrderListQuery } from './orders/pts-order-queries.js';
export type { PtsPage } from './orders/pts-order-cursor.js';
export { PtsOrderEntity } from './orders/pts-order.entity.js';
export { PtsOrderHistoryEntity } from './orders/pts-order-history.entity.js';
export type { PtsTransitionCause } from './orders/pts-order-history.entity.js';
export { PtsOutboxEntity } from './orders/pts-outbox.entity.js';
export {
  PTS_FINAL_STATUSES,
  PTS_ORDER_STATUSES,
  isFinalStatus,
} from './orders/pts-order-status.js';
export { PTS_ORDER_ID_PATTERN } from './orders/pts-order-id.js';
export type { PtsOrderKind, PtsOrderStatus } from './orders/pts-order-status.js';
export { OnPtsOrderStatus } from './orders/pts-order-events.js';
export type { PtsOrderStatusEvent } from './orders/pts-order-events.js';
export { PtsOutboxDispatcher } from './orders/pts-outbox-dispatcher.js';
export type { PtsOrdersOptions, PtsOrdersSettings } from './orders/pts-orders-settings.js';
// Reconciliation, jobs and retention (docs/reconciliation.md)
export { PtsOrderReconciler } from './orders/pts-order-reconciler.js';
export { PtsRetention } from './orders/pts-retention.js';
export type { PtsRetentionResult } from './orders/pts-retention.js';
export {
  PTS_ORDER_FLAGS,
  PTS_ORDER_FLAG_NOTES,
  ptsOrderFlagNote,
} from './orders/pts-order-flags.js';
export type { PtsOrderFlag } from './orders/pts-order-flags.js';
export { parsePtsDelays, parsePtsDuration } from './orders/pts-durations.js';
export {
  PtsCallbackNotFoundError,
  PtsDuplicateOrderError,
  PtsIdempotencyConflictError,
  PtsOrderNotFoundError,
} from './errors/pts-order-errors.js';
export { PtsCallbackEntity, PTS_CALLBACK_OUTCOMES } from './callbacks/pts-callback.entity.js';
export type { PtsCallbackKind, PtsCallbackOutcome } from './callbacks/pts-callback.entity.js';
export { PtsCallbackProcessor } from './callbacks/pts-callback-processor.js';
export type { PtsCallbackVerdict, PtsInboundCallback } from './callbacks/pts-callback-processor.js';
export { PtsCallbackQueries } from './callbacks/pts-callback-queries.js';
export { ptsRawBodyMiddleware } from './callbacks/pts-raw-body.js';
export { PTS_CALLBACK_ROUTE, isPtsCallbackRoute } from './callbacks/pts-callback-route.js';

// Exchange rate (v1), v1 return_hash, and the v2.1 subscriptions (docs/subscriptions.md)
export type { PtsQueryOptions } from './client/pts-client.js';
export { PTS_PERIOD_UNIT_CODES } from './client/pts-subscription.types.js';
export type {
  PtsCard,
  PtsExchangeRate,
  PtsExchangeRateRequest,
  PtsExchangeRateResult,
  PtsSubscribeDisableResult,
  PtsSubscribeRequest,
  PtsSubscribeResult,
  PtsSubscriptionPaymentSummary,
  PtsSubscriptionPeriodUnit,
} from './client/pts-subscription.types.js';
export { PtsSubscriptions } from './subscriptions/pts-subscriptions.js';
export type { PtsCreateSubscriptionInput } from './subscriptions/pts-subscriptions.js';
export type {
  PtsSubscriptionDetail,
  PtsSubscriptionListQuery,
  PtsSubscriptionRecord,
} from './subscriptions/pts-subscription-queries.js';
export { PtsSubscriptionEntity } from './subscriptions/pts-subscription.entity.js';
export { PtsSubscriptionPaymentEntity } from './subscriptions/pts-subscription-payment.entity.js';
export {
  OnPtsSubscriptionPayment,
  PTS_SUBSCRIPTION_PAYMENT_EVENT,
} from './subscriptions/pts-subscription-events.js';
export type { PtsSubscriptionPaymentEvent } from './subscriptions/pts-subscription-events.js';
