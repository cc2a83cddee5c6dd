import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PtsJobs, PTS_JOB_QUEUES } from './pts-jobs.js';
import { PTS_ORDERS_SETTINGS, type PtsOrdersSettings } from './pts-orders-settings.js';

export interface PtsRetentionResult {
  deliveredEvents: number;
  /** Refused callbacks deleted (signature not verified) or compacted (verified). */
  refusedCallbacks: number;
  expiredTokens: number;
}

/** Rows per statement, so that a first run on a large backlog never holds long locks. */
const BATCH = 5000;

/**
 * Deletes or compacts what would otherwise grow forever (docs/reconciliation.md, "Retention"),
 * hourly, on one instance: delivered host events, refused callbacks (deleted when their
 * signature did not verify; else their bodies and headers cleared, the row staying), and
 * expired v1 access tokens. Orders, their
 * history and accepted callbacks are records and are never deleted here.
 */
@Injectable()
export class PtsRetention implements OnApplicationBootstrap {
  private readonly logger = new Logger('PtsRetention');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: PtsJobs,
    @Inject(PTS_ORDERS_SETTINGS) private readonly settings: PtsOrdersSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.work(PTS_JOB_QUEUES.retention, { batchSize: 1 }, async () => {
      const result = await this.run();
      this.logger.log(
        `retention: ${result.deliveredEvents} delivered events deleted, ${result.refusedCallbacks} refused callbacks deleted or compacted, ${result.expiredTokens} expired tokens deleted`,
      );
    });
    this.jobs.every(PTS_JOB_QUEUES.retention, 3600);
  }

  /** One pass; also what the hourly job runs. */
  async run(): Promise<PtsRetentionResult> {
    const deliveredEvents = await this.batched(
      `DELETE FROM pts_outbox WHERE id IN (
         SELECT id FROM pts_outbox
          WHERE delivered_at < now() - make_interval(secs => $1) LIMIT ${BATCH})`,
      this.settings.retainDeliveredEventsMs,
    );
    // A refused callback whose signature did not verify is anyone's noise (junk, forgeries):
    // once old it is deleted. One that verified is the gateway's word (an unknown order, a value
    // we could not store): its row stays as a record (sender, outcome, reason, size), and only
    // what it carried is cleared. docs/hardening.md, "Bounded storage".
    const unverified = await this.batched(
      `DELETE FROM pts_callbacks WHERE id IN (
         SELECT id FROM pts_callbacks
          WHERE outcome = 'rejected' AND received_at < now() - make_interval(secs => $1)
            AND NOT signature_valid LIMIT ${BATCH})`,
      this.settings.retainRefusedCallbacksMs,
    );
    const compacted = await this.batched(
      `UPDATE pts_callbacks SET raw_body = '', headers = '{}'::jsonb, body_truncated = true
        WHERE id IN (
          SELECT id FROM pts_callbacks
           WHERE outcome = 'rejected' AND received_at < now() - make_interval(secs => $1)
             AND signature_valid AND (raw_body <> '' OR headers <> '{}'::jsonb) LIMIT ${BATCH})`,
      this.settings.retainRefusedCallbacksMs,
    );
    const refusedCallbacks = unverified + compacted;
    const expiredTokens = await this.batched(
      `DELETE FROM pts_access_tokens WHERE ctid IN (
         SELECT ctid FROM pts_access_tokens
          WHERE expires_at < now() - make_interval(secs => $1) LIMIT ${BATCH})`,
      this.settings.retainExpiredTokensMs,
    );
    return { deliveredEvents, refusedCallbacks, expiredTokens };
  }

  private async batched(sql: string, ageMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      const result: unknown = await this.dataSource.query(sql, [ageMs / 1000]);
      // TypeORM answers DELETE and UPDATE with [rows, affected].
      const affected = Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
      total += affected;
      if (affected < BATCH) return total;
    }
  }
}
