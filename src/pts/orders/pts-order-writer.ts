import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { PtsCallbackEntity } from '../callbacks/pts-callback.entity.js';
import type { PtsCallbackRow } from '../callbacks/pts-callback-store.js';
import type { PtsOrderMetrics } from '../metrics/pts-order-metrics.js';
import { PtsOrderEntity } from './pts-order.entity.js';
import type { PtsOrderPatch, PtsTransitionRequest } from './pts-order-transitions.js';
import type { PtsJobs } from './pts-jobs.js';
import { ptsMoveCtes } from './pts-move-ctes.js';
import { queryPrepared } from './pts-prepared-query.js';
import { ptsExactTimeSql, type PtsReconcileSchedule } from './pts-reconcile-schedule.js';
import { ptsStatusEvent, type PtsOrderSnapshot } from './pts-transition-plan.js';
import type { PtsWrittenPlan } from './pts-move-ctes.js';

/** The columns a new order starts with; every other column takes its default. */
export type PtsNewOrder = Pick<
  PtsOrderEntity,
  | 'account'
  | 'userId'
  | 'apiVersion'
  | 'kind'
  | 'orderId'
  | 'amount'
  | 'currency'
  | 'channel'
  | 'callbackUrl'
  | 'redirectUrl'
  | 'errorUrl'
  | 'remark'
  | 'details'
  | 'idempotencyKey'
  | 'requestFingerprint'
>;

/** A new order as written: the row, its version, and the ids of the wake-ups it sent. */
export interface PtsCreatedRow {
  order: PtsOrderEntity;
  version: string;
  /** Its deadline's reconciliation wake-up (payments and withdrawals). */
  wakeUp?: string;
  /** The wake-up that delivers its `created` event. */
  eventWakeUp: string;
}

/** Database columns of what a transition may set (`pts_orders`). */
const ORDER_COLUMNS: Record<keyof PtsOrderPatch | 'status' | 'flags', string> = {
  status: 'status',
  flags: 'flags',
  transactionId: 'transaction_id',
  ptsStatus: 'pts_status',
  submitAmount: 'submit_amount',
  submitCurrency: 'submit_currency',
  acceptAmount: 'accept_amount',
  acceptCurrency: 'accept_currency',
  exchangeRate: 'exchange_rate',
  payUrl: 'pay_url',
  qrCode: 'qr_code',
  redirectHtml: 'redirect_html',
  errorCode: 'error_code',
  errorMessage: 'error_message',
  lastQueriedAt: 'last_queried_at',
  referenceNumber: 'reference_number',
  detailsUrl: 'details_url',
  submitPromo: 'submit_promo',
  acceptPromo: 'accept_promo',
  ptsHash: 'pts_hash',
};

/** A type to cast a parameter to for a column: text for strings (the column's width still applies). */
function sqlCastType(type: string): string {
  return ['varchar', 'char', 'text', 'character varying'].includes(type) ? 'text' : type;
}

export interface PtsTransitionWrite {
  /** Write only if the row is still this version; otherwise nothing is written. */
  version?: string;
  /** A `pts_callbacks` row written by the same statement; its id goes into the history. */
  callback?: PtsCallbackRow;
  /** The order row as written comes back (`order`), so no read after the write is needed. */
  readBack?: boolean;
  /**
   * The order's reconciliation wake-up still waiting to run (a create's deadline): a move
   * reschedules it to the next due time, or deletes it when the schedule ends, instead of
   * leaving it to wake up for nothing.
   */
  wakeUp?: string;
  /**
   * The order's event wake-up still waiting to run (a create's): while it waits, it delivers
   * this move's event too, and the move sends none of its own.
   */
  eventWakeUp?: string;
}

/**
 * The single-statement writer of a transition (A8): `PtsOrderTransitions.write` and through it
 * the callback path (docs/reconciliation.md, "The callback path's statements").
 */
