import { PtsInvalidRequestError } from '../errors/pts-error.js';

/**
 * The opaque cursor of the order lists (orders, subscriptions): the last row's `created_at`
 * (as PostgreSQL printed it, microseconds included) and its id, base64url JSON.
 */
export function encodeOrderCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id]), 'utf8').toString('base64url');
}

/** Exactly what `encodeOrderCursor` wrote: a crafted cursor is a 400, never a database error. */
export function decodeOrderCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(value[0]) &&
      !Number.isNaN(Date.parse(value[0])) &&
      typeof value[1] === 'string' &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value[1])
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through
  }
  throw new PtsInvalidRequestError(
    'invalid_cursor',
    'cursor is not one this API returned',
    'cursor',
  );
}
