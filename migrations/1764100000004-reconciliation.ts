import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reconciliation (docs/reconciliation.md): when an order last changed status, when it is next
 * queried at PTS, and how many scheduled queries found nothing new since the change. Orders
 * that are not final when this runs are due at once, so the first sweep picks them up.
 */
export class Reconciliation1764100000004 implements MigrationInterface {
  name = 'Reconciliation1764100000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE pts_orders
        ADD COLUMN status_changed_at timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN next_reconcile_at timestamptz,
        ADD COLUMN reconcile_attempts integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`
      UPDATE pts_orders SET status_changed_at = updated_at,
             next_reconcile_at = CASE WHEN status IN ('created', 'unknown', 'waiting', 'processing', 'expired')
                                      THEN now() END`);
    await queryRunner.query(
      `CREATE INDEX ix_pts_orders_next_reconcile_at ON pts_orders (next_reconcile_at) WHERE next_reconcile_at IS NOT NULL`,
    );
    // The admin API lists orders by flag (e.g. reconcile_exhausted: waiting for an operator).
    await queryRunner.query(`CREATE INDEX ix_pts_orders_flags ON pts_orders USING gin (flags)`);
    // Retention deletes delivered events by age.
    await queryRunner.query(
      `CREATE INDEX ix_pts_outbox_delivered_at ON pts_outbox (delivered_at) WHERE delivered_at IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_pts_outbox_delivered_at`);
    await queryRunner.query(`DROP INDEX ix_pts_orders_flags`);
    await queryRunner.query(`DROP INDEX ix_pts_orders_next_reconcile_at`);
    await queryRunner.query(`
      ALTER TABLE pts_orders
        DROP COLUMN reconcile_attempts,
        DROP COLUMN next_reconcile_at,
        DROP COLUMN status_changed_at`);
  }
}
