import type { PtsAccountOptions } from '../../src/pts/index.js';
import type { PtsSandboxCredentials } from '../../src/sandbox/index.js';

/**
 * The module account of a sandbox merchant, written from its credentials as a host app writes
 * it: v2 unless `apiVersion: 'v1'` (then without `guid` and `transactionSecret`); `more` adds
 * or overrides options (`name`, ...).
 */
export function sandboxAccount(
  credentials: PtsSandboxCredentials,
  baseUrl: string,
  more: Partial<PtsAccountOptions> = {},
): PtsAccountOptions {
  return {
    baseUrl,
    userId: credentials.userId,
    safecode: credentials.safecode,
    merchantPrivateKey: credentials.merchantPrivateKeyPem,
    gatewayPublicKey: credentials.gatewayPublicKeyPem,
    ...(more.apiVersion === 'v1'
      ? {}
      : { guid: credentials.guid, transactionSecret: credentials.transactionSecret }),
    ...more,
  };
}
