import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the admin order list: search by our order id across accounts (the unique index
 * leads with the account), and the flag filter (`flags @> ARRAY['amount_mismatch']`), which a
 * GIN index answers without walking every order.
 */
export class OrderSearchIndexes1764100000016 implements MigrationInterface {
  name = 'OrderSearchIndexes1764100000016';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX ix_pts_orders_order_id ON pts_orders (order_id)`);
    await queryRunner.query(`CREATE INDEX ix_pts_orders_flags ON pts_orders USING gin (flags)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_pts_orders_flags`);
    await queryRunner.query(`DROP INDEX ix_pts_orders_order_id`);
  }
}
