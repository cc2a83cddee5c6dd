import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The v1 access token of one merchant account at one gateway, shared by every instance of the
 * service (A9). The token is stored sealed with the account's safecode cipher, so that a
 * database dump alone does not hand out a live token.
 */
@Entity({ name: 'pts_access_tokens' })
@Check('ck_pts_access_tokens_token_type_not_empty', `token_type <> ''`)
@Check('ck_pts_access_tokens_access_token_not_empty', `access_token_sealed <> ''`)
export class PtsAccessTokenEntity {
  @PrimaryColumn({
    name: 'base_url',
    type: 'text',
    primaryKeyConstraintName: 'pk_pts_access_tokens',
  })
  baseUrl!: string;

  @PrimaryColumn({
    name: 'user_id',
    type: 'text',
    primaryKeyConstraintName: 'pk_pts_access_tokens',
  })
  userId!: string;

  /** e.g. `Bearer`; sent as `Authorization: {token_type} {access_token}`. */
  @Column({ name: 'token_type', type: 'text' })
  tokenType!: string;

  /** The access token encrypted with the account's `PtsCipher` (base64). */
  @Column({ name: 'access_token_sealed', type: 'text' })
  accessTokenSealed!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'fetched_at', type: 'timestamptz' })
  fetchedAt!: Date;
}
