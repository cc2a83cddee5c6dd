import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  DataSource,
  DeleteQueryBuilder,
  EntityTarget,
  ObjectLiteral,
  UpdateQueryBuilder,
} from 'typeorm';
import { PtsCallbackEntity } from '../callbacks/pts-callback.entity.js';
import { PtsAccessTokenEntity } from '../client/pts-access-token.entity.js';
import { PtsJobs, PTS_JOB_QUEUES } from './pts-jobs.js';
import { PtsOutboxEntity } from './pts-outbox.entity.js';
import { PTS_ORDERS_SETTINGS, type PtsOrdersSettings } from './pts-orders-settings.js';

export interface PtsRetentionResult {
  deliveredEvents: number;
  /** Refused callbacks deleted (signature not verified) or compacted (verified). */
  refusedCallbacks: number;
  expiredTokens: number;
}

/** Rows per statement, so that a first run on a large backlog never holds long locks. */
const BATCH = 5000;
/** Older than the retention age (`:ageSecs`), on the database's clock. */
const OLDER = 'now() - make_interval(secs => :ageSecs)';

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
    const deliveredEvents = await this.batched(this.settings.retainDeliveredEventsMs, () =>
      this.dataSource
        .createQueryBuilder()
        .delete()
        .from(PtsOutboxEntity)
        .where(`id IN ${this.batch(PtsOutboxEntity, ['e.id'], `e.delivered_at < ${OLDER}`)}`),
    );
    // A refused callback whose signature did not verify is anyone's noise (junk, forgeries):
    // once old it is deleted. One that verified is the gateway's word (an unknown order, a value
    // we could not store): its row stays as a record (sender, outcome, reason, size), and only
    // what it carried is cleared. docs/hardening.md, "Bounded storage".
    const refused = `e.outcome = 'rejected' AND e.received_at < ${OLDER}`;
    const unverified = await this.batched(this.settings.retainRefusedCallbacksMs, () =>
      this.dataSource
        .createQueryBuilder()
        .delete()
        .from(PtsCallbackEntity)
        .where(
          `id IN ${this.batch(PtsCallbackEntity, ['e.id'], `${refused} AND NOT e.signature_valid`)}`,
        ),
    );
    const compacted = await this.batched(this.settings.retainRefusedCallbacksMs, () =>
      this.dataSource
        .createQueryBuilder()
        .update(PtsCallbackEntity)
        .set({ rawBody: '', headers: {}, bodyTruncated: true })
        .where(
          `id IN ${this.batch(
            PtsCallbackEntity,
            ['e.id'],
            `${refused} AND e.signature_valid AND (e.raw_body <> '' OR e.headers <> '{}'::jsonb)`,
          )}`,
        ),
    );
    const refusedCallbacks = unverified + compacted;
    const expiredTokens = await this.batched(this.settings.retainExpiredTokensMs, () =>
      this.dataSource
        .createQueryBuilder()
        .delete()
        .from(PtsAccessTokenEntity)
        .where(
          `(base_url, user_id) IN ${this.batch(
            PtsAccessTokenEntity,
            ['e.base_url', 'e.user_id'],
            `e.expires_at < ${OLDER}`,
          )}`,
        ),
    );
    return { deliveredEvents, refusedCallbacks, expiredTokens };
  }

  /**
   * The keys of at most `BATCH` rows that match, as a subquery (alias `e`): PostgreSQL has no
   * `DELETE ... LIMIT`.
   */
  private batch(entity: EntityTarget<ObjectLiteral>, keys: string[], where: string): string {
    return this.dataSource
      .createQueryBuilder()
      .subQuery()
      .select(keys)
      .from(entity, 'e')
      .where(where)
      .limit(BATCH)
      .getQuery();
  }

  /** Runs one statement until a batch comes back short; the rows it touched in all. */
  private async batched(
    ageMs: number,
    statement: () => DeleteQueryBuilder<ObjectLiteral> | UpdateQueryBuilder<ObjectLiteral>,
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await statement()
        .setParameter('ageSecs', ageMs / 1000)
        .execute();
      const affected = result.affected ?? 0;
      total += affected;
      if (affected < BATCH) return total;
    }
  }
}
