/**
 * `pts-nest/testing`: the PTS gateway sandbox, for a host's own tests (`startPtsSandbox`), the
 * service's sandbox mode and merchants rehearsing failures.
 */
export {
  startPtsSandbox,
  type PtsTestSandbox,
  type StartPtsSandboxOptions,
} from './start-pts-sandbox.js';
export { PtsSandbox } from './pts-sandbox.js';
export {
  generateSandboxCredentials,
  loadOrCreateSandboxCredentials,
  sandboxMerchantFromCredentials,
  type PtsSandboxCredentialFiles,
  type PtsSandboxCredentials,
  type PtsSandboxStoredCredentials,
} from './pts-sandbox-credentials.js';
export {
  PTS_SANDBOX_DEFAULT_BALANCES,
  PTS_SANDBOX_DEFAULT_CHANNELS,
  type PtsSandboxChannel,
  type PtsSandboxMerchant,
  type PtsSandboxOptions,
} from './pts-sandbox-options.js';
export {
  parsePtsSandboxFault,
  type PtsSandboxActiveFault,
  type PtsSandboxFault,
  type PtsSandboxFaultKind,
  type PtsSandboxFaultScope,
} from './pts-sandbox-faults.js';
export type { PtsSandboxRequestRecord } from './pts-sandbox-gateway.js';
export type { PtsSandboxDeliveryKind, PtsSandboxDeliveryRecord } from './pts-sandbox-deliveries.js';
export type {
  PtsSandboxOrder,
  PtsSandboxOrderKind,
  PtsSandboxOutcome,
} from './pts-sandbox-store.js';
export type { PtsSandboxMerchantInfo } from './pts-sandbox-control.js';
export { PtsSandboxError } from './pts-sandbox-error.js';
export {
  PTS_SANDBOX_DEFAULT_EXCHANGE_RATES,
  type PtsSandboxChargeOutcome,
  type PtsSandboxSubscription,
  type PtsSandboxSubscriptionPayment,
} from './pts-sandbox-subscriptions.js';
