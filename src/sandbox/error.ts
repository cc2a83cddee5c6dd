import { PtsError } from '../pts/errors/pts-error.js';

/** Misuse of the sandbox itself: a bad option, an unknown order, a settle on a final order. */
export class PtsSandboxError extends PtsError {
  override readonly name: string = 'PtsSandboxError';
}

/**
 * The gateway refuses a merchant request with a PTS envelope code (B 5.2). Internal: thrown by
 * the checks and turned into a `{code, message}` answer, never into an HTTP error.
 */
export class PtsSandboxRefusal extends PtsSandboxError {
  override readonly name: string = 'PtsSandboxRefusal';

  constructor(
    readonly ptsCode: string,
    /** Why, for the `message` of the answer; never contains a secret. */
    readonly detail: string,
  ) {
    super(`refused_${ptsCode}`, detail);
  }
}