export class PtsOrderWriter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: PtsOrderMetrics,
    private readonly jobs: PtsJobs,
    private readonly schedule: PtsReconcileSchedule,
  ) {}

  /**
   * Writes a plan in one statement (data-modifying CTEs): the order row; on a move its history
   * row, outbox event, event wake-up and next reconciliation (or the end of its schedule); and
   * the callback row when given. With `version`, nothing is written unless the row is still
   * that version: the UPDATE takes the row lock and re-checks it, so of two writers that read
   * the same version one wins and the other gets `undefined` (and decides again).
   * Hand-written SQL: the ORM cannot put these into one statement.
   */
  async write(
    manager: EntityManager,
    order: PtsOrderSnapshot,
    plan: PtsWrittenPlan,
    request: PtsTransitionRequest,
    options: PtsTransitionWrite = {},
  ): Promise<{ callbackId?: string; order?: PtsOrderEntity } | undefined> {
    const params: Record<string, unknown> = { orderRef: order.id };
    const sets = ['updated_at = now()'];
    for (const [property, value] of Object.entries(plan.set)) {
      const column = ORDER_COLUMNS[property as keyof typeof ORDER_COLUMNS];
      params[`set_${property}`] = value;
      sets.push(`${column} = :set_${property}`);
    }
    for (const [property, value] of Object.entries(plan.fill)) {
      const column = ORDER_COLUMNS[property as keyof PtsOrderPatch];
      params[`fill_${property}`] = value;
      sets.push(`${column} = COALESCE(${column}, :fill_${property})`);
    }
    const moved = plan.decision === 'apply';
    const firstDelayMs = moved ? this.schedule.firstDelayMs(plan.to, order.kind) : null;
    if (moved) {
      sets.push('status_changed_at = now()', 'reconcile_attempts = 0');
      if (firstDelayMs === null) {
        sets.push('next_reconcile_at = NULL');
      } else {
        params.firstDelay = firstDelayMs / 1000;
        sets.push('next_reconcile_at = now() + make_interval(secs => :firstDelay)');
      }
    }
    if (options.version !== undefined) params.version = options.version;
    const ctes = [
      `moved AS (
         UPDATE pts_orders SET ${sets.join(', ')}
          WHERE id = :orderRef${options.version !== undefined ? ' AND xmin = :version::xid' : ''}
          RETURNING ${options.readBack ? this.returnedColumns() : 'id, next_reconcile_at'}, ${ptsExactTimeSql('status_changed_at')} AS since)`,
    ];
    if (options.callback) {
      ctes.push(`callback AS (${this.callbackInsertSql(options.callback, params)})`);
    }
    if (moved) {
      const callbackId = options.callback ? '(SELECT id FROM callback)' : ':callbackId::bigint';
      const wakeUps = {
        scheduled: firstDelayMs !== null,
        wakeUp: options.wakeUp,
        eventWakeUp: options.eventWakeUp,
      };
      ctes.push(
        ...ptsMoveCtes(this.jobs, this.schedule, { plan, request, params, callbackId }, wakeUps),
      );
    }
    const read = options.readBack ? this.returnedColumns('moved.') : 'moved.id';
    const select = options.callback
      ? `SELECT ${read}, (SELECT id FROM callback) AS callback_id FROM moved`
      : `SELECT ${read}, NULL AS callback_id FROM moved`;
    const [sql, values] = this.dataSource.driver.escapeQueryWithParameters(
      `WITH ${ctes.join(',\n')}\n${select}`,
      params,
    );
    const rows = await queryPrepared<Record<string, unknown> & { callback_id: string | null }>(
      this.dataSource,
      manager,
      sql,
      values,
    );
    if (rows.length === 0) return undefined;
    if (moved) this.metrics.transitions.inc({ kind: order.kind, status: plan.to });
    const callbackId = rows[0].callback_id === null ? undefined : String(rows[0].callback_id);
    return options.readBack ? { callbackId, order: this.hydrate(rows[0]) } : { callbackId };
  }

  /**
   * A new order's row with its first record, in one statement and so one round trip, no
   * transaction needed (A8): the `created` row, its history row, its `created` event with the
   * job that delivers it, and its create deadline (the first reconciliation). The id is made
   * here, so the event is complete before the statement runs. Either unique key (order id,
   * idempotency key) taken: nothing is written and the answer is `undefined`. The order comes
   * back as written, with its row version for a checked write after it and the id of its
   * deadline's wake-up (for that write to reschedule).
   */
  async insertCreated(
    manager: EntityManager,
    values: PtsNewOrder,
  ): Promise<PtsCreatedRow | undefined> {
    const metadata = this.dataSource.getMetadata(PtsOrderEntity);
    const row: Record<string, unknown> = { ...values, id: randomUUID(), status: 'created' };
    const params: Record<string, unknown> = {};
    const columns: string[] = [];
    const inserted: string[] = [];
    for (const [property, value] of Object.entries(row)) {
      columns.push(metadata.findColumnWithPropertyName(property)!.databaseName);
      params[`new_${property}`] =
        property === 'details' && value !== null ? JSON.stringify(value) : value;
      inserted.push(`:new_${property}`);
    }
    const firstDelayMs = this.schedule.firstDelayMs('created', values.kind);
    const wakeUp = firstDelayMs === null ? undefined : randomUUID();
    const eventWakeUp = randomUUID();
    if (firstDelayMs !== null) {
      params.firstDelay = firstDelayMs / 1000;
      columns.push('next_reconcile_at');
      inserted.push('now() + make_interval(secs => :firstDelay)');
    }
    const request: PtsTransitionRequest = { to: 'created', cause: 'create' };
    const order = row as unknown as PtsOrderSnapshot;
    const plan: PtsWrittenPlan = {
      decision: 'apply',
      from: null,
      to: 'created',
      set: {},
      fill: {},
      writes: true,
      event: ptsStatusEvent(order, null, request),
    };
    const ctes = [
      `moved AS (
         INSERT INTO pts_orders (${columns.join(', ')}) VALUES (${inserted.join(', ')})
         ON CONFLICT DO NOTHING
         RETURNING ${this.returnedColumns()}, xmin::text AS version, ${ptsExactTimeSql('status_changed_at')} AS since)`,
      ...ptsMoveCtes(
        this.jobs,
        this.schedule,
        { plan, request, params, callbackId: 'NULL::bigint' },
        { scheduled: firstDelayMs !== null, newWakeUp: wakeUp, newEventWakeUp: eventWakeUp },
      ),
    ];
    const [sql, parameters] = this.dataSource.driver.escapeQueryWithParameters(
      `WITH ${ctes.join(',\n')}\nSELECT ${this.returnedColumns('moved.')}, moved.version FROM moved`,
      params,
    );
    const rows = await queryPrepared<Record<string, unknown>>(
      this.dataSource,
      manager,
      sql,
      parameters,
    );
    if (rows.length === 0) return undefined;
    this.metrics.transitions.inc({ kind: values.kind, status: 'created' });
    return {
      order: this.hydrate(rows[0]),
      version: String(rows[0].version),
      wakeUp,
      eventWakeUp,
    };
  }

  /**
   * Every column of `pts_orders` by name, never `*`: a named prepared statement keeps its
   * result's shape when a migration adds a column (pts-prepared-query.ts).
   */
  private returnedColumns(prefix: '' | 'moved.' = ''): string {
    let columns = this.columnLists.get(prefix);
    if (columns === undefined) {
      columns = this.dataSource
        .getMetadata(PtsOrderEntity)
        .columns.map((c) => prefix + c.databaseName)
        .join(', ');
      this.columnLists.set(prefix, columns);
    }
    return columns;
  }

  /** The lists `returnedColumns` built, by prefix: the entity's columns do not change. */
  private readonly columnLists = new Map<string, string>();

  /** A returned row as the entity, each value as TypeORM's own reads hydrate it. */
  private hydrate(row: Record<string, unknown>): PtsOrderEntity {
    const metadata = this.dataSource.getMetadata(PtsOrderEntity);
    const order = metadata.create() as PtsOrderEntity;
    for (const column of metadata.columns) {
      column.setEntityValue(
        order,
        this.dataSource.driver.prepareHydratedValue(row[column.databaseName], column),
      );
    }
    return order;
  }

  /** `INSERT INTO pts_callbacks ... SELECT ... FROM moved RETURNING id`, columns from the entity. */
  private callbackInsertSql(row: PtsCallbackRow, params: Record<string, unknown>): string {
    const metadata = this.dataSource.getMetadata(PtsCallbackEntity);
    const columns: string[] = [];
    const values: string[] = [];
    for (const [property, value] of Object.entries(row)) {
      const column = metadata.findColumnWithPropertyName(property)!;
      columns.push(column.databaseName);
      params[`cb_${property}`] = property === 'headers' ? JSON.stringify(value) : value;
      // INSERT ... SELECT types its values from the expressions, not from the target columns.
      values.push(`CAST(:cb_${property} AS ${sqlCastType(String(column.type))})`);
    }
    return `INSERT INTO pts_callbacks (${columns.join(', ')}) SELECT ${values.join(', ')} FROM moved RETURNING id`;
  }
}
