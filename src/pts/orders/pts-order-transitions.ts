import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { PtsTransitionCause } from './pts-order-history.entity.js';
import { PtsOrderMetrics } from '../metrics/pts-order-metrics.js';
import { PtsOrderEntity } from './pts-order.entity.js';
import {
  decideTransition,
  type PtsOrderStatus,
  type PtsTransitionDecision,
} from './pts-order-status.js';
import { PTS_ORDER_STATUS_EVENT, type PtsOrderStatusEvent } from './pts-order-events.js';
import { PtsJobs, PTS_JOB_QUEUES } from './pts-jobs.js';
import { PTS_RECONCILE_EXHAUSTED, PtsReconcileSchedule } from './pts-reconcile-schedule.js';

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

const PATCH_COLUMNS: Record<keyof PtsOrderPatch, string> = {
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

/** Fields that describe the status itself, so only a move may set them. */
const NEVER_FILLED = new Set(['ptsStatus', 'errorCode', 'errorMessage']);

/**
 * The one place an order's status changes (A8). Callers pass a transaction's EntityManager;
 * the order row is locked (`FOR UPDATE`) before the rules are applied, so concurrent callbacks,
 * queries and several service instances serialise on the row and a transition happens exactly
 * once. A move writes its history row, its outbox event with the job that delivers it, and the
 * order's next reconciliation, all in the same transaction.
 */
@Injectable()
export class PtsOrderTransitions {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: PtsOrderMetrics,
    private readonly jobs: PtsJobs,
    private readonly schedule: PtsReconcileSchedule,
  ) {}

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

  /** Finds an order by our id and locks it; null when there is none. */
  async lockByOrderId(
    manager: EntityManager,
    account: string,
    orderId: string,
    kind: PtsOrderEntity['kind'],
  ): Promise<PtsOrderEntity | null> {
    const found = await manager.getRepository(PtsOrderEntity).findOneBy({ account, orderId, kind });
    return found ? this.lock(manager, found.id) : null;
  }

  async apply(
    manager: EntityManager,
    orderRef: string,
    request: PtsTransitionRequest,
  ): Promise<PtsTransitionResult> {
    const order = await this.lock(manager, orderRef);
    const from = order.status;
    const decision = decideTransition(from, request.to);
    const flags = new Set(order.flags);
    for (const flag of request.flags ?? []) flags.add(flag);
    if (decision === 'final-conflict') flags.add('conflicting_final_news');
    // A move restarts the schedule (or ends it): the order no longer waits for an operator.
    if (decision === 'apply') flags.delete(PTS_RECONCILE_EXHAUSTED);

    const sets: string[] = [];
    const params: unknown[] = [orderRef];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (flags.size !== order.flags.length || order.flags.some((f) => !flags.has(f))) {
      set('flags', [...flags]);
    }
    if (decision === 'apply') {
      set('status', request.to);
      sets.push('status_changed_at = now()');
      for (const [key, value] of Object.entries(request.patch ?? {})) {
        if (value !== undefined) set(PATCH_COLUMNS[key as keyof PtsOrderPatch], value);
      }
    } else {
      // Older news does not move the order, but may fill what is still unknown (a callback
      // that overtook the create answer must not lose the transaction id or pay URL).
      for (const [key, value] of Object.entries(request.patch ?? {})) {
        if (value === undefined || value === null || NEVER_FILLED.has(key)) continue;
        const column = PATCH_COLUMNS[key as keyof PtsOrderPatch];
        params.push(value);
        sets.push(
          key === 'lastQueriedAt'
            ? `${column} = $${params.length}`
            : `${column} = COALESCE(${column}, $${params.length})`,
        );
      }
    }
    if (sets.length > 0) {
      sets.push('updated_at = now()');
      await manager.query(`UPDATE pts_orders SET ${sets.join(', ')} WHERE id = $1`, params);
    }
    if (decision === 'apply') {
      await this.record(manager, order, from, request);
      await this.schedule.afterMove(manager, orderRef, request.to, order.kind);
    }
    return { decision, from, order: await this.lock(manager, orderRef) };
  }

  /** The first history row of a new order, its `created` event and its create deadline. */
  async recordCreated(manager: EntityManager, order: PtsOrderEntity): Promise<void> {
    await this.record(manager, order, null, { to: 'created', cause: 'create' });
    await this.schedule.afterMove(manager, order.id, 'created', order.kind);
  }

  /** History row and outbox event of a move; also used for the first `created` row. */
  async record(
    manager: EntityManager,
    order: PtsOrderEntity,
    from: PtsOrderStatus | null,
    request: PtsTransitionRequest,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO pts_order_history (order_ref, from_status, to_status, cause, callback_id, detail)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        order.id,
        from,
        request.to,
        request.cause,
        request.callbackId ?? null,
        request.detail ?? null,
      ],
    );
    const event: PtsOrderStatusEvent = {
      idempotencyKey: `${order.id}:${request.to}`,
      orderRef: order.id,
      orderId: order.orderId,
      account: order.account,
      kind: order.kind,
      status: request.to,
      previousStatus: from,
      cause: request.cause,
      transactionId: request.patch?.transactionId ?? order.transactionId,
      ptsStatus: request.patch?.ptsStatus ?? order.ptsStatus,
      amount: order.amount,
      currency: order.currency,
      acceptAmount: request.patch?.acceptAmount ?? order.acceptAmount,
      acceptCurrency: request.patch?.acceptCurrency ?? order.acceptCurrency,
      at: new Date().toISOString(),
    };
    this.metrics.transitions.inc({ kind: order.kind, status: request.to });
    await manager.query(
      `INSERT INTO pts_outbox (order_ref, event_type, idempotency_key, payload)
       VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING`,
      [order.id, PTS_ORDER_STATUS_EVENT, event.idempotencyKey, JSON.stringify(event)],
    );
    await this.jobs.send(manager, PTS_JOB_QUEUES.events, { orderRef: order.id });
  }
}
