import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { PtsInvalidRequestError } from '../errors/pts-error.js';
import { PtsCallbackNotFoundError } from '../errors/pts-order-errors.js';
import { PtsOrderMetrics } from '../metrics/pts-order-metrics.js';
import { PtsAccounts } from '../options/pts-accounts.js';
import { PtsSettings } from '../options/pts-settings.js';
import { ptsMessageSpec } from '../protocol/pts-fields.js';
import { statusText } from '../protocol/pts-message.js';
import { PtsOrderTransitions, type PtsOrderKey } from '../orders/pts-order-transitions.js';
import type { PtsOrderSnapshot } from '../orders/pts-transition-plan.js';
import { PtsSubscriptionCallbacks } from '../subscriptions/pts-subscription-callbacks.js';
import { PtsCallbackEntity } from './pts-callback.entity.js';
import {
  decideStatusCallback,
  decideWithdrawConfirm,
  type PtsCallbackDecision,
} from './pts-callback-decisions.js';
import { PtsCallbackRejection } from './pts-callback-errors.js';
import { readPtsCallback, type PtsCallbackReading } from './pts-callback-reading.js';
import { ptsCallbackRow, PtsCallbackStore, type PtsCallbackRecord } from './pts-callback-store.js';
import type { PtsCallbackVerdict, PtsInboundCallback } from './pts-inbound-callback.js';
import { PtsIpAllowList } from './pts-ip-allow-list.js';

export { PTS_UNVERIFIED_BODY_PREFIX_BYTES } from './pts-callback-store.js';
export { keptCallbackHeaders } from './pts-inbound-callback.js';
export type { PtsCallbackVerdict, PtsInboundCallback } from './pts-inbound-callback.js';

/** Checked writes an applied callback tries before it decides again under the row lock. */
const UNLOCKED_ATTEMPTS = 2;

/**
 * Callbacks per docs/protocol.md A6: read and verify before trusting anything (no database:
 * `readPtsCallback`), decide through the state machine (`pts-callback-decisions.ts`), and
 * answer `SUCCESS` only once the callback row and its effect are committed. Everything that
 * arrives is stored once, with its final outcome, rejected callbacks included
 * (`PtsCallbackStore`). The statements of each path: docs/reconciliation.md, "The callback
 * path's statements".
 */
