import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { PtsTransitionCause } from './pts-order-history.entity.js';
import { PtsOrderMetrics } from '../metrics/pts-order-metrics.js';
import { PtsOrderEntity } from './pts-order.entity.js';
import type { PtsOrderStatus, PtsTransitionDecision } from './pts-order-status.js';
import { PtsJobs, PTS_JOB_QUEUES } from './pts-jobs.js';
import {
  PtsOrderWriter,
  type PtsCreatedRow,
  type PtsNewOrder,
  type PtsTransitionWrite,
} from './pts-order-writer.js';
import { queryPrepared } from './pts-prepared-query.js';
import { PtsReconcileSchedule } from './pts-reconcile-schedule.js';
import {
  planTransition,
  type PtsOrderSnapshot,
  type PtsTransitionPlan,
} from './pts-transition-plan.js';

/** Fields a transition may set along with the status (what PTS told us). */
export type PtsOrderPatch = Partial<
  Pick<
    PtsOrderEntity,
    | 'transactionId'
    | 'ptsStatus'
    | 'submitAmount'
    | 'submitCurrency'
    | 'acceptAmount'
    | 'acceptCurrency'
    | 'exchangeRate'
    | 'payUrl'
    | 'qrCode'
    | 'redirectHtml'
    | 'errorCode'
    | 'errorMessage'
    | 'lastQueriedAt'
    | 'referenceNumber'
    | 'detailsUrl'
    | 'submitPromo'
    | 'acceptPromo'
    | 'ptsHash'
  >
>;

export interface PtsTransitionRequest {
  to: PtsOrderStatus;
  cause: PtsTransitionCause;
  callbackId?: string;
  detail?: string;
  /** Applied only when the status moves. */
  patch?: PtsOrderPatch;
  /** Flags to add whatever the decision (e.g. `amount_mismatch`). */
  flags?: string[];
}

export interface PtsTransitionResult {
  decision: PtsTransitionDecision;
  from: PtsOrderStatus;
  order: PtsOrderEntity;
}

/** The columns a callback's transition reads: what it decides on, fills and reports. */
const SNAPSHOT_PROPERTIES = [
  'id',
  'account',
  'orderId',
  'kind',
  'status',
  'flags',
  'amount',
  'currency',
  'transactionId',
  'ptsStatus',
  'submitAmount',
  'submitCurrency',
  'acceptAmount',
  'acceptCurrency',
  'exchangeRate',
  'referenceNumber',
  'detailsUrl',
  'submitPromo',
  'acceptPromo',
  'ptsHash',
] as const satisfies readonly (keyof PtsOrderEntity)[];

/** An order as read for a transition, with its row version (`xmin`) for a checked write. */
export type PtsVersionedOrder = PtsOrderSnapshot & { version: string };

interface SnapshotQuery {
  sql: string;
  /** The key's part each positional parameter takes. */
  keys: (keyof PtsOrderKey)[];
  /** Entity property -> raw result alias (`o_<column>`). */
  aliases: [string, string][];
}

/** How to find the one order a callback is about. */
export interface PtsOrderKey {
  account: string;
  orderId: string;
  kind: PtsOrderEntity['kind'];
}

/**
 * The one place an order's status changes (A8). Callers pass a transaction's EntityManager;
 * the order row is locked (`FOR NO KEY UPDATE`) before the rules are applied, so concurrent
 * callbacks, queries and several service instances serialise on the row and a transition
 * happens exactly once. A move writes its history row, its outbox event with the job that
 * delivers it, and the order's next reconciliation, all in one statement of that transaction
 * (`write`). Callbacks use `snapshot` + `planTransition` + a version-checked `write` instead
 * (docs/reconciliation.md, "The callback path's statements").
 */
