import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pending outbox rows by order: the dispatcher delivers an order's events in order and skips
 * an event while an earlier one of the same order is still pending.
 */
export class OutboxOrderIndex1764100000003 implements MigrationInterface {
  name = 'OutboxOrderIndex1764100000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX ix_pts_outbox_pending_by_order ON pts_outbox (order_ref, id) WHERE delivered_at IS NULL AND dead_at IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_pts_outbox_pending_by_order`);
  }
}
