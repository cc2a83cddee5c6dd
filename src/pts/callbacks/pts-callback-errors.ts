import { PtsError } from '../errors/pts-error.js';
import type { PtsVerification } from '../protocol/pts-signer.js';

/** What a refused callback still tells about itself, for its stored row. */
export interface PtsCallbackRejectionContext {
  account?: string;
  orderId?: string;
  ptsStatus?: string;
  /** Set when the signature verified before the callback was refused: the gateway's word. */
  verified?: PtsVerification;
}

/**
 * A callback that will never be accepted as sent (docs/protocol.md A6): stored as `rejected`
 * and answered `FAILED` with its 4xx. Returned by the reading, never thrown to the host.
 */
export class PtsCallbackRejection extends PtsError {
  declare readonly httpStatus: number;
  readonly context: PtsCallbackRejectionContext = {};

  /** Why, as stored in the callback row's `reason`. */
  get reason(): string {
    return this.message;
  }

  static of(
    httpStatus: number,
    reason: string,
    context: PtsCallbackRejectionContext = {},
  ): PtsCallbackRejection {
    const rejection = new PtsCallbackRejection({
      code: 'callback_rejected',
      message: reason,
      httpStatus,
    });
    return Object.assign(rejection, { context });
  }
}

/** The request cannot be taken as a callback at all (routes off, no raw body); answered FAILED. */
export class PtsCallbackRefused extends PtsError {
  declare readonly httpStatus: number;

  static of(httpStatus: number, message: string): PtsCallbackRefused {
    return new PtsCallbackRefused({ code: 'callback_refused', message, httpStatus });
  }
}
