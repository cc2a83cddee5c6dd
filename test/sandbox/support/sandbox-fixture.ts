import {
  generateSandboxCredentials,
  type PtsSandboxCredentials,
} from '../../../src/sandbox/index.js';
import type { HandMerchant } from '../../support/hand-made-pts.js';

let cached: PtsSandboxCredentials | undefined;

/** One set of test credentials per test file (RSA key generation is the slow part). */
export function testCredentials(): PtsSandboxCredentials {
  cached ??= generateSandboxCredentials();
  return cached;
}

export function handMerchant(
  credentials: PtsSandboxCredentials,
  overrides: Partial<HandMerchant> = {},
): HandMerchant {
  return {
    userId: credentials.userId,
    safecode: credentials.safecode,
    guid: credentials.guid,
    transactionSecret: credentials.transactionSecret,
    merchantPrivateKeyPem: credentials.merchantPrivateKeyPem,
    gatewayPublicKeyPem: credentials.gatewayPublicKeyPem,
    ...overrides,
  };
}

let sequence = 0;

/** A fresh order id, unique across runs. */
export function newOrderId(prefix = 'SBX'): string {
  sequence += 1;
  return `${prefix}${Date.now().toString(36)}${process.pid.toString(36)}${sequence}`.toUpperCase();
}
