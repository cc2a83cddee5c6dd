import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PtsInvalidRequestError } from '../errors/pts-error.js';
import type { PtsPage } from '../orders/pts-payments.js';
import { PtsCallbackEntity, type PtsCallbackOutcome } from './pts-callback.entity.js';

export interface PtsCallbackListQuery {
  outcome?: PtsCallbackOutcome;
  limit?: number;
  cursor?: string;
}

/** Reads the stored callbacks, newest first, with a keyset cursor on `id`. */
@Injectable()
export class PtsCallbackQueries {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(query: PtsCallbackListQuery): Promise<PtsPage<PtsCallbackEntity>> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
    const qb = this.dataSource
      .getRepository(PtsCallbackEntity)
      .createQueryBuilder('c')
      .orderBy('c.id', 'DESC')
      .limit(limit + 1);
    if (query.outcome) qb.andWhere('c.outcome = :outcome', { outcome: query.outcome });
    if (query.cursor !== undefined) {
      if (!/^[1-9]\d{0,18}$/.test(query.cursor) || BigInt(query.cursor) > 9223372036854775807n) {
        throw new PtsInvalidRequestError({
          code: 'invalid_cursor',
          message: 'cursor is not one this API returned',
          field: 'cursor',
        });
      }
      qb.andWhere('c.id < :cursor', { cursor: query.cursor });
    }
    const rows = await qb.getMany();
    const items = rows.slice(0, limit);
    return {
      items,
      nextCursor: rows.length > limit ? items[items.length - 1].id : null,
    };
  }
}
