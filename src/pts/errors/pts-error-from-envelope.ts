import { ptsCodeMeaning } from '../protocol/pts-codes.js';
import { PtsGatewayError } from './pts-error.js';

/**
 * The one place a PTS envelope code other than 1000 becomes an error: the
 * code, what the gateway said, and what the code means per docs/protocol.md B5.2 (codes the
 * table does not know say so rather than guess).
 */
export function ptsErrorFromEnvelope(
  envelope: { code: string; message: string },
  httpStatus?: number,
): PtsGatewayError {
  return new PtsGatewayError(
    envelope.code,
    envelope.message,
    ptsCodeMeaning(envelope.code),
    httpStatus,
  );
}

/** B 3: 1012 "Token verify failed" and 1016 "API token expired" ask for a fresh v1 token. */
export const PTS_TOKEN_REJECTED_CODES: readonly string[] = ['1012', '1016'];

export function isPtsTokenRejection(error: unknown): error is PtsGatewayError {
  return error instanceof PtsGatewayError && PTS_TOKEN_REJECTED_CODES.includes(error.ptsCode);
}
