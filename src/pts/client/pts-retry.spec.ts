import { describe, expect, it } from 'vitest';
import {
  PtsError,
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
    [
      'a timeout',
      new PtsTimeoutError({ code: 'timeout', message: 't', outcomeUnknown: false }),
      true,
    ],
    [
      'a network failure',
      new PtsNetworkError({ code: 'network', message: 'n', outcomeUnknown: false }),
      true,
    ],
    [
      'a non-envelope 503',
      new PtsProtocolError({ code: 'not_an_envelope', message: 'x', httpStatus: 503 }),
      true,
    ],
    [
      'a non-envelope 404',
      new PtsProtocolError({ code: 'not_an_envelope', message: 'x', httpStatus: 404 }),
      false,
    ],
    ['an envelope code', PtsError.fromGatewayAnswer({ code: '9999', message: 'x' }, 500), false],
    ['a bad signature', new PtsSignatureError({ code: 'signature_mismatch', message: 'x' }), false],
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
        throw new PtsNetworkError({
          code: 'network',
          message: `attempt ${calls}`,
          outcomeUnknown: false,
        });
      }),
    ).rejects.toThrow('attempt 3');
    expect(calls).toBe(3);
  });

  it('does not retry what is not retryable', async () => {
    let calls = 0;
    await expect(
      withPtsRetry(settings, async () => {
        calls += 1;
        throw PtsError.fromGatewayAnswer({ code: '1001', message: 'x' });
      }),
    ).rejects.toBeInstanceOf(PtsGatewayError);
    expect(calls).toBe(1);
  });

  it('returns the first success', async () => {
    let calls = 0;
    const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 };
    const result = await withPtsRetry(fast, async (n) => {
      calls += 1;
      if (n < 2)
        throw new PtsTimeoutError({ code: 'timeout', message: 'slow', outcomeUnknown: false });
      return 'ok';
    });
    expect([result, calls]).toEqual(['ok', 2]);
  });
});
