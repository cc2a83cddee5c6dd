import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { PtsOrderEntity } from './pts-order.entity.js';

/** An event to the host, written in the transaction of the change it reports (`pts_outbox`). */
@Entity({ name: 'pts_outbox' })
@Unique('uq_pts_outbox_idempotency_key', ['idempotencyKey'])
@Index('ix_pts_outbox_pending', ['availableAt', 'id'], {
  where: 'delivered_at IS NULL AND dead_at IS NULL',
})
@Index('ix_pts_outbox_pending_by_order', ['orderRef', 'id'], {
  where: 'delivered_at IS NULL AND dead_at IS NULL',
})
@Index('ix_pts_outbox_delivered_at', ['deliveredAt'], { where: 'delivered_at IS NOT NULL' })
export class PtsOutboxEntity {
  @PrimaryGeneratedColumn('identity', {
    name: 'id',
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_pts_outbox',
  })
  id!: string;

  @ForeignKey(() => PtsOrderEntity, { name: 'fk_pts_outbox_order', onDelete: 'CASCADE' })
  @Column({ name: 'order_ref', type: 'uuid' })
  orderRef!: string;

  @Column({ name: 'event_type', type: 'varchar', length: 32 })
  eventType!: string;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 160 })
  idempotencyKey!: string;

  @Column({ name: 'payload', type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'available_at', type: 'timestamptz', default: () => 'now()' })
  availableAt!: Date;

  @Column({ name: 'attempts', type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  @Column({ name: 'dead_at', type: 'timestamptz', nullable: true })
  deadAt!: Date | null;
}
