import { PtsError } from '../pts/errors/pts-error.js';

/** Misuse of the sandbox itself: a bad option, an unknown order, a settle on a final order. */
export class PtsSandboxError extends PtsError {}

/**
 * The gateway refuses a merchant request with a PTS envelope code (docs/protocol.md B5.2). Internal: thrown by
 * the checks and turned into a `{code, message}` answer, never into an HTTP error. Its message
 * says why, for the `message` of the answer; it never contains a secret.
 */
export class PtsSandboxRefusal extends PtsSandboxError {
  declare readonly ptsCode: string;

  static fromCode(ptsCode: string, detail: string): PtsSandboxRefusal {
    return new PtsSandboxRefusal({ code: `refused_${ptsCode}`, message: detail, ptsCode });
  }
}
