import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { queryPrepared } from '../orders/pts-prepared-query.js';
import type { PtsVerification } from '../protocol/pts-signer.js';
import { PtsCallbackEntity, type PtsCallbackOutcome } from './pts-callback.entity.js';
import { storableFreeText } from './pts-callback-storable.js';
import type { PtsInboundCallback } from './pts-inbound-callback.js';

/**
 * How much of a body whose signature did not verify is kept: enough for any real callback
 * (a few hundred bytes) to be read back, too little for junk to fill the database. The length
 * and SHA-256 of the whole body are kept too (docs/hardening.md).
 */
export const PTS_UNVERIFIED_BODY_PREFIX_BYTES = 2048;

/** The verdict a callback is stored with (its row is written once, with its final outcome). */
export interface PtsCallbackRecord {
  account?: string;
  orderId?: string;
  orderRef?: string;
  ptsStatus?: string;
  verification?: PtsVerification;
  outcome: PtsCallbackOutcome;
  httpStatus: number;
  reason?: string;
}

/** A `pts_callbacks` row as the store writes it (database defaults fill the rest). */
export type PtsCallbackRow = Omit<PtsCallbackEntity, 'id' | 'receivedAt'>;

/**
 * The one place that writes `pts_callbacks`: every callback that arrives is stored with its
 * outcome, rejected ones included (docs/protocol.md A6), within the bounds of
 * docs/hardening.md, section 1.
 */
@Injectable()
export class PtsCallbackStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The INSERT TypeORM's query builder writes for a row, kept after the first one with the
   * columns its parameters come from: every row has the same columns, so only the values
   * change, and building the statement again cost more CPU than sending it.
   */
  private built?: { sql: string; columns: ColumnMetadata[] };

  /** Stores a row on its own (autocommit: no transaction, no lock) or in `manager`'s; its id. */
  async insert(
    callback: PtsInboundCallback,
    record: PtsCallbackRecord,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string> {
    const row = ptsCallbackRow(callback, record);
    let sql: string;
    let params: unknown[];
    if (this.built) {
      sql = this.built.sql;
      params = this.values(row, this.built.columns);
    } else {
      [sql, params] = manager
        .createQueryBuilder()
        .insert()
        .into(PtsCallbackEntity)
        .values(row)
        .updateEntity(false)
        .returning('id')
        .getQueryAndParameters();
      const columns = this.dataSource
        .getMetadata(PtsCallbackEntity)
        .columns.filter((column) => Object.hasOwn(row, column.propertyName));
      // Kept only if its parameters are exactly the row's values in the entity's column order.
      if (isDeepStrictEqual(this.values(row, columns), params)) this.built = { sql, columns };
    }
    const rows = await queryPrepared<{ id: string }>(this.dataSource, manager, sql, params);
    return String(rows[0].id);
  }

  private values(row: PtsCallbackRow, columns: ColumnMetadata[]): unknown[] {
    const driver = this.dataSource.driver;
    return columns.map((column): unknown =>
      driver.preparePersistentValue(row[column.propertyName as keyof PtsCallbackRow], column),
    );
  }
}

/** The row of a callback and its verdict: what of the body and headers is kept. */
export function ptsCallbackRow(
  callback: PtsInboundCallback,
  record: PtsCallbackRecord,
): PtsCallbackRow {
  const { body } = callback;
  // A body whose signature did not verify is anyone's: only a prefix of it is kept.
  const kept =
    record.verification === undefined
      ? body.bytes.subarray(0, PTS_UNVERIFIED_BODY_PREFIX_BYTES)
      : body.bytes;
  return {
    kind: callback.kind,
    remoteAddress: callback.remoteAddress?.slice(0, 64) ?? null,
    headers: callback.headers,
    rawBody: storableText(kept),
    bodyBytes: body.totalBytes,
    bodyTruncated: body.truncated || kept.length < body.bytes.length,
    bodySha256:
      body.sha256 ??
      (body.truncated ? null : createHash('sha256').update(body.bytes).digest('hex')),
    account: record.account ?? null,
    orderId: storableFreeText(record.orderId, 64)?.slice(0, 64) ?? null,
    orderRef: record.orderRef ?? null,
    ptsStatus: record.ptsStatus?.slice(0, 4) ?? null,
    signatureValid: record.verification !== undefined,
    numberRendering: record.verification?.rendering ?? null,
    outcome: record.outcome,
    reason: storableFreeText(record.reason, 500) ?? null,
    httpStatus: record.httpStatus,
    replayOf: callback.replayOf ?? null,
  };
}

/** PostgreSQL text cannot hold NUL or invalid UTF-8; such bytes are replaced, visibly. */
function storableText(bytes: Buffer): string {
  return bytes.toString('utf8').replaceAll('\u0000', '\uFFFD');
}
