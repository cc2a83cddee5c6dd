import type { PtsSubscriptionPaymentEntity, PtsSubscriptionRecord } from 'pts-nest';
import { orderView } from './admin-views.js';

/** A subscription as the admin API shows it: the card as its last four digits only. */
export function subscriptionView(record: PtsSubscriptionRecord) {
  const { order, subscription, payments } = record;
  const base = orderView(order);
  return {
    ...base,
    card: { last4: subscription.cardLast4 },
    firstName: subscription.firstName,
    middleName: subscription.middleName,
    lastName: subscription.lastName,
    periodCount: subscription.periodCount,
    periodUnit: subscription.periodUnit,
    enabled: subscription.enabled,
    subscribeAt: subscription.subscribeAt?.toISOString() ?? null,
    lastPaymentAt: subscription.lastPaymentAt?.toISOString() ?? null,
    nextPaymentAt: subscription.nextPaymentAt?.toISOString() ?? null,
    disabledAt: subscription.disabledAt?.toISOString() ?? null,
    paymentsMade: subscription.paymentsMade,
    payments: payments.map(paymentView),
  };
}

export function paymentView(payment: PtsSubscriptionPaymentEntity) {
  return {
    paymentTransactionId: payment.paymentTransactionId,
    status: payment.status,
    ptsStatus: payment.ptsStatus,
    submitAmount: payment.submitAmount,
    submitCurrency: payment.submitCurrency,
    acceptAmount: payment.acceptAmount,
    acceptCurrency: payment.acceptCurrency,
    exchangeRate: payment.exchangeRate,
    paidAt: payment.paidAt?.toISOString() ?? null,
    callbackId: payment.callbackId,
    createdAt: payment.createdAt.toISOString(),
    updatedAt: payment.updatedAt.toISOString(),
  };
}
