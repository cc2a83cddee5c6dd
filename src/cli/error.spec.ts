import { describe, expect, it } from 'vitest';
import { PtsError } from '../pts/errors/pts-error.js';
import { PtsCliError } from './error.js';

describe('PtsCliError', () => {
  it('exits 2 for bad usage and 1 for a check that failed, in the one hierarchy', () => {
    const usage = PtsCliError.usage('option --file is empty');
    expect(usage).toBeInstanceOf(PtsCliError);
    expect(usage).toBeInstanceOf(PtsError);
    expect(usage).toMatchObject({ code: 'usage', exitCode: 2, message: 'option --file is empty' });
    const cause = new Error('lower');
    const failed = PtsCliError.failed('bad_sign', 'the `sign` does not verify', { cause });
    expect(failed).toMatchObject({ name: 'PtsCliError', code: 'bad_sign', exitCode: 1 });
    expect(failed.cause).toBe(cause);
  });
});
