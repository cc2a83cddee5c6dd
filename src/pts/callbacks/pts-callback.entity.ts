import { Check, Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { PtsOrderEntity } from '../orders/pts-order.entity.js';

export type PtsCallbackKind =
  'paymentCallback' | 'withdrawCallback' | 'withdrawConfirm' | 'subscribeCallback';

/** What became of a callback (README: the `outcome` filter of `/admin/callbacks`). */
export type PtsCallbackOutcome = 'applied' | 'duplicate' | 'rejected' | 'mismatch' | 'ignored';

export const PTS_CALLBACK_OUTCOMES: readonly PtsCallbackOutcome[] = [
  'applied',
  'duplicate',
  'rejected',
  'mismatch',
  'ignored',
];

/** Every callback and withdraw confirmation as received, with its verdict (`pts_callbacks`). */
@Entity({ name: 'pts_callbacks' })
@Index('ix_pts_callbacks_order_ref', ['orderRef', 'id'])
@Index('ix_pts_callbacks_outcome_id', ['outcome', 'id'])
@Index('ix_pts_callbacks_rejected_received_at', ['receivedAt'], { where: "outcome = 'rejected'" })
@Check(
  'ck_pts_callbacks_kind',
  `kind IN ('paymentCallback', 'withdrawCallback', 'withdrawConfirm', 'subscribeCallback')`,
)
@Check(
  'ck_pts_callbacks_outcome',
  `outcome IN ('applied', 'duplicate', 'rejected', 'mismatch', 'ignored')`,
)
export class PtsCallbackEntity {
  @PrimaryGeneratedColumn('identity', {
    name: 'id',
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_pts_callbacks',
  })
  id!: string;

  @Column({ name: 'kind', type: 'varchar', length: 24 })
  kind!: PtsCallbackKind;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  @Column({ name: 'remote_address', type: 'varchar', length: 64, nullable: true })
  remoteAddress!: string | null;

  @Column({ name: 'headers', type: 'jsonb', default: () => "'{}'" })
  headers!: Record<string, string>;

  /**
   * The body as received, for verification and replay: whole when its signature verified,
   * else only its first bytes (`PTS_UNVERIFIED_BODY_PREFIX_BYTES`); empty when never read.
   */
  @Column({ name: 'raw_body', type: 'text' })
  rawBody!: string;

  /** Bytes on the wire (declared `Content-Length` when the body was never read). */
  @Column({ name: 'body_bytes', type: 'integer' })
  bodyBytes!: number;

  /** `raw_body` holds less than the whole body (cut, oversized, or never read). */
  @Column({ name: 'body_truncated', type: 'boolean', default: false })
  bodyTruncated!: boolean;

  /** SHA-256 (hex) of the whole body as received; null when it was not read. */
  @Column({ name: 'body_sha256', type: 'char', length: 64, nullable: true })
  bodySha256!: string | null;

  @Column({ name: 'account', type: 'varchar', length: 64, nullable: true })
  account!: string | null;

  @Column({ name: 'order_id', type: 'varchar', length: 64, nullable: true })
  orderId!: string | null;

  @ForeignKey(() => PtsOrderEntity, { name: 'fk_pts_callbacks_order', onDelete: 'SET NULL' })
  @Column({ name: 'order_ref', type: 'uuid', nullable: true })
  orderRef!: string | null;

  @Column({ name: 'pts_status', type: 'varchar', length: 4, nullable: true })
  ptsStatus!: string | null;

  @Column({ name: 'signature_valid', type: 'boolean', default: false })
  signatureValid!: boolean;

  /** Which number rendering verified (A4): `raw` or `php-float`. */
  @Column({ name: 'number_rendering', type: 'varchar', length: 16, nullable: true })
  numberRendering!: string | null;

  @Column({ name: 'outcome', type: 'varchar', length: 16 })
  outcome!: PtsCallbackOutcome;

  @Column({ name: 'reason', type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'http_status', type: 'smallint' })
  httpStatus!: number;

  @ForeignKey(() => PtsCallbackEntity, { name: 'fk_pts_callbacks_replay_of', onDelete: 'SET NULL' })
  @Column({ name: 'replay_of', type: 'bigint', nullable: true })
  replayOf!: string | null;
}
