import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PtsJobs, PTS_JOB_QUEUES } from './pts-jobs.js';
import { PTS_ORDERS_SETTINGS, type PtsOrdersSettings } from './pts-orders-settings.js';

export interface PtsRetentionResult {
  deliveredEvents: number;
  refusedCallbacks: number;
  expiredTokens: number;
}

/** Rows per statement, so that a first run on a large backlog never holds long locks. */
const BATCH = 5000;

/**
 * Deletes or compacts what would otherwise grow forever (docs/reconciliation.md, "Retention"),
 * hourly, on one instance: delivered host events, the bodies and headers of refused callbacks
 * (the row, its outcome, reason and size stay), and expired v1 access tokens. Orders, their
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
        `retention: ${result.deliveredEvents} delivered events deleted, ${result.refusedCallbacks} refused callbacks compacted, ${result.expiredTokens} expired tokens deleted`,
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
    // Refused callbacks are kept as a record (sender, outcome, reason, size); what they carried
    // is not needed once the reason is known and only costs space.
    const refusedCallbacks = await this.batched(
      `UPDATE pts_callbacks SET raw_body = '', headers = '{}'::jsonb, body_truncated = true
        WHERE id IN (
          SELECT id FROM pts_callbacks
           WHERE outcome = 'rejected' AND received_at < now() - make_interval(secs => $1)
             AND (raw_body <> '' OR headers <> '{}'::jsonb) LIMIT ${BATCH})`,
      this.settings.retainRefusedCallbacksMs,
    );
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
