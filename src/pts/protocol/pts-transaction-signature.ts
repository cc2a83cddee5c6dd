import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** A2.5: what the v2 HMAC covers: the exact base64 body sent, or the plaintext JSON. */
export type PtsTransactionSignatureOver = 'body' | 'plaintext';

/** v2 `X-Transaction-Signature`: base64(HMAC-SHA256(transaction secret, message)). */
export function ptsTransactionSignature(transactionSecret: string, message: string): string {
  return createHmac('sha256', Buffer.from(transactionSecret, 'utf8'))
    .update(message, 'utf8')
    .digest('base64');
}

/** Constant-time check of a received `X-Transaction-Signature`. */
export function verifyPtsTransactionSignature(
  transactionSecret: string,
  message: string,
  header: string | undefined,
): boolean {
  if (!header) return false;
  const expected = Buffer.from(ptsTransactionSignature(transactionSecret, message), 'utf8');
  const given = Buffer.from(header.trim(), 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** v1 token hash (A1, B 3): lowercase hex SHA-256 of random code + user id + safecode. */
export function ptsTokenHash(randomCode: string, userId: string, safecode: string): string {
  return createHash('sha256').update(`${randomCode}${userId}${safecode}`, 'utf8').digest('hex');
}
