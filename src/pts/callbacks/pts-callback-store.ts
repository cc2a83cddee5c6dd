import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
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

  /** Stores a row on its own (autocommit: no transaction, no lock) or in `manager`'s; its id. */
  async insert(
    callback: PtsInboundCallback,
    record: PtsCallbackRecord,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(PtsCallbackEntity)
      .values(ptsCallbackRow(callback, record))
      .updateEntity(false)
      .returning('id')
      .execute();
    return String((result.raw as { id: string }[])[0].id);
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
