import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Index for the admin order list's search by our order id across accounts (the unique index
 * leads with the account). The flag filter's GIN index comes with the reconciliation migration.
 */
export class OrderSearchIndexes1764100000016 implements MigrationInterface {
  name = 'OrderSearchIndexes1764100000016';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX ix_pts_orders_order_id ON pts_orders (order_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_pts_orders_order_id`);
  }
}
