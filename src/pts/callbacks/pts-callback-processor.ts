import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { PtsError, PtsInvalidRequestError } from '../errors/pts-error.js';
import { PtsCallbackNotFoundError } from '../errors/pts-order-errors.js';
import { PtsOrderMetrics } from '../metrics/pts-order-metrics.js';
import { PtsAccounts, type PtsAccount } from '../options/pts-accounts.js';
import { PtsSettings } from '../options/pts-settings.js';
import { isPtsTransactionStatusCode } from '../protocol/pts-codes.js';
import { PTS_MESSAGES, ptsMessageSpec } from '../protocol/pts-fields.js';
import { PtsSubscriptionCallbacks } from '../subscriptions/pts-subscription-callbacks.js';
import { parsePtsJsonObject, type PtsJsonObject } from '../protocol/pts-json.js';
import { unwrapPtsCallback } from '../protocol/pts-envelope.js';
import {
  checkReceivedPtsMessage,
  checkVerifiedPtsMessage,
  decimalText,
  idText,
  looseText,
  signedText,
  statusText,
} from '../protocol/pts-message.js';
import type { PtsVerification } from '../protocol/pts-signer.js';
import { isFinalStatus, PTS_STATUS_BY_TRANSACTION_STATUS } from '../orders/pts-order-status.js';
import { PtsOrderTransitions } from '../orders/pts-order-transitions.js';
import { PtsOutboxDispatcher } from '../orders/pts-outbox-dispatcher.js';
import { describeMismatch, patchFromResult } from '../orders/pts-order-sync.js';
import { keptFieldsPatch } from '../orders/pts-kept-fields.js';
import { sameAmount } from '../protocol/pts-amount.js';
import type { PtsCallbackKind, PtsCallbackOutcome } from './pts-callback.entity.js';
import { storableFreeText, unstorableCallbackReason } from './pts-callback-storable.js';
import { PtsIpAllowList } from './pts-ip-allow-list.js';
import type { PtsRawBody } from './pts-raw-body.js';

/**
 * How much of a body whose signature did not verify is kept: enough for any real callback
 * (a few hundred bytes) to be read back, too little for junk to fill the database. The length
 * and SHA-256 of the whole body are kept too (docs/hardening.md).
 */
export const PTS_UNVERIFIED_BODY_PREFIX_BYTES = 2048;

/** A callback (or withdraw confirmation) as it reached us. */
export interface PtsInboundCallback {
  kind: PtsCallbackKind;
  body: PtsRawBody;
  remoteAddress?: string;
  /** Headers worth keeping (content type, user agent, forwarded-for); never authorisation. */
  headers: Record<string, string>;
  replayOf?: string;
}

/** What to answer and what was recorded. */
export interface PtsCallbackVerdict {
  callbackId?: string;
  outcome: PtsCallbackOutcome;
  reason?: string;
  httpStatus: number;
  contentType: 'text/plain' | 'application/json';
  body: string;
}

const KEPT_HEADERS = [
  'content-type',
  'user-agent',
  'x-forwarded-for',
  'x-real-ip',
  'content-length',
];

/** Headers of interest from a request, lower-cased; nothing that could hold a credential. */
export function keptCallbackHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers[name];
    if (value !== undefined)
      kept[name] = (Array.isArray(value) ? value.join(', ') : value).slice(0, 256);
  }
  return kept;
}

