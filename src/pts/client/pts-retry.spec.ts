import { describe, expect, it } from 'vitest';
import {
  PtsGatewayError,
  PtsNetworkError,
  PtsProtocolError,
  PtsSignatureError,
  PtsTimeoutError,
} from '../errors/pts-error.js';
import { isPtsRetryable, ptsBackoffDelay, withPtsRetry } from './pts-retry.js';

const settings = { attempts: 4, baseDelayMs: 100, maxDelayMs: 300 };

describe('ptsBackoffDelay', () => {
  it('doubles the ceiling each retry and caps it (full jitter up to the ceiling)', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4].map((n) => ptsBackoffDelay(n, settings, top))).toEqual([99, 199, 299, 299]);
    expect(ptsBackoffDelay(3, settings, () => 0)).toBe(0);
    expect(ptsBackoffDelay(2, settings, () => 0.5)).toBe(100);
  });
});

describe('isPtsRetryable', () => {
  it.each([
    ['a timeout', new PtsTimeoutError('t', false), true],
    ['a network failure', new PtsNetworkError('n', false), true],
    ['a non-envelope 503', new PtsProtocolError('not_an_envelope', 'x', 503), true],
    ['a non-envelope 404', new PtsProtocolError('not_an_envelope', 'x', 404), false],
    ['an envelope code', new PtsGatewayError('9999', 'x', 'y', 500), false],
    ['a bad signature', new PtsSignatureError('signature_mismatch', 'x'), false],
  ])('says %s is %s', (_what, error, retryable) => {
    expect(isPtsRetryable(error)).toBe(retryable);
  });
});

describe('withPtsRetry', () => {
  it('stops at the configured number of attempts and throws the last error', async () => {
    let calls = 0;
    const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 };
    await expect(
      withPtsRetry(fast, async () => {
        calls += 1;
        throw new PtsNetworkError(`attempt ${calls}`, false);
      }),
    ).rejects.toThrow('attempt 3');
    expect(calls).toBe(3);
  });

  it('does not retry what is not retryable', async () => {
    let calls = 0;
    await expect(
      withPtsRetry(settings, async () => {
        calls += 1;
        throw new PtsGatewayError('1001', 'x', 'y');
      }),
    ).rejects.toBeInstanceOf(PtsGatewayError);
    expect(calls).toBe(1);
  });

  it('returns the first success', async () => {
    let calls = 0;
    const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 };
    const result = await withPtsRetry(fast, async (n) => {
      calls += 1;
      if (n < 2) throw new PtsTimeoutError('slow', false);
      return 'ok';
    });
    expect([result, calls]).toEqual(['ok', 2]);
  });
});
