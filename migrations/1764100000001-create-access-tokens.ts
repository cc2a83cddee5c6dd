import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The v1 access token cache shared by every instance (docs/protocol.md A1, A9). */
export class CreateAccessTokens1764100000001 implements MigrationInterface {
  name = 'CreateAccessTokens1764100000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE pts_access_tokens (
        base_url text NOT NULL,
        user_id text NOT NULL,
        token_type text NOT NULL,
        access_token_sealed text NOT NULL,
        expires_at timestamptz NOT NULL,
        fetched_at timestamptz NOT NULL,
        CONSTRAINT pk_pts_access_tokens PRIMARY KEY (base_url, user_id),
        CONSTRAINT ck_pts_access_tokens_token_type_not_empty CHECK (token_type <> ''),
        CONSTRAINT ck_pts_access_tokens_access_token_not_empty CHECK (access_token_sealed <> '')
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE pts_access_tokens`);
  }
}
