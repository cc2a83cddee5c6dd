import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * v2.1 subscriptions as a kind of order (docs/subscriptions.md): the kind `subscription`, the
 * statuses `active` and `disabled`, the callback kind `subscribeCallback`, a row of
 * subscription details per order and one row per payment. Also the unsigned fields of
 * callbacks and query answers that orders now keep as columns (reference number, details URL,
 * promo amounts, v1 hash). `down()` deletes subscriptions and subscribe callbacks first, since
 * the older constraints do not allow them.
 */
export class SubscriptionsAndKeptFields1764100001500 implements MigrationInterface {
  name = 'SubscriptionsAndKeptFields1764100001500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE pts_orders
        ADD COLUMN reference_number varchar(128),
        ADD COLUMN details_url text,
        ADD COLUMN submit_promo numeric,
        ADD COLUMN accept_promo numeric,
        ADD COLUMN pts_hash varchar(255),
        DROP CONSTRAINT ck_pts_orders_kind,
        ADD CONSTRAINT ck_pts_orders_kind CHECK (kind IN ('payment', 'withdraw', 'subscription')),
        DROP CONSTRAINT ck_pts_orders_status,
        ADD CONSTRAINT ck_pts_orders_status CHECK (status IN ('created', 'waiting', 'processing',
          'success', 'failed', 'error', 'expired', 'rejected', 'unknown', 'active', 'disabled'))`);
    await queryRunner.query(`
      ALTER TABLE pts_callbacks
        DROP CONSTRAINT ck_pts_callbacks_kind,
        ADD CONSTRAINT ck_pts_callbacks_kind CHECK (kind IN ('paymentCallback', 'withdrawCallback',
          'withdrawConfirm', 'subscribeCallback'))`);
    await queryRunner.query(`
      CREATE TABLE pts_subscriptions (
        order_ref uuid NOT NULL,
        period_count smallint NOT NULL,
        period_unit varchar(8) NOT NULL,
        card_last4 varchar(4) NOT NULL,
        first_name varchar(64) NOT NULL,
        middle_name varchar(64),
        last_name varchar(64) NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        subscribe_at timestamptz,
        last_payment_at timestamptz,
        next_payment_at timestamptz,
        payments_made integer NOT NULL DEFAULT 0,
        disabled_at timestamptz,
        CONSTRAINT pk_pts_subscriptions PRIMARY KEY (order_ref),
        CONSTRAINT fk_pts_subscriptions_order FOREIGN KEY (order_ref) REFERENCES pts_orders (id) ON DELETE CASCADE,
        CONSTRAINT ck_pts_subscriptions_period_count CHECK (period_count BETWEEN 1 AND 12),
        CONSTRAINT ck_pts_subscriptions_period_unit CHECK (period_unit IN ('week', 'month', 'year')),
        CONSTRAINT ck_pts_subscriptions_card_last4 CHECK (card_last4 ~ '^[0-9]{4}$')
      )`);
    await queryRunner.query(`
      CREATE TABLE pts_subscription_payments (
        id bigint GENERATED ALWAYS AS IDENTITY,
        order_ref uuid NOT NULL,
        payment_transaction_id varchar(64) NOT NULL,
        status varchar(16) NOT NULL,
        pts_status varchar(4) NOT NULL,
        submit_amount numeric NOT NULL,
        submit_currency varchar(16) NOT NULL,
        accept_amount numeric,
        accept_currency varchar(16),
        exchange_rate numeric,
        paid_at timestamptz,
        callback_id bigint,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_pts_subscription_payments PRIMARY KEY (id),
        CONSTRAINT uq_pts_subscription_payments_order_payment UNIQUE (order_ref, payment_transaction_id),
        CONSTRAINT fk_pts_subscription_payments_order FOREIGN KEY (order_ref) REFERENCES pts_orders (id) ON DELETE CASCADE,
        CONSTRAINT fk_pts_subscription_payments_callback FOREIGN KEY (callback_id) REFERENCES pts_callbacks (id) ON DELETE SET NULL,
        CONSTRAINT ck_pts_subscription_payments_status CHECK (status IN ('waiting', 'processing',
          'success', 'failed', 'error', 'expired'))
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_pts_subscription_payments_order_ref ON pts_subscription_payments (order_ref, id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE pts_subscription_payments`);
    await queryRunner.query(`DROP TABLE pts_subscriptions`);
    await queryRunner.query(`DELETE FROM pts_callbacks WHERE kind = 'subscribeCallback'`);
    await queryRunner.query(`DELETE FROM pts_orders WHERE kind = 'subscription'`);
    await queryRunner.query(`
      ALTER TABLE pts_callbacks
        DROP CONSTRAINT ck_pts_callbacks_kind,
        ADD CONSTRAINT ck_pts_callbacks_kind CHECK (kind IN ('paymentCallback', 'withdrawCallback', 'withdrawConfirm'))`);
    await queryRunner.query(`
      ALTER TABLE pts_orders
        DROP CONSTRAINT ck_pts_orders_status,
        ADD CONSTRAINT ck_pts_orders_status CHECK (status IN ('created', 'waiting', 'processing',
          'success', 'failed', 'error', 'expired', 'rejected', 'unknown')),
        DROP CONSTRAINT ck_pts_orders_kind,
        ADD CONSTRAINT ck_pts_orders_kind CHECK (kind IN ('payment', 'withdraw')),
        DROP COLUMN pts_hash,
        DROP COLUMN accept_promo,
        DROP COLUMN submit_promo,
        DROP COLUMN details_url,
        DROP COLUMN reference_number`);
  }
}
