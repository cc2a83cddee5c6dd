import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bounded callback storage (docs/hardening.md): unverified bodies are kept as a prefix plus
 * their length and SHA-256; rejected rows get an index on their age for the retention job.
 */
export class CallbackBodyDigest1764100000012 implements MigrationInterface {
  name = 'CallbackBodyDigest1764100000012';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE pts_callbacks ADD COLUMN body_sha256 char(64)`);
    await queryRunner.query(
      `CREATE INDEX ix_pts_callbacks_rejected_received_at ON pts_callbacks (received_at) WHERE outcome = 'rejected'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_pts_callbacks_rejected_received_at`);
    await queryRunner.query(`ALTER TABLE pts_callbacks DROP COLUMN body_sha256`);
  }
}
