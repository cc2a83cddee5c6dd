/** `30s`, `5m`, `1h`, `1d` (or bare milliseconds) as milliseconds. */
const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION = /^(\d{1,9})(ms|s|m|h|d)?$/;

/** One duration; undefined when the text is not one. */
export function parsePtsDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] ?? 'ms'];
}

/**
 * A reconciliation schedule: comma-separated durations (`1m,5m,15m`), or a list of durations
 * and milliseconds. Returns the delays, or the problem in words (for a boot error).
 */
export function parsePtsDelays(
  value: string | readonly (string | number)[],
): { delaysMs: number[] } | { problem: string } {
  const items = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : [...value];
  if (items.length === 0 || (items.length === 1 && items[0] === '')) {
    return { problem: 'is empty; give at least one delay, e.g. "1m,5m,15m,1h,6h,24h"' };
  }
  const delaysMs: number[] = [];
  for (const item of items) {
    const ms = typeof item === 'number' ? item : parsePtsDuration(item);
    if (ms === undefined || !Number.isInteger(ms) || ms < 1000) {
      return {
        problem: `has ${JSON.stringify(item)}, which is not a duration of at least 1s (write 30s, 5m, 1h or 1d)`,
      };
    }
    delaysMs.push(ms);
  }
  for (let i = 1; i < delaysMs.length; i++) {
    if (delaysMs[i] <= delaysMs[i - 1]) {
      return {
        problem: `must grow: each delay counts from the order's last change, so ${String(items[i])} after ${String(items[i - 1])} would never come later`,
      };
    }
  }
  return { delaysMs };
}
