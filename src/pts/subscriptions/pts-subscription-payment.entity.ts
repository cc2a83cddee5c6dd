import { Check, Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { PtsCallbackEntity } from '../callbacks/pts-callback.entity.js';
import { PtsOrderEntity } from '../orders/pts-order.entity.js';
import type { PtsOrderStatus } from '../orders/pts-order-status.js';

/**
 * One payment of a subscription (table `pts_subscription_payments`), identified by PTS's
 * `payment_transaction_id`. Its status follows the same rules as an order's (A10.3), from the
 * subscribe callbacks that report it.
 */
@Entity({ name: 'pts_subscription_payments' })
@Unique('uq_pts_subscription_payments_order_payment', ['orderRef', 'paymentTransactionId'])
@Index('ix_pts_subscription_payments_order_ref', ['orderRef', 'id'])
@Check(
  'ck_pts_subscription_payments_status',
  `status IN ('waiting', 'processing', 'success', 'failed', 'error', 'expired')`,
)
export class PtsSubscriptionPaymentEntity {
  @PrimaryGeneratedColumn('identity', {
    name: 'id',
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_pts_subscription_payments',
  })
  id!: string;

  @ForeignKey(() => PtsOrderEntity, {
    name: 'fk_pts_subscription_payments_order',
    onDelete: 'CASCADE',
  })
  @Column({ name: 'order_ref', type: 'uuid' })
  orderRef!: string;

  @Column({ name: 'payment_transaction_id', type: 'varchar', length: 64 })
  paymentTransactionId!: string;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: PtsOrderStatus;

  @Column({ name: 'pts_status', type: 'varchar', length: 4 })
  ptsStatus!: string;

  @Column({ name: 'submit_amount', type: 'numeric' })
  submitAmount!: string;

  @Column({ name: 'submit_currency', type: 'varchar', length: 16 })
  submitCurrency!: string;

  // What was accepted belongs to the status: a failed payment may have none (docs/protocol.md A5).
  @Column({ name: 'accept_amount', type: 'numeric', nullable: true })
  acceptAmount!: string | null;

  @Column({ name: 'accept_currency', type: 'varchar', length: 16, nullable: true })
  acceptCurrency!: string | null;

  @Column({ name: 'exchange_rate', type: 'numeric', nullable: true })
  exchangeRate!: string | null;

  /** PTS's time of the payment (`last_payment_at`, else the callback's `timestamp`). */
  @Column({ name: 'paid_at', type: 'timestamptz', nullable: true })
  paidAt!: Date | null;

  @ForeignKey(() => PtsCallbackEntity, {
    name: 'fk_pts_subscription_payments_callback',
    onDelete: 'SET NULL',
  })
  @Column({ name: 'callback_id', type: 'bigint', nullable: true })
  callbackId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
