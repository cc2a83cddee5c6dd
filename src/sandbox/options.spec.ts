import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolvePtsSandboxOptions, type PtsSandboxMerchant } from './options.js';

const pem = (type: 'pkcs8' | 'spki') => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return type === 'pkcs8'
    ? (pair.privateKey.export({ type, format: 'pem' }) as string)
    : (pair.publicKey.export({ type, format: 'pem' }) as string);
};
const gatewayPrivateKey = pem('pkcs8');
const merchantPublicKey = pem('spki');

const merchant = (overrides: Partial<PtsSandboxMerchant> = {}): PtsSandboxMerchant => ({
  userId: '1',
  safecode: '0123456789abcdef0123456789abcdef',
  guid: 'g-1',
  transactionSecret: 'secret',
  merchantPublicKey,
  ...overrides,
});

describe('resolvePtsSandboxOptions', () => {
  it('applies the documented defaults', () => {
    const settings = resolvePtsSandboxOptions({ gatewayPrivateKey, merchants: [merchant()] });
    expect(settings).toMatchObject({
      port: 0,
      host: '127.0.0.1',
      withdrawDelayMs: 1000,
      autoSettleWithdrawals: true,
      callbackAttempts: 5,
      callbackBaseDelayMs: 1000,
      tokenTtlSeconds: 7200,
      timestampToleranceSeconds: 5,
    });
    expect(settings.accounts[0]).toMatchObject({
      userId: '1',
      transactionSignatureOver: 'body',
      currencies: ['PHP'],
    });
  });

  it('reports every problem at once, each naming its option', () => {
    let message = '';
    try {
      resolvePtsSandboxOptions({
        gatewayPrivateKey,
        merchants: [
          merchant({ safecode: 'twenty-characters-x' }),
          merchant({ safecode: '0123456789abcdef', merchantPublicKey: gatewayPrivateKey }),
          merchant({ guid: 'g-1', userId: '3', withdrawConfirmUrl: 'ftp://x' }),
        ],
        callbackRetry: { attempts: 0 },
        withdrawDelayMs: -1,
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('`merchants[0].safecode` has 19 bytes');
    expect(message).toContain('`merchants[1].userId` repeats 1');
    expect(message).toContain('`merchants[1].merchantPublicKey` holds a private key');
    expect(message).toContain("`merchants[2].guid` repeats another merchant's GUID");
    expect(message).toContain('`merchants[2].withdrawConfirmUrl` must be an http(s) URL');
    expect(message).toContain(
      '`callbackRetry.attempts` is 0; it must be a whole number of attempts from 1 to 100.',
    );
    expect(message).toContain(
      '`withdrawDelayMs` is -1; it must be a whole number of milliseconds from 0 to 86400000.',
    );
  });

  it('refuses an empty merchant list', () => {
    expect(() => resolvePtsSandboxOptions({ gatewayPrivateKey, merchants: [] })).toThrow(
      /at least one merchant/,
    );
  });

  it('accepts a short safecode with aesKeyMode zero-pad-256', () => {
    const settings = resolvePtsSandboxOptions({
      gatewayPrivateKey,
      merchants: [merchant({ safecode: 'short', aesKeyMode: 'zero-pad-256' })],
    });
    expect(settings.accounts).toHaveLength(1);
  });
});