@Injectable()
export class PtsOrderTransitions {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: PtsOrderMetrics,
    private readonly jobs: PtsJobs,
    private readonly schedule: PtsReconcileSchedule,
  ) {
    this.writer = new PtsOrderWriter(dataSource, metrics, jobs, schedule);
  }

  private readonly writer: PtsOrderWriter;

  /** A transition in a transaction of its own; this instance's workers are told after commit. */
  async move(orderRef: string, request: PtsTransitionRequest): Promise<PtsTransitionResult> {
    const result = await this.dataSource.transaction((manager) =>
      this.apply(manager, orderRef, request),
    );
    if (result.decision === 'apply') this.committed();
    return result;
  }

  /** After a commit that moved an order: deliver its event now rather than at the next poll. */
  committed(): void {
    this.jobs.notify(PTS_JOB_QUEUES.events);
  }

  /**
   * Locks the order row for this transaction. `FOR NO KEY UPDATE`, not `FOR UPDATE`: rows that
   * reference the order (callbacks, history) take `KEY SHARE` locks, which this does not block.
   * Lock the order before inserting such rows, or two transactions deadlock.
   */
  async lock(manager: EntityManager, orderRef: string): Promise<PtsOrderEntity> {
    const order = await manager
      .getRepository(PtsOrderEntity)
      .createQueryBuilder('o')
      .setLock('for_no_key_update')
      .where('o.id = :orderRef', { orderRef })
      .getOne();
    if (!order) throw new Error(`order ${orderRef} vanished while locked`);
    return order;
  }

  /** Finds an order by our id and locks it, in one statement; null when there is none. */
  async lockByOrderId(
    manager: EntityManager,
    account: string,
    orderId: string,
    kind: PtsOrderEntity['kind'],
  ): Promise<PtsOrderEntity | null> {
    return manager
      .getRepository(PtsOrderEntity)
      .createQueryBuilder('o')
      .setLock('for_no_key_update')
      .where('o.account = :account AND o.order_id = :orderId AND o.kind = :kind', {
        account,
        orderId,
        kind,
      })
      .getOne();
  }

  /**
   * The columns a transition needs of one order and its row version, in one statement;
   * locked (`FOR NO KEY UPDATE`) when `lock`. Null when there is no such order.
   */
  async snapshot(
    manager: EntityManager,
    key: PtsOrderKey,
    lock = false,
  ): Promise<PtsVersionedOrder | null> {
    const query = this.snapshotQuery(lock);
    const rows = await queryPrepared<Record<string, unknown>>(
      this.dataSource,
      manager,
      query.sql,
      query.keys.map((name) => key[name]),
    );
    const raw = rows[0];
    if (!raw) return null;
    const order: Record<string, unknown> = { version: raw.version };
    for (const [property, alias] of query.aliases) order[property] = raw[alias];
    return order as PtsVersionedOrder;
  }

  private readonly snapshotQueries = new Map<boolean, SnapshotQuery>();

  /**
   * The snapshot's SELECT as TypeORM's query builder writes it, built once per lock mode (only
   * the key changes from one callback to the next), with where its parameters go.
   */
  private snapshotQuery(lock: boolean): SnapshotQuery {
    let query = this.snapshotQueries.get(lock);
    if (query) return query;
    const marks: Record<keyof PtsOrderKey, string> = {
      account: '\u0001account',
      orderId: '\u0001orderId',
      kind: '\u0001kind',
    };
    const qb = this.dataSource
      .getRepository(PtsOrderEntity)
      .createQueryBuilder('o')
      .select(SNAPSHOT_PROPERTIES.map((p) => `o.${p}`))
      .addSelect('o.xmin::text', 'version')
      .where('o.account = :account AND o.order_id = :orderId AND o.kind = :kind', marks);
    if (lock) qb.setLock('for_no_key_update');
    const [sql, params] = qb.getQueryAndParameters();
    const names = Object.keys(marks) as (keyof PtsOrderKey)[];
    const metadata = this.dataSource.getMetadata(PtsOrderEntity);
    query = {
      sql,
      keys: params.map((param) => names.find((name) => marks[name] === param)!),
      aliases: SNAPSHOT_PROPERTIES.map((property) => [
        property,
        `o_${metadata.findColumnWithPropertyName(property)!.databaseName}`,
      ]),
    };
    this.snapshotQueries.set(lock, query);
    return query;
  }

  async apply(
    manager: EntityManager,
    orderRef: string,
    request: PtsTransitionRequest,
  ): Promise<PtsTransitionResult> {
    const order = await this.lock(manager, orderRef);
    const plan = planTransition(order, request);
    if (!plan.writes) return { decision: plan.decision, from: plan.from, order };
    // The order as written comes back from the write itself (no read after it).
    const written = await this.writer.write(manager, order, plan, request, { readBack: true });
    const after = written?.order ?? (await this.lock(manager, orderRef));
    return { decision: plan.decision, from: plan.from, order: after };
  }

  /**
   * Writes a plan in one statement: the order row, on a move its history, outbox event, jobs
   * and next reconciliation, and the callback row when given (`PtsOrderWriter`). With
   * `version`, nothing is written unless the row is still that version (`undefined`).
   */
  write(
    manager: EntityManager,
    order: PtsOrderSnapshot,
    plan: PtsTransitionPlan,
    request: PtsTransitionRequest,
    options: PtsTransitionWrite = {},
  ): Promise<{ callbackId?: string } | undefined> {
    return this.writer.write(manager, order, plan, request, options);
  }

  /** A new order and its first record in one statement (`PtsOrderWriter.insertCreated`). */
  insertCreated(manager: EntityManager, values: PtsNewOrder): Promise<PtsCreatedRow | undefined> {
    return this.writer.insertCreated(manager, values);
  }

  /**
   * A move of an order the caller wrote itself (a create's own row, `PtsCreatedRow`), in one
   * statement and no transaction: written only if the row is still that version, its
   * deadline's wake-up is rescheduled rather than left to run for nothing, and its event goes
   * with the `created` one's wake-up while that still waits. If the row changed
   * meanwhile (a callback or the create deadline came first), the locked `move` decides on the
   * row as it is now.
   */
  async moveFrom(
    created: PtsCreatedRow,
    request: PtsTransitionRequest,
  ): Promise<PtsTransitionResult> {
    const { order, version, wakeUp, eventWakeUp } = created;
    const plan = planTransition(order, request);
    if (plan.writes) {
      const written = await this.writer.write(this.dataSource.manager, order, plan, request, {
        version,
        readBack: true,
        wakeUp,
        eventWakeUp,
      });
      if (written?.order) {
        if (plan.decision === 'apply') this.committed();
        return { decision: plan.decision, from: plan.from, order: written.order };
      }
    }
    return this.move(order.id, request);
  }
}
