import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * A new order id (A9): sortable by creation time, URL-safe, 20 characters of [0-9a-z]:
 * 9 characters of milliseconds since the epoch in base 36, then 11 random ones.
 */
export function generatePtsOrderId(now: number = Date.now()): string {
  const time = now.toString(36).padStart(9, '0');
  const bytes = randomBytes(11);
  let random = '';
  for (const byte of bytes) random += ALPHABET[byte % 36];
  return `${time}${random}`;
}

/** What an order id we accept from a caller looks like: PTS puts no rule of its own (B 8.18). */
export const PTS_ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
