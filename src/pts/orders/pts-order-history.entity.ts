import { Column, Entity, ForeignKey, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { PtsCallbackEntity } from '../callbacks/pts-callback.entity.js';
import { PtsOrderEntity } from './pts-order.entity.js';
import type { PtsOrderStatus } from './pts-order-status.js';

/** Why an order moved. */
export type PtsTransitionCause =
  | 'create'
  | 'gateway_accepted'
  | 'gateway_rejected'
  | 'gateway_no_answer'
  | 'callback'
  | 'query'
  | 'not_found_at_gateway'
  /** A create got no answer and the service stopped waiting (crash, lost connection). */
  | 'interrupted'
  /** A scheduled query at PTS (docs/reconciliation.md). */
  | 'reconcile'
  /** An operator disabled a subscription at PTS (docs/subscriptions.md). */
  | 'subscription_disabled';

/** One status transition of an order (table `pts_order_history`). */
@Entity({ name: 'pts_order_history' })
// A status is entered at most once: transitions never move backwards (A8).
@Unique('uq_pts_order_history_order_to_status', ['orderRef', 'toStatus'])
export class PtsOrderHistoryEntity {
  @PrimaryGeneratedColumn('identity', {
    name: 'id',
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_pts_order_history',
  })
  id!: string;

  @ForeignKey(() => PtsOrderEntity, { name: 'fk_pts_order_history_order', onDelete: 'CASCADE' })
  @Column({ name: 'order_ref', type: 'uuid' })
  orderRef!: string;

  @Column({ name: 'from_status', type: 'varchar', length: 16, nullable: true })
  fromStatus!: PtsOrderStatus | null;

  @Column({ name: 'to_status', type: 'varchar', length: 16 })
  toStatus!: PtsOrderStatus;

  @Column({ name: 'cause', type: 'varchar', length: 32 })
  cause!: PtsTransitionCause;

  @ForeignKey(() => PtsCallbackEntity, {
    name: 'fk_pts_order_history_callback',
    onDelete: 'SET NULL',
  })
  @Column({ name: 'callback_id', type: 'bigint', nullable: true })
  callbackId!: string | null;

  @Column({ name: 'detail', type: 'text', nullable: true })
  detail!: string | null;

  @Column({ name: 'at', type: 'timestamptz', default: () => 'now()' })
  at!: Date;
}
