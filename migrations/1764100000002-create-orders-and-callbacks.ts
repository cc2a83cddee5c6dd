import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders, the callbacks that arrive for them, every status transition, and the outbox of
 * events to the host (docs/protocol.md A6-A8). Amounts are `numeric` without a fixed scale so
 * that the digits PTS sends are kept as sent (A7).
 */
export class CreateOrdersAndCallbacks1764100000002 implements MigrationInterface {
  name = 'CreateOrdersAndCallbacks1764100000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE pts_orders (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        account varchar(64) NOT NULL,
        user_id varchar(64) NOT NULL,
        api_version varchar(2) NOT NULL,
        kind varchar(16) NOT NULL,
        order_id varchar(64) NOT NULL,
        transaction_id varchar(64),
        status varchar(16) NOT NULL,
        pts_status varchar(4),
        amount numeric NOT NULL,
        currency varchar(16) NOT NULL,
        channel varchar(64) NOT NULL,
        submit_amount numeric,
        submit_currency varchar(16),
        accept_amount numeric,
        accept_currency varchar(16),
        exchange_rate numeric,
        pay_url text,
        qr_code text,
        redirect_html text,
        callback_url text,
        redirect_url text,
        error_url text,
        remark text,
        details jsonb,
        flags text[] NOT NULL DEFAULT '{}',
        error_code varchar(16),
        error_message text,
        idempotency_key varchar(255),
        request_fingerprint varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_queried_at timestamptz,
        CONSTRAINT pk_pts_orders PRIMARY KEY (id),
        CONSTRAINT uq_pts_orders_account_order_id UNIQUE (account, order_id),
        CONSTRAINT ck_pts_orders_kind CHECK (kind IN ('payment', 'withdraw')),
        CONSTRAINT ck_pts_orders_status CHECK (status IN ('created', 'waiting', 'processing',
          'success', 'failed', 'error', 'expired', 'rejected', 'unknown')),
        CONSTRAINT ck_pts_orders_amount_positive CHECK (amount > 0),
        CONSTRAINT ck_pts_orders_api_version CHECK (api_version IN ('v1', 'v2'))
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX uq_pts_orders_account_idempotency_key ON pts_orders (account, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_pts_orders_created_at_id ON pts_orders (created_at, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_pts_orders_status_updated_at ON pts_orders (status, updated_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_pts_orders_transaction_id ON pts_orders (transaction_id) WHERE transaction_id IS NOT NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE pts_callbacks (
        id bigint GENERATED ALWAYS AS IDENTITY,
        kind varchar(24) NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        remote_address varchar(64),
        headers jsonb NOT NULL DEFAULT '{}',
        raw_body text NOT NULL,
        body_bytes integer NOT NULL,
        body_truncated boolean NOT NULL DEFAULT false,
        account varchar(64),
        order_id varchar(64),
        order_ref uuid,
        pts_status varchar(4),
        signature_valid boolean NOT NULL DEFAULT false,
        number_rendering varchar(16),
        outcome varchar(16) NOT NULL,
        reason text,
        http_status smallint NOT NULL,
        replay_of bigint,
        CONSTRAINT pk_pts_callbacks PRIMARY KEY (id),
        CONSTRAINT fk_pts_callbacks_order FOREIGN KEY (order_ref) REFERENCES pts_orders (id) ON DELETE SET NULL,
        CONSTRAINT fk_pts_callbacks_replay_of FOREIGN KEY (replay_of) REFERENCES pts_callbacks (id) ON DELETE SET NULL,
        CONSTRAINT ck_pts_callbacks_kind CHECK (kind IN ('paymentCallback', 'withdrawCallback', 'withdrawConfirm')),
        CONSTRAINT ck_pts_callbacks_outcome CHECK (outcome IN ('applied', 'duplicate', 'rejected', 'mismatch', 'ignored'))
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_pts_callbacks_order_ref ON pts_callbacks (order_ref, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_pts_callbacks_outcome_id ON pts_callbacks (outcome, id)`,
    );

    await queryRunner.query(`
      CREATE TABLE pts_order_history (
        id bigint GENERATED ALWAYS AS IDENTITY,
        order_ref uuid NOT NULL,
        from_status varchar(16),
        to_status varchar(16) NOT NULL,
        cause varchar(32) NOT NULL,
        callback_id bigint,
        detail text,
        at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_pts_order_history PRIMARY KEY (id),
        CONSTRAINT fk_pts_order_history_order FOREIGN KEY (order_ref) REFERENCES pts_orders (id) ON DELETE CASCADE,
        CONSTRAINT fk_pts_order_history_callback FOREIGN KEY (callback_id) REFERENCES pts_callbacks (id) ON DELETE SET NULL,
        -- A status is entered at most once: transitions never move backwards (A8).
        CONSTRAINT uq_pts_order_history_order_to_status UNIQUE (order_ref, to_status)
      )`);

    await queryRunner.query(`
      CREATE TABLE pts_outbox (
        id bigint GENERATED ALWAYS AS IDENTITY,
        order_ref uuid NOT NULL,
        event_type varchar(32) NOT NULL,
        idempotency_key varchar(160) NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        available_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        delivered_at timestamptz,
        dead_at timestamptz,
        CONSTRAINT pk_pts_outbox PRIMARY KEY (id),
        CONSTRAINT uq_pts_outbox_idempotency_key UNIQUE (idempotency_key),
        CONSTRAINT fk_pts_outbox_order FOREIGN KEY (order_ref) REFERENCES pts_orders (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_pts_outbox_pending ON pts_outbox (available_at, id) WHERE delivered_at IS NULL AND dead_at IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE pts_outbox`);
    await queryRunner.query(`DROP TABLE pts_order_history`);
    await queryRunner.query(`DROP TABLE pts_callbacks`);
    await queryRunner.query(`DROP TABLE pts_orders`);
  }
}
