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
  override readonly name: string = 'PtsCallbackRejection';

  constructor(
    readonly httpStatus: number,
    readonly reason: string,
    readonly context: PtsCallbackRejectionContext = {},
  ) {
    super('callback_rejected', reason);
  }
}

/** The request cannot be taken as a callback at all (routes off, no raw body); answered FAILED. */
export class PtsCallbackRefused extends PtsError {
  override readonly name: string = 'PtsCallbackRefused';

  constructor(
    readonly httpStatus: number,
    message: string,
  ) {
    super('callback_refused', message);
  }
}
