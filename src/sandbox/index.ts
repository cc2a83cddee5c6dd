/**
 * `pts-nest/testing`: the PTS gateway sandbox, for a host's own tests (`startPtsSandbox`), the
 * service's sandbox mode and merchants rehearsing failures.
 */
export {
  startPtsSandbox,
  type PtsTestSandbox,
  type StartPtsSandboxOptions,
} from './start-pts-sandbox.js';
export { PtsSandbox } from './sandbox.js';
export {
  generateSandboxCredentials,
  loadOrCreateSandboxCredentials,
  sandboxMerchantFromCredentials,
  type PtsSandboxCredentialFiles,
  type PtsSandboxCredentials,
  type PtsSandboxStoredCredentials,
} from './credentials.js';
export {
  PTS_SANDBOX_DEFAULT_BALANCES,
  PTS_SANDBOX_DEFAULT_CHANNELS,
  type PtsSandboxChannel,
  type PtsSandboxMerchant,
  type PtsSandboxOptions,
} from './options.js';
export {
  parsePtsSandboxFault,
  type PtsSandboxActiveFault,
  type PtsSandboxFault,
  type PtsSandboxFaultKind,
  type PtsSandboxFaultScope,
} from './faults.js';
export type { PtsSandboxRequestRecord } from './gateway.js';
export type { PtsSandboxDeliveryKind, PtsSandboxDeliveryRecord } from './delivery-record.js';
export type { PtsSandboxOrder, PtsSandboxOrderKind, PtsSandboxOutcome } from './order.js';
export type { PtsSandboxMerchantInfo } from './control.js';
export { PtsSandboxError } from './error.js';
export { PTS_SANDBOX_DEFAULT_EXCHANGE_RATES } from './exchange-rates.js';
export type {
  PtsSandboxChargeOutcome,
  PtsSandboxSubscription,
  PtsSandboxSubscriptionPayment,
} from './subscriptions.js';
