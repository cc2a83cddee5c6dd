import { PtsNetworkError, PtsProtocolError, PtsTimeoutError } from '../errors/pts-error.js';
import type { PtsRetrySettings } from '../options/pts-settings.js';

/**
 * What an idempotent call may retry: no answer (timeout, connection failure) or an answer that
 * is not a PTS envelope from a failing server (5xx). An envelope code is an answer: never retried.
 */
export function isPtsRetryable(error: unknown): boolean {
  if (error instanceof PtsTimeoutError || error instanceof PtsNetworkError) return true;
  return error instanceof PtsProtocolError && (error.httpStatus ?? 0) >= 500;
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base * 2^(retry-1))]. */
export function ptsBackoffDelay(
  retry: number,
  settings: PtsRetrySettings,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `attempt` up to `settings.attempts` times while it fails retryably. Each attempt builds
 * its request anew, so that timestamps stay within the gateway's 5 s window (B 1.1).
 */
export async function withPtsRetry<T>(
  settings: PtsRetrySettings,
  attempt: (attemptNumber: number) => Promise<T>,
  onRetry?: (error: unknown, attemptNumber: number, delayMs: number) => void,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= settings.attempts || !isPtsRetryable(error)) throw error;
      const delay = ptsBackoffDelay(n, settings);
      onRetry?.(error, n, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
