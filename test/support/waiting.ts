/** Polls until `check` returns a value (not undefined/false), bounded in time. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A deliberate window in which nothing more may happen: a test that has seen what it waited
 * for (with `eventually` or a sandbox wait) lets `ms` pass, then asserts that no extra
 * delivery, retry, query or event followed. There is no event for "nothing came", so the
 * window is time; each caller says what it gives room to. Never use it to wait for something
 * to happen: that is `eventually`.
 */
export function quietFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
