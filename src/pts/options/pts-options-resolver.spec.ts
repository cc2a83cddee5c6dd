import { describe, expect, it } from 'vitest';
import { PtsConfigurationErrors } from '../errors/pts-error.js';
import { resolvePtsOptions } from './pts-options-resolver.js';

function problemsOf(orders: unknown): string[] {
  try {
    resolvePtsOptions({ accounts: [], orders });
  } catch (error) {
    if (error instanceof PtsConfigurationErrors) return error.problems.map((p) => p.message);
    throw error;
  }
  return [];
}

describe('resolvePtsOptions: the order layer', () => {
  it('names the reconciliation schedule when it does not grow or is no duration', () => {
    expect(problemsOf({ reconcileDelays: '5m,1m' }).join('\n')).toContain(
      '`orders.reconcileDelays` must grow',
    );
    expect(problemsOf({ reconcileDelays: ['1m', 'later'] }).join('\n')).toContain('"later"');
    expect(problemsOf({ reconcileDelays: 60 }).join('\n')).toContain('orders.reconcileDelays');
  });

  it('refuses a job schema that is no plain PostgreSQL name, and unknown order options', () => {
    const text = problemsOf({ jobsSchema: 'x; DROP', reconcileDelay: '1m' }).join('\n');
    expect(text).toContain('orders.jobsSchema');
    expect(text).toContain('`orders.reconcileDelay` is not an option');
    expect(text).toContain('`reconcileDelays`');
  });

  it('accepts a valid schedule and schema (only the missing account is reported)', () => {
    expect(
      problemsOf({ reconcileDelays: ['30s', 120_000], jobsSchema: 'payments_jobs' }),
    ).toHaveLength(1);
  });
});
