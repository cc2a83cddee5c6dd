import { Check, Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { PtsApiVersion } from '../protocol/pts-fields.js';
import type { PtsOrderKind, PtsOrderStatus } from './pts-order-status.js';

/** A payment or withdraw order (table `pts_orders`); amounts are decimal strings (A7). */
@Entity({ name: 'pts_orders' })
@Unique('uq_pts_orders_account_order_id', ['account', 'orderId'])
@Index('ix_pts_orders_created_at_id', ['createdAt', 'id'])
@Index('ix_pts_orders_status_updated_at', ['status', 'updatedAt'])
@Index('ix_pts_orders_next_reconcile_at', ['nextReconcileAt'], {
  where: 'next_reconcile_at IS NOT NULL',
})
@Index('ix_pts_orders_order_id', ['orderId'])
// GIN, which the decorator cannot say: created by its migration, left alone by the schema check.
@Index('ix_pts_orders_flags', { synchronize: false })
@Index('ix_pts_orders_transaction_id', ['transactionId'], { where: 'transaction_id IS NOT NULL' })
@Index('uq_pts_orders_account_idempotency_key', ['account', 'idempotencyKey'], {
  unique: true,
  where: 'idempotency_key IS NOT NULL',
})
@Check('ck_pts_orders_kind', `kind IN ('payment', 'withdraw', 'subscription')`)
@Check(
  'ck_pts_orders_status',
  `status IN ('created', 'waiting', 'processing', 'success', 'failed', 'error', 'expired', 'rejected', 'unknown', 'active', 'disabled')`,
)
@Check('ck_pts_orders_amount_positive', `amount > 0`)
@Check('ck_pts_orders_api_version', `api_version IN ('v1', 'v2')`)
export class PtsOrderEntity {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'pk_pts_orders' })
  id!: string;

  @Column({ name: 'account', type: 'varchar', length: 64 })
  account!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId!: string;

  @Column({ name: 'api_version', type: 'varchar', length: 2 })
  apiVersion!: PtsApiVersion;

  @Column({ name: 'kind', type: 'varchar', length: 16 })
  kind!: PtsOrderKind;

  @Column({ name: 'order_id', type: 'varchar', length: 64 })
  orderId!: string;

  @Column({ name: 'transaction_id', type: 'varchar', length: 64, nullable: true })
  transactionId!: string | null;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: PtsOrderStatus;

  /** The last PTS transaction status seen (B 5.1), e.g. `2000`. */
  @Column({ name: 'pts_status', type: 'varchar', length: 4, nullable: true })
  ptsStatus!: string | null;

  @Column({ name: 'amount', type: 'numeric' })
  amount!: string;

  @Column({ name: 'currency', type: 'varchar', length: 16 })
  currency!: string;

  @Column({ name: 'channel', type: 'varchar', length: 64 })
  channel!: string;

  @Column({ name: 'submit_amount', type: 'numeric', nullable: true })
  submitAmount!: string | null;

  @Column({ name: 'submit_currency', type: 'varchar', length: 16, nullable: true })
  submitCurrency!: string | null;

  @Column({ name: 'accept_amount', type: 'numeric', nullable: true })
  acceptAmount!: string | null;

  @Column({ name: 'accept_currency', type: 'varchar', length: 16, nullable: true })
  acceptCurrency!: string | null;

  @Column({ name: 'exchange_rate', type: 'numeric', nullable: true })
  exchangeRate!: string | null;

  @Column({ name: 'pay_url', type: 'text', nullable: true })
  payUrl!: string | null;

  @Column({ name: 'qr_code', type: 'text', nullable: true })
  qrCode!: string | null;

  /** B 1.3 Redirect/HTML response style, kept verbatim for the payer's browser. */
  @Column({ name: 'redirect_html', type: 'text', nullable: true })
  redirectHtml!: string | null;

  @Column({ name: 'callback_url', type: 'text', nullable: true })
  callbackUrl!: string | null;

  @Column({ name: 'redirect_url', type: 'text', nullable: true })
  redirectUrl!: string | null;

  @Column({ name: 'error_url', type: 'text', nullable: true })
  errorUrl!: string | null;

  @Column({ name: 'remark', type: 'text', nullable: true })
  remark!: string | null;

  @Column({ name: 'details', type: 'jsonb', nullable: true })
  details!: Record<string, unknown> | null;

  /** Things a person should look at: `amount_mismatch`, `conflicting_callback`, ... */
  @Column({ name: 'flags', type: 'text', array: true, default: () => "'{}'" })
  flags!: string[];

  @Column({ name: 'error_code', type: 'varchar', length: 16, nullable: true })
  errorCode!: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })
  idempotencyKey!: string | null;

  @Column({ name: 'request_fingerprint', type: 'varchar', length: 64, nullable: true })
  requestFingerprint!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'last_queried_at', type: 'timestamptz', nullable: true })
  lastQueriedAt!: Date | null;

  /** When the status last changed: the reconciliation schedule counts from here. */
  @Column({ name: 'status_changed_at', type: 'timestamptz', default: () => 'now()' })
  statusChangedAt!: Date;

  /** When PTS is next asked about this order; null when final or the schedule ran out. */
  @Column({ name: 'next_reconcile_at', type: 'timestamptz', nullable: true })
  nextReconcileAt!: Date | null;

  /** Scheduled queries since the last status change that found nothing new. */
  @Column({ name: 'reconcile_attempts', type: 'integer', default: 0 })
  reconcileAttempts!: number;

  // Unsigned fields of callbacks and query answers, kept as columns (B4.2, B4.3, B4.5, B4.6).

  /** GCASH transaction id / QRPH invoice number, or the bank reference of a withdrawal (v2). */
  @Column({ name: 'reference_number', type: 'varchar', length: 128, nullable: true })
  referenceNumber!: string | null;

  /** The withdraw details page (newest gateways; the link is valid for 10 minutes). */
  @Column({ name: 'details_url', type: 'text', nullable: true })
  detailsUrl!: string | null;

  @Column({ name: 'submit_promo', type: 'numeric', nullable: true })
  submitPromo!: string | null;

  @Column({ name: 'accept_promo', type: 'numeric', nullable: true })
  acceptPromo!: string | null;

  /** v1: the transaction hash of a query asked with `return_hash`. */
  @Column({ name: 'pts_hash', type: 'varchar', length: 255, nullable: true })
  ptsHash!: string | null;
}
