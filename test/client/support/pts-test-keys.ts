import { generateKeyPairSync } from 'node:crypto';

/** RSA test keys, generated at test time (never real keys), cached per test file. */
export interface PtsTestKeys {
  merchantPrivateKeyPem: string;
  merchantPublicKeyPem: string;
  gatewayPrivateKeyPem: string;
  gatewayPublicKeyPem: string;
}

let cached: PtsTestKeys | undefined;

function pair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

export function ptsTestKeys(): PtsTestKeys {
  if (!cached) {
    const merchant = pair();
    const gateway = pair();
    cached = {
      merchantPrivateKeyPem: merchant.privateKey,
      merchantPublicKeyPem: merchant.publicKey,
      gatewayPrivateKeyPem: gateway.privateKey,
      gatewayPublicKeyPem: gateway.publicKey,
    };
  }
  return cached;
}
