import { describe, expect, it } from 'vitest';
import { parsePtsDelays, parsePtsDuration } from './pts-durations.js';
import {
  DEFAULT_PTS_ORDERS_SETTINGS,
  DEFAULT_PTS_RECONCILE_DELAYS,
} from './pts-orders-settings.js';

describe('reconciliation delays', () => {
  it('reads the documented units: 30s, 5m, 1h, 1d, and bare milliseconds', () => {
    expect(['30s', '5m', '1h', '1d', '1500', '250ms'].map(parsePtsDuration)).toEqual([
      30_000, 300_000, 3_600_000, 86_400_000, 1500, 250,
    ]);
    expect(['', '1w', '-5s', '1.5m', 'm'].map(parsePtsDuration)).toEqual(Array(5).fill(undefined));
  });

  it('has the default schedule 1m,5m,15m,1h,6h,24h after the last change', () => {
    expect(DEFAULT_PTS_RECONCILE_DELAYS).toBe('1m,5m,15m,1h,6h,24h');
    expect(DEFAULT_PTS_ORDERS_SETTINGS.reconcileDelaysMs).toEqual([
      60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000,
    ]);
  });

  it('takes a list of durations and milliseconds', () => {
    expect(parsePtsDelays(['2s', 5000, '1m'])).toEqual({ delaysMs: [2000, 5000, 60_000] });
  });

  it('refuses a schedule that is empty, shorter than a second, or does not grow', () => {
    for (const bad of ['', '500ms', '5m,1m', '1m,1m', '1m,,5m', [] as string[]]) {
      expect(parsePtsDelays(bad), JSON.stringify(bad)).toHaveProperty('problem');
    }
  });
});
