import { PtsError } from '../pts/errors/pts-error.js';

/** 0: done; 1: a check failed (signature, reply, decryption); 2: bad usage or bad input. */
export type PtsCliExitCode = 0 | 1 | 2;

/**
 * An error the `pts` command reports as one line on stderr and an exit code. Part of the one
 * hierarchy so that a protocol error and a CLI error read alike.
 */
export class PtsCliError extends PtsError {
  readonly exitCode: 1 | 2 = 1;

  /** Bad usage or bad input: exit code 2. */
  static usage(message: string, code = 'usage'): PtsCliError {
    return new PtsCliUsageError({ code, message });
  }

  /** A check that ran and failed: exit code 1. */
  static failed(code: string, message: string, options?: { cause?: unknown }): PtsCliError {
    return new PtsCliError({ code, message, cause: options?.cause });
  }
}

/** Bad usage or bad input (exit code 2); made by `PtsCliError.usage`. */
export class PtsCliUsageError extends PtsCliError {
  override readonly exitCode = 2;
}
