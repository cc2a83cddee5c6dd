import {
  type PtsCallbackEntity,
  type PtsOrderEntity,
  ptsOrderFlagNote,
  type PtsOrderHistoryEntity,
} from 'pts-nest';
import type { AdminRole } from './admin-auth.guard.js';

/** An order as the admin API shows it; amounts are the stored decimal text (A7). */
export function orderView(order: PtsOrderEntity) {
  return {
    orderId: order.orderId,
    account: order.account,
    kind: order.kind,
    status: order.status,
    ptsStatus: order.ptsStatus,
    transactionId: order.transactionId,
    amount: order.amount,
    currency: order.currency,
    channel: order.channel,
    submitAmount: order.submitAmount,
    submitCurrency: order.submitCurrency,
    acceptAmount: order.acceptAmount,
    acceptCurrency: order.acceptCurrency,
    exchangeRate: order.exchangeRate,
    payUrl: order.payUrl,
    qrCode: order.qrCode,
    redirectHtml: order.redirectHtml,
    callbackUrl: order.callbackUrl,
    redirectUrl: order.redirectUrl,
    errorUrl: order.errorUrl,
    remark: order.remark,
    details: order.details,
    flags: order.flags,
    /** What each flag asks of an operator, in words. */
    attention: order.flags.map((flag) => ({ flag, note: ptsOrderFlagNote(flag) ?? flag })),
    errorCode: order.errorCode,
    errorMessage: order.errorMessage,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
    lastQueriedAt: order.lastQueriedAt?.toISOString() ?? null,
    referenceNumber: order.referenceNumber,
    detailsUrl: order.detailsUrl,
    submitPromo: order.submitPromo,
    acceptPromo: order.acceptPromo,
    ptsHash: order.ptsHash,
    nextReconcileAt: order.nextReconcileAt?.toISOString() ?? null,
    reconcileAttempts: order.reconcileAttempts,
  };
}

/**
 * A stored callback. Viewer keys see the raw body with the value of `sign` cut to its first 8
 * characters (docs/hardening.md, viewer rule): enough to tell two signatures apart, not a
 * signature to re-send. Admin keys, who may replay, see it whole.
 */
export function callbackView(callback: PtsCallbackEntity, role: AdminRole = 'viewer') {
  return {
    id: callback.id,
    kind: callback.kind,
    receivedAt: callback.receivedAt.toISOString(),
    account: callback.account,
    orderId: callback.orderId,
    ptsStatus: callback.ptsStatus,
    outcome: callback.outcome,
    reason: callback.reason,
    httpStatus: callback.httpStatus,
    signatureValid: callback.signatureValid,
    numberRendering: callback.numberRendering,
    remoteAddress: callback.remoteAddress,
    headers: callback.headers,
    bodyBytes: callback.bodyBytes,
    bodyTruncated: callback.bodyTruncated,
    bodySha256: callback.bodySha256,
    rawBody: role === 'admin' ? callback.rawBody : redactSign(callback.rawBody),
    replayOf: callback.replayOf,
  };
}

export function historyView(entry: PtsOrderHistoryEntity) {
  return {
    from: entry.fromStatus,
    to: entry.toStatus,
    cause: entry.cause,
    at: entry.at.toISOString(),
    detail: entry.detail,
    callbackId: entry.callbackId,
  };
}

/** `"sign":"<344 characters>"` -> `"sign":"AbCdEfGh…"`, wherever it appears in the text. */
export function redactSign(rawBody: string): string {
  return rawBody.replace(
    /("sign"\s*:\s*")((?:[^"\\]|\\.)*)"/g,
    (_all, head: string, value: string) =>
      `${head}${value.length > 8 ? `${value.slice(0, 8)}…` : value}"`,
  );
}
