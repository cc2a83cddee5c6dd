import type { PtsCallbackEntity } from '../../pts/callbacks/pts-callback.entity.js';
import type { PtsOrderHistoryEntity } from '../../pts/orders/pts-order-history.entity.js';
import type { PtsOrderEntity } from '../../pts/orders/pts-order.entity.js';

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
  };
}

export function callbackView(callback: PtsCallbackEntity) {
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
    rawBody: callback.rawBody,
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
