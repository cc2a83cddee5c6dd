import type { SelectQueryBuilder } from 'typeorm';
import { PtsInvalidRequestError } from '../errors/pts-error.js';
import type { PtsOrderEntity } from './pts-order.entity.js';
import { ptsExactTimeSql } from './pts-reconcile-schedule.js';

export interface PtsPage<T> {
  items: T[];
  nextCursor: string | null;
}

/** The most rows one page of an admin list carries. */
export const PTS_MAX_PAGE = 200;

/** A page size as asked, kept within 1 to `PTS_MAX_PAGE`; 50 when not asked. */
export function ptsPageLimit(limit: number | undefined): number {
  return Math.min(Math.max(limit ?? 50, 1), PTS_MAX_PAGE);
}

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
  throw new PtsInvalidRequestError({
    code: 'invalid_cursor',
    message: 'cursor is not one this API returned',
    field: 'cursor',
  });
}

/**
 * One page of orders, newest first, from a query builder over `PtsOrderEntity` aliased `o`
 * that carries the list's filters: keyset on `(created_at, id)`, stable under inserts;
 * `nextCursor` continues after the last item. The cursor keeps `created_at` to the
 * microsecond, which a JavaScript `Date` would cut to milliseconds, so PostgreSQL prints it.
 */
export async function pageOfOrders(
  qb: SelectQueryBuilder<PtsOrderEntity>,
  limit: number,
  cursor: string | undefined,
): Promise<PtsPage<PtsOrderEntity>> {
  qb.addSelect(ptsExactTimeSql('o.created_at'), 'cursor_at')
    .orderBy('o.created_at', 'DESC')
    .addOrderBy('o.id', 'DESC')
    .limit(limit + 1);
  if (cursor) {
    const [at, id] = decodeOrderCursor(cursor);
    qb.andWhere(
      '(o.created_at, o.id) < (CAST(:cursorAt AS timestamptz), CAST(:cursorId AS uuid))',
      {
        cursorAt: at,
        cursorId: id,
      },
    );
  }
  const { entities, raw } = await qb.getRawAndEntities<{ cursor_at: string }>();
  const items = entities.slice(0, limit);
  const last =
    items.length === limit && entities.length > limit ? items[items.length - 1] : undefined;
  const lastRaw = last ? raw[items.length - 1] : undefined;
  return {
    items,
    nextCursor: last && lastRaw ? encodeOrderCursor(lastRaw.cursor_at, last.id) : null,
  };
}
