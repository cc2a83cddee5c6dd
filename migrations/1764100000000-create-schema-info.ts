import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Records which version of the PTS module built the schema; the first migration. */
export class CreateSchemaInfo1764100000000 implements MigrationInterface {
  name = 'CreateSchemaInfo1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE pts_schema_info (
        id smallint NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_pts_schema_info PRIMARY KEY (id),
        CONSTRAINT ck_pts_schema_info_single_row CHECK (id = 1)
      )`);
    await queryRunner.query(`INSERT INTO pts_schema_info (id) VALUES (1)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE pts_schema_info`);
  }
}