class Rejection extends Error {
  constructor(
    readonly httpStatus: number,
    readonly reason: string,
    readonly context: {
      account?: string;
      orderId?: string;
      ptsStatus?: string;
      verified?: PtsVerification;
    } = {},
  ) {
    super(reason);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Callbacks per docs/protocol.md A6: verify before trusting anything, then apply through the
 * state machine, and answer `SUCCESS` only once the callback and its effect are committed.
 * Everything that arrives is stored with its outcome, rejected callbacks included.
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
    private readonly dispatcher: PtsOutboxDispatcher,
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

  private async decide(callback: PtsInboundCallback): Promise<PtsCallbackVerdict> {
    let parsed: { account: PtsAccount; message: PtsJsonObject; verification: PtsVerification };
    try {
      parsed = this.verify(callback);
    } catch (error) {
      if (error instanceof Rejection) return this.reject(callback, error);
      throw error;
    }
    const unstorable = unstorableCallbackReason(parsed.message);
    if (unstorable) {
      return this.reject(
        callback,
        new Rejection(400, `signed values cannot be stored: ${unstorable}`, {
          account: parsed.account.name,
          orderId: idText(parsed.message.order_id),
          ptsStatus: statusText(parsed.message.status),
          verified: parsed.verification,
        }),
      );
    }
    if (callback.kind === 'subscribeCallback') {
      return this.subscription(callback, parsed.account, parsed.message, parsed.verification);
    }
    return callback.kind === 'withdrawConfirm'
      ? this.confirm(callback, parsed.account, parsed.message, parsed.verification)
      : this.apply(callback, parsed.account, parsed.message, parsed.verification);
  }

  /** Parse, find the account by `user_id`, check fields, verify `sign` (A4, mandatory). */
  private verify(callback: PtsInboundCallback) {
    const { body } = callback;
    if (body.truncated) {
      throw new Rejection(413, `body of ${body.totalBytes} bytes exceeds the limit`);
    }
    let text: string;
    try {
      text = utf8.decode(body.bytes);
    } catch {
      throw new Rejection(400, 'body is not UTF-8 text');
    }
    if (text.trim() === '') throw new Rejection(400, 'body is empty');
    let message: PtsJsonObject;
    try {
      // A6: the flat field set, or the same wrapped as `{code, message, data}`.
      message = unwrapPtsCallback(parsePtsJsonObject(text)).message;
    } catch (error) {
      throw new Rejection(400, error instanceof PtsError ? error.message : 'body is not JSON');
    }
    const userId = idText(message.user_id);
    const orderId =
      typeof message.order_id === 'string' ? message.order_id.slice(0, 64) : undefined;
    const account = userId === undefined ? undefined : this.accounts.byUserId(userId);
    if (!account) {
      throw new Rejection(
        400,
        userId === undefined
          ? 'user_id is missing'
          : `user_id ${userId} is not a configured account`,
        { orderId },
      );
    }
    const specName = callback.kind === 'withdrawConfirm' ? 'withdrawConfirmRequest' : callback.kind;
    if (!PTS_MESSAGES[account.apiVersion][specName]) {
      // v1 accounts have no subscriptions (B4.11 is v2.1 only).
      throw new Rejection(400, `API ${account.apiVersion} has no ${callback.kind}`, {
        account: account.name,
        orderId,
      });
    }
    const spec = ptsMessageSpec(account.apiVersion, specName);
    const context = { account: account.name, orderId, ptsStatus: statusText(message.status) };
    try {
      // A5: signed fields may be null or "" (they sign as `key=`); unsigned ones are lenient.
      checkReceivedPtsMessage(spec, message);
    } catch (error) {
      throw new Rejection(400, error instanceof PtsError ? error.message : 'malformed', context);
    }
    let verification: PtsVerification;
    try {
      verification = account.signer.verify(spec, message);
    } catch (error) {
      throw new Rejection(
        401,
        error instanceof PtsError ? `signature: ${error.message}` : 'signature does not verify',
        context,
      );
    }
    try {
      // What the reported status needs (a success says what was paid), judged once it verified.
      checkVerifiedPtsMessage(spec, message);
    } catch (error) {
      throw new Rejection(400, error instanceof PtsError ? error.message : 'malformed', {
        ...context,
        verified: verification,
      });
    }
    return { account, message, verification };
  }

  private async apply(
    callback: PtsInboundCallback,
    account: PtsAccount,
    message: PtsJsonObject,
    verification: PtsVerification,
  ): Promise<PtsCallbackVerdict> {
    const orderId = message.order_id as string;
    const ptsStatus = statusText(message.status)!;
    if (!isPtsTransactionStatusCode(ptsStatus)) {
      return this.reject(
        callback,
        new Rejection(400, `status ${ptsStatus} is not a PTS transaction status`, {
          account: account.name,
          orderId,
          ptsStatus,
          verified: verification,
        }),
      );
    }
    const kind = callback.kind === 'paymentCallback' ? 'payment' : 'withdraw';
    // Signed fields PTS sent as null or "" are null here (A5); a 2000 has the ones it needs.
    const amount = (value: unknown) => (signedText(value) === null ? null : decimalText(value)!);
    const news = {
      transactionId: signedText(message.transaction_id),
      submitAmount: amount(message.submit_amount),
      submitCurrency: signedText(message.submit_currency),
      acceptAmount: amount(message.accept_amount),
      acceptCurrency: signedText(message.accept_currency),
      exchangeRate: amount(message.exchange_rate),
    };
    const verdict = await this.dataSource.transaction(async (manager) => {
      // Lock first: concurrent copies of this callback queue here, not deadlock later.
      const order = await this.transitions.lockByOrderId(manager, account.name, orderId, kind);
      const callbackId = await this.store(manager, callback, {
        account: account.name,
        orderId,
        orderRef: order?.id,
        ptsStatus,
        verification,
        outcome: 'rejected',
        httpStatus: 404,
        reason: `no ${kind} order ${orderId} for account ${account.name}`,
      });
      if (!order) {
        return {
          callbackId,
          outcome: 'rejected' as const,
          httpStatus: 404,
          reason: `unknown ${kind} order`,
        };
      }
      const mismatch = describeMismatch(order, account, {
        userId: idText(message.user_id),
        submitAmount: news.submitAmount ?? undefined,
        submitCurrency: news.submitCurrency ?? undefined,
      });
      let outcome: PtsCallbackOutcome;
      let reason: string | undefined;
      if (mismatch) {
        await this.transitions.apply(manager, order.id, {
          to: order.status,
          cause: 'callback',
          callbackId,
          flags: ['amount_mismatch'],
        });
        outcome = 'mismatch';
        reason = mismatch;
      } else {
        const to = PTS_STATUS_BY_TRANSACTION_STATUS[ptsStatus];
        const result = await this.transitions.apply(manager, order.id, {
          to,
          cause: 'callback',
          callbackId,
          detail: `callback ${ptsStatus}`,
          patch: {
            ...patchFromResult(news),
            ...keptFieldsPatch(message),
            ptsStatus,
            errorMessage: storableFreeText(looseText(message.error_message)),
          },
        });
        switch (result.decision) {
          case 'apply':
            outcome = 'applied';
            reason = `${result.from} -> ${to}`;
            break;
          case 'duplicate':
            outcome = 'duplicate';
            reason = `order already ${to}`;
            break;
          case 'stale':
            outcome = 'ignored';
            reason = `stale: order is ${result.from}, callback says ${to}`;
            break;
          case 'final-conflict':
            outcome = 'ignored';
            reason = `conflict: order is final (${result.from}), callback says ${to}; flagged, not applied`;
            break;
        }
      }
      await manager.query(
        `UPDATE pts_callbacks SET outcome = $2, reason = $3, http_status = 200 WHERE id = $1`,
        [callbackId, outcome, reason ?? null],
      );
      return { callbackId, outcome, httpStatus: 200, reason };
    });
    if (verdict.outcome === 'applied') this.dispatcher.nudge();
    this.logger.log(
      `${callback.kind} ${account.name}/${orderId} ${ptsStatus}: ${verdict.outcome}${verdict.reason ? ` (${verdict.reason})` : ''}`,
    );
    return {
      ...verdict,
      contentType: 'text/plain',
      body: verdict.httpStatus === 200 ? 'SUCCESS' : 'FAILED',
    };
  }

  /** B4.11: the subscribe callback, applied by PtsSubscriptionCallbacks; answered like the rest. */
  private async subscription(
    callback: PtsInboundCallback,
    account: PtsAccount,
    message: PtsJsonObject,
    verification: PtsVerification,
  ): Promise<PtsCallbackVerdict> {
    const verdict = await this.subscriptions.apply(
      account,
      message,
      verification,
      (manager, record) => this.store(manager, callback, record),
    );
    if (verdict.moved) this.dispatcher.nudge();
    return {
      callbackId: verdict.callbackId,
      outcome: verdict.outcome,
      reason: verdict.reason,
      httpStatus: verdict.httpStatus,
      contentType: 'text/plain',
      body: verdict.httpStatus === 200 ? 'SUCCESS' : 'FAILED',
    };
  }

  /** A6: withdraw confirmation, answered with a signed `confirm`. */
  private async confirm(
    callback: PtsInboundCallback,
    account: PtsAccount,
    message: PtsJsonObject,
    verification: PtsVerification,
  ): Promise<PtsCallbackVerdict> {
    const orderId = message.order_id as string;
    const amount = decimalText(message.amount)!;
    const result = await this.dataSource.transaction(async (manager) => {
      const order = await this.transitions.lockByOrderId(
        manager,
        account.name,
        orderId,
        'withdraw',
      );
      let outcome: PtsCallbackOutcome;
      let reason: string;
      if (!order) {
        outcome = 'rejected';
        reason = `no withdraw order ${orderId} for account ${account.name}`;
      } else if (isFinalStatus(order.status)) {
        outcome = 'ignored';
        reason = `order is final (${order.status})`;
      } else if (!sameAmount(amount, order.amount)) {
        outcome = 'mismatch';
        reason = `amount ${amount} differs from the order's ${order.amount}`;
      } else {
        outcome = 'applied';
        reason = 'confirmed';
      }
      const callbackId = await this.store(manager, callback, {
        account: account.name,
        orderId,
        orderRef: order?.id,
        verification,
        outcome,
        httpStatus: 200,
        reason,
      });
      if (outcome === 'mismatch' && order) {
        await this.transitions.apply(manager, order.id, {
          to: order.status,
          cause: 'callback',
          callbackId,
          flags: ['amount_mismatch'],
        });
      }
      return { callbackId, outcome, reason };
    });
    const confirm = result.outcome === 'applied' ? 'SUCCESS' : 'FAILED';
    const spec = ptsMessageSpec(account.apiVersion, 'withdrawConfirmResponse');
    const reply = account.signer.signMessage(spec, {
      user_id: account.userId,
      order_id: orderId,
      confirm,
    });
    this.logger.log(`withdrawConfirm ${account.name}/${orderId}: ${confirm} (${result.reason})`);
    return {
      callbackId: result.callbackId,
      outcome: result.outcome,
      reason: result.reason,
      httpStatus: 200,
      contentType: 'application/json',
      body: JSON.stringify(reply),
    };
  }

  /** Stores a callback refused before it was read (e.g. sender not allowed) and answers FAILED. */
  async refuse(
    callback: PtsInboundCallback,
    httpStatus: number,
    reason: string,
  ): Promise<PtsCallbackVerdict> {
    const verdict = await this.reject(callback, new Rejection(httpStatus, reason));
    this.metrics.callbacks.inc({ kind: callback.kind, outcome: verdict.outcome });
    return verdict;
  }

  /** Processes a stored callback again (admin replay); the new verdict is stored as a new row. */
  async replay(callbackId: string): Promise<PtsCallbackVerdict> {
    if (!isBigintId(callbackId)) throw PtsCallbackNotFoundError.forCallback(callbackId);
    const rows: {
      kind: PtsCallbackKind;
      raw_body: string;
      body_bytes: number;
      body_truncated: boolean;
      remote_address: string | null;
      headers: Record<string, string>;
    }[] = await this.dataSource.query(
      `SELECT kind, raw_body, body_bytes, body_truncated, remote_address, headers FROM pts_callbacks WHERE id = $1`,
      [callbackId],
    );
    if (rows.length === 0) throw PtsCallbackNotFoundError.forCallback(callbackId);
    const row = rows[0];
    // docs/hardening.md, replay: only what could have been accepted when it arrived.
    if (row.body_truncated) {
      throw new PtsInvalidRequestError({
        code: 'replay_refused',
        message: `callback ${callbackId} was stored without its whole body (only a prefix of an unverified or oversized body is kept); it cannot be replayed`,
        field: 'id',
      });
    }
    if (!this.allowList.allows(row.remote_address ?? undefined)) {
      throw new PtsInvalidRequestError({
        code: 'replay_refused',
        message: `callback ${callbackId} came from ${row.remote_address ?? 'an unknown address'}, which callbackAllowedIps does not allow; it cannot be replayed`,
        field: 'id',
      });
    }
    const bytes = Buffer.from(row.raw_body, 'utf8');
    return this.receive({
      kind: row.kind,
      body: { bytes, totalBytes: row.body_bytes, truncated: row.body_truncated },
      remoteAddress: row.remote_address ?? undefined,
      headers: row.headers,
      replayOf: callbackId,
    });
  }

  /** Stores a callback that will never be accepted and answers `FAILED` with its 4xx (A6). */
  private async reject(
    callback: PtsInboundCallback,
    rejection: Rejection,
  ): Promise<PtsCallbackVerdict> {
    let callbackId: string | undefined;
    try {
      callbackId = await this.dataSource.transaction((manager) =>
        this.store(manager, callback, {
          account: rejection.context.account,
          orderId: rejection.context.orderId,
          ptsStatus: rejection.context.ptsStatus,
          verification: rejection.context.verified,
          outcome: 'rejected',
          httpStatus: rejection.httpStatus,
          reason: rejection.reason,
        }),
      );
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

  private async store(
    manager: EntityManager,
    callback: PtsInboundCallback,
    record: {
      account?: string;
      orderId?: string;
      orderRef?: string;
      ptsStatus?: string;
      verification?: PtsVerification;
      outcome: PtsCallbackOutcome;
      httpStatus: number;
      reason?: string;
    },
  ): Promise<string> {
    const { body } = callback;
    // A body whose signature did not verify is anyone's: only a prefix of it is kept.
    const kept =
      record.verification === undefined
        ? body.bytes.subarray(0, PTS_UNVERIFIED_BODY_PREFIX_BYTES)
        : body.bytes;
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO pts_callbacks (kind, remote_address, headers, raw_body, body_bytes, body_truncated,
              body_sha256, account, order_id, order_ref, pts_status, signature_valid,
              number_rendering, outcome, reason, http_status, replay_of)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       RETURNING id`,
      [
        callback.kind,
        callback.remoteAddress?.slice(0, 64) ?? null,
        JSON.stringify(callback.headers),
        storableText(kept),
        body.totalBytes,
        body.truncated || kept.length < body.bytes.length,
        body.sha256 ??
          (body.truncated ? null : createHash('sha256').update(body.bytes).digest('hex')),
        record.account ?? null,
        storableFreeText(record.orderId, 64)?.slice(0, 64) ?? null,
        record.orderRef ?? null,
        record.ptsStatus?.slice(0, 4) ?? null,
        record.verification !== undefined,
        record.verification?.rendering ?? null,
        record.outcome,
        storableFreeText(record.reason, 500) ?? null,
        record.httpStatus,
        callback.replayOf ?? null,
      ],
    );
    return rows[0].id;
  }
}

function isBigintId(id: string): boolean {
  return /^[1-9]\d{0,18}$/.test(id) && BigInt(id) <= 9223372036854775807n;
}

/** PostgreSQL text cannot hold NUL or invalid UTF-8; such bytes are replaced, visibly. */
function storableText(bytes: Buffer): string {
  return bytes.toString('utf8').replaceAll('\u0000', '\uFFFD');
}