@Injectable()
export class PtsCallbackProcessor {
  private readonly logger = new Logger('PtsCallbacks');
  private readonly allowList: PtsIpAllowList;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    settings: PtsSettings,
    private readonly accounts: PtsAccounts,
    private readonly transitions: PtsOrderTransitions,
    private readonly store: PtsCallbackStore,
    private readonly metrics: PtsOrderMetrics,
    private readonly subscriptions: PtsSubscriptionCallbacks,
  ) {
    this.allowList = new PtsIpAllowList(settings.callbackAllowedIps);
  }

  async receive(callback: PtsInboundCallback): Promise<PtsCallbackVerdict> {
    const verdict = await this.decide(callback);
    this.metrics.callbacks.inc({ kind: callback.kind, outcome: verdict.outcome });
    return verdict;
  }

  private decide(callback: PtsInboundCallback): Promise<PtsCallbackVerdict> {
    if (callback.refused) {
      const { httpStatus, reason } = callback.refused;
      return this.reject(callback, PtsCallbackRejection.of(httpStatus, reason));
    }
    const reading = readPtsCallback(callback.kind, callback.body, (userId) =>
      this.accounts.byUserId(userId),
    );
    if (reading instanceof PtsCallbackRejection) return this.reject(callback, reading);
    switch (callback.kind) {
      case 'subscribeCallback':
        return this.subscription(callback, reading);
      case 'withdrawConfirm':
        return this.confirm(callback, reading);
      default:
        return this.apply(callback, reading);
    }
  }

  /** Stores a callback refused before it was read (e.g. sender not allowed) and answers FAILED. */
  async refuse(
    callback: PtsInboundCallback,
    httpStatus: number,
    reason: string,
  ): Promise<PtsCallbackVerdict> {
    return this.receive({ ...callback, refused: { httpStatus, reason } });
  }

  /** A payment or withdraw callback: its order's status moves by A8. */
  private async apply(
    callback: PtsInboundCallback,
    reading: PtsCallbackReading,
  ): Promise<PtsCallbackVerdict> {
    const { account, message } = reading;
    const orderId = message.order_id as string;
    const ptsStatus = statusText(message.status)!;
    const kind = callback.kind === 'paymentCallback' ? 'payment' : 'withdraw';
    const settled = await this.settle(
      callback,
      reading,
      { account: account.name, orderId, kind },
      ptsStatus,
      (order) => decideStatusCallback(order, account, message),
    );
    if (settled.outcome === 'applied') this.transitions.committed();
    this.logger.log(
      `${callback.kind} ${account.name}/${orderId} ${ptsStatus}: ${settled.outcome}${settled.reason ? ` (${settled.reason})` : ''}`,
    );
    return {
      ...settled,
      contentType: 'text/plain',
      body: settled.httpStatus === 200 ? 'SUCCESS' : 'FAILED',
    };
  }

  /** A6: withdraw confirmation, answered with a signed `confirm`. */
  private async confirm(
    callback: PtsInboundCallback,
    reading: PtsCallbackReading,
  ): Promise<PtsCallbackVerdict> {
    const { account, message } = reading;
    const orderId = message.order_id as string;
    const settled = await this.settle(
      callback,
      reading,
      { account: account.name, orderId, kind: 'withdraw' },
      undefined,
      (order) => decideWithdrawConfirm(order, message),
      200,
    );
    const confirm = settled.outcome === 'applied' ? 'SUCCESS' : 'FAILED';
    const spec = ptsMessageSpec(account.apiVersion, 'withdrawConfirmResponse');
    const reply = account.signer.signMessage(spec, {
      user_id: account.userId,
      order_id: orderId,
      confirm,
    });
    this.logger.log(`withdrawConfirm ${account.name}/${orderId}: ${confirm} (${settled.reason})`);
    return {
      callbackId: settled.callbackId,
      outcome: settled.outcome,
      reason: settled.reason,
      httpStatus: 200,
      contentType: 'application/json',
      body: JSON.stringify(reply),
    };
  }

  /**
   * Reads the order once, decides, and writes the callback row with its final outcome: alone
   * (autocommit, no lock) when the order is left as it is, or in the one statement that
   * writes the order if it is still the version read. A writer that lost the race to another
   * decides again on the order as it now stands, at last under its row lock, so every
   * callback is applied exactly once (A8).
   */
  private async settle(
    callback: PtsInboundCallback,
    reading: PtsCallbackReading,
    key: PtsOrderKey,
    ptsStatus: string | undefined,
    decide: (order: PtsOrderSnapshot) => PtsCallbackDecision,
    unknownStatus = 404,
  ): Promise<{
    callbackId?: string;
    outcome: PtsCallbackDecision['outcome'];
    reason: string;
    httpStatus: number;
  }> {
    const record = (
      order: PtsOrderSnapshot | null,
      decision: PtsCallbackDecision,
    ): PtsCallbackRecord => ({
      account: key.account,
      orderId: key.orderId,
      orderRef: order?.id,
      ptsStatus,
      verification: reading.verification,
      outcome: decision.outcome,
      httpStatus: decision.httpStatus,
      reason: decision.reason,
    });
    const once = async (manager: EntityManager, lock: boolean) => {
      const order = await this.transitions.snapshot(manager, key, lock);
      if (!order) {
        const reason = `no ${key.kind} order ${key.orderId} for account ${key.account}`;
        const decision: PtsCallbackDecision = {
          outcome: 'rejected',
          reason,
          httpStatus: unknownStatus,
        };
        const callbackId = await this.store.insert(callback, record(null, decision), manager);
        // The stored reason names the order; the answer stays short.
        return {
          callbackId,
          ...decision,
          reason: unknownStatus === 404 ? `unknown ${key.kind} order` : reason,
        };
      }
      const decision = decide(order);
      if (!decision.transition) {
        const callbackId = await this.store.insert(callback, record(order, decision), manager);
        return { callbackId, ...decision };
      }
      const { request, plan } = decision.transition;
      const written = await this.transitions.write(manager, order, plan, request, {
        version: order.version,
        callback: ptsCallbackRow(callback, record(order, decision)),
      });
      return written && { callbackId: written.callbackId, ...decision };
    };
    for (let attempt = 0; attempt < UNLOCKED_ATTEMPTS; attempt++) {
      const settled = await once(this.dataSource.manager, false);
      if (settled) return settled;
    }
    return this.dataSource.transaction(async (manager) => {
      const settled = await once(manager, true);
      if (!settled) throw new Error(`order ${key.orderId} changed while locked`);
      return settled;
    });
  }

  /** B4.11: the subscribe callback, applied by PtsSubscriptionCallbacks; answered like the rest. */
  private async subscription(
    callback: PtsInboundCallback,
    reading: PtsCallbackReading,
  ): Promise<PtsCallbackVerdict> {
    const verdict = await this.subscriptions.apply(
      reading.account,
      reading.message,
      reading.verification,
      (manager, record) => this.store.insert(callback, record, manager),
      (record) => ptsCallbackRow(callback, record),
    );
    if (verdict.moved) this.transitions.committed();
    return {
      callbackId: verdict.callbackId,
      outcome: verdict.outcome,
      reason: verdict.reason,
      httpStatus: verdict.httpStatus,
      contentType: 'text/plain',
      body: verdict.httpStatus === 200 ? 'SUCCESS' : 'FAILED',
    };
  }

  /** Processes a stored callback again (admin replay); the new verdict is stored as a new row. */
  async replay(callbackId: string): Promise<PtsCallbackVerdict> {
    if (!isBigintId(callbackId)) throw PtsCallbackNotFoundError.forCallback(callbackId);
    const row = await this.dataSource.getRepository(PtsCallbackEntity).findOne({
      select: {
        kind: true,
        rawBody: true,
        bodyBytes: true,
        bodyTruncated: true,
        remoteAddress: true,
        headers: true,
      },
      where: { id: callbackId },
    });
    if (!row) throw PtsCallbackNotFoundError.forCallback(callbackId);
    // docs/hardening.md, replay: only what could have been accepted when it arrived.
    if (row.bodyTruncated) {
      throw new PtsInvalidRequestError({
        code: 'replay_refused',
        message: `callback ${callbackId} was stored without its whole body (only a prefix of an unverified or oversized body is kept); it cannot be replayed`,
        field: 'id',
      });
    }
    if (!this.allowList.allows(row.remoteAddress ?? undefined)) {
      throw new PtsInvalidRequestError({
        code: 'replay_refused',
        message: `callback ${callbackId} came from ${row.remoteAddress ?? 'an unknown address'}, which callbackAllowedIps does not allow; it cannot be replayed`,
        field: 'id',
      });
    }
    const bytes = Buffer.from(row.rawBody, 'utf8');
    return this.receive({
      kind: row.kind,
      body: { bytes, totalBytes: row.bodyBytes, truncated: row.bodyTruncated },
      remoteAddress: row.remoteAddress ?? undefined,
      headers: row.headers,
      replayOf: callbackId,
    });
  }

  /** Stores a callback that will never be accepted (one row, no lock) and answers `FAILED` (A6). */
  private async reject(
    callback: PtsInboundCallback,
    rejection: PtsCallbackRejection,
  ): Promise<PtsCallbackVerdict> {
    let callbackId: string | undefined;
    try {
      callbackId = await this.store.insert(callback, {
        account: rejection.context.account,
        orderId: rejection.context.orderId,
        ptsStatus: rejection.context.ptsStatus,
        verification: rejection.context.verified,
        outcome: 'rejected',
        httpStatus: rejection.httpStatus,
        reason: rejection.reason,
      });
    } catch (error) {
      // Bad input stays a 4xx even when it cannot be stored: a retry would not cure it.
      this.logger.error(
        `could not store a rejected ${callback.kind} (${rejection.reason}): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    this.logger.warn(`${callback.kind} rejected (${rejection.httpStatus}): ${rejection.reason}`);
    return {
      callbackId,
      outcome: 'rejected',
      reason: rejection.reason,
      httpStatus: rejection.httpStatus,
      contentType: 'text/plain',
      body: 'FAILED',
    };
  }
}

function isBigintId(id: string): boolean {
  return /^[1-9]\d{0,18}$/.test(id) && BigInt(id) <= 9223372036854775807n;
}
