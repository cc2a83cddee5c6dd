import { Check, Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import type { PtsSubscriptionPeriodUnit } from '../client/pts-subscription.types.js';
import { PtsOrderEntity } from '../orders/pts-order.entity.js';

/**
 * What a subscription has beyond its order row (table `pts_subscriptions`, one row per order
 * of kind `subscription`). The card is kept as its last four digits only; number, expiry and
 * CVC are never stored (docs/subscriptions.md).
 */
@Entity({ name: 'pts_subscriptions' })
@Check('ck_pts_subscriptions_period_count', `period_count BETWEEN 1 AND 12`)
@Check('ck_pts_subscriptions_period_unit', `period_unit IN ('week', 'month', 'year')`)
@Check('ck_pts_subscriptions_card_last4', `card_last4 ~ '^[0-9]{4}$'`)
export class PtsSubscriptionEntity {
  @ForeignKey(() => PtsOrderEntity, { name: 'fk_pts_subscriptions_order', onDelete: 'CASCADE' })
  @PrimaryColumn({
    name: 'order_ref',
    type: 'uuid',
    primaryKeyConstraintName: 'pk_pts_subscriptions',
  })
  orderRef!: string;

  @Column({ name: 'period_count', type: 'smallint' })
  periodCount!: number;

  @Column({ name: 'period_unit', type: 'varchar', length: 8 })
  periodUnit!: PtsSubscriptionPeriodUnit;

  @Column({ name: 'card_last4', type: 'varchar', length: 4 })
  cardLast4!: string;

  @Column({ name: 'first_name', type: 'varchar', length: 64 })
  firstName!: string;

  @Column({ name: 'middle_name', type: 'varchar', length: 64, nullable: true })
  middleName!: string | null;

  @Column({ name: 'last_name', type: 'varchar', length: 64 })
  lastName!: string;

  /** PTS's `enabled` as last reported (true until a disable or a callback says otherwise). */
  @Column({ name: 'enabled', type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ name: 'subscribe_at', type: 'timestamptz', nullable: true })
  subscribeAt!: Date | null;

  @Column({ name: 'last_payment_at', type: 'timestamptz', nullable: true })
  lastPaymentAt!: Date | null;

  @Column({ name: 'next_payment_at', type: 'timestamptz', nullable: true })
  nextPaymentAt!: Date | null;

  /** Payments that reached `success`. */
  @Column({ name: 'payments_made', type: 'integer', default: 0 })
  paymentsMade!: number;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;
}
