import { randomInt } from 'node:crypto';
import { ptsMessageSpec } from '../pts/protocol/pts-fields.js';
import type { PtsJsonObject } from '../pts/protocol/pts-json.js';
import { transactionStatusFields } from './callback-fields.js';
import type { PtsSandboxEndpointsDeps, PtsSandboxServed } from './endpoints.js';
import { PtsSandboxRefusal } from './error.js';
import type { PtsSandboxRoute } from './gateway.js';
import { paymentPage } from './pages.js';
import type { PtsSandboxAccount } from './options.js';
import { ptsSandboxQrPayload } from './qr.js';
import { idText } from './request-fields.js';
import { signAnswer } from './signing.js';
import type { PtsSandboxOrder, PtsSandboxOrderKind } from './order.js';

/** Payment and withdraw requests and their queries (B 4.1 - 4.6): orders in, status out. */
export class PtsSandboxOrderEndpoints {
  constructor(
    private readonly deps: Pick<
      PtsSandboxEndpointsDeps,
      'store' | 'faults' | 'lifecycle' | 'publicBase'
    >,
  ) {}

  create(
    account: PtsSandboxAccount,
    route: PtsSandboxRoute,
    message: PtsJsonObject,
    kind: PtsSandboxOrderKind,
  ): PtsSandboxServed {
    const { store, publicBase, lifecycle } = this.deps;
    const currency = message.currency as string;
    if (route.version === 'v2' && !account.currencies.includes(currency)) {
      throw PtsSandboxRefusal.fromCode(
        '1008',
        `currency ${currency} is not supported (supported: ${account.currencies.join(', ')})`,
      );
    }
    const orderId = message.order_id as string;
    const amount = message.amount as string;
    const transactionId = this.newTransactionId(kind === 'payment' ? 'P' : 'W', account.userId);
    const now = new Date();
    const order: PtsSandboxOrder = {
      kind,
      version: route.version,
      userId: account.userId,
      orderId,
      transactionId,
      channel: message.channel as string,
      currency,
      amount,
      acceptCurrency: currency,
      acceptAmount: amount,
      exchangeRate: '1',
      status: '0000',
      requestTimestamp: Number(idText(message.timestamp)),
      statusTimestamp: Math.floor(now.getTime() / 1000),
      createdAt: now.toISOString(),
      callbackUrl: optionalString(message.callback_url),
      redirectUrl: optionalString(message.redirect_url),
      errorUrl: optionalString(message.error_url),
      history: [{ status: '0000', at: now.toISOString(), cause: `${kind} request` }],
    };
    if (kind === 'payment') {
      order.payUrl = `${publicBase()}/sandbox/checkout/${transactionId}`;
      order.qrCode = ptsSandboxQrPayload({ transactionId, orderId, amount, currency });
    }
    if (!store.add(order)) {
      throw PtsSandboxRefusal.fromCode(
        '1003',
        `order_id ${orderId} already exists for this merchant`,
      );
    }
    const fields: Record<string, unknown> = {
      user_id: account.userId,
      order_id: orderId,
      transaction_id: transactionId,
      channel: order.channel,
      submit_currency: order.currency,
      submit_amount: order.amount,
      accept_currency: order.acceptCurrency,
      accept_amount: order.acceptAmount,
      exchange_rate: order.exchangeRate,
    };
    const style =
      kind === 'payment'
        ? this.deps.faults.take({ endpoint: 'payment', userId: account.userId, orderId }, [
            'payment-answer',
          ])
        : undefined;
    if (kind === 'payment') {
      fields.pay_url = style?.style === 'qr-only' ? null : order.payUrl;
      fields.qr_code = order.qrCode;
    }
    const responseName = kind === 'payment' ? 'paymentResponse' : 'withdrawResponse';
    const signed = this.sign(account, route, responseName, fields, orderId);
    return {
      answer: { code: '1000', message: 'Accepted', data: signed.data },
      page: style && style.style !== 'qr-only' ? paymentPage(style, order.payUrl!) : undefined,
      faults: style ? [...signed.effects.applied, 'payment-answer'] : signed.effects.applied,
      after: kind === 'withdraw' ? () => lifecycle.startWithdrawal(account, order) : undefined,
    };
  }

  query(
    account: PtsSandboxAccount,
    route: PtsSandboxRoute,
    message: PtsJsonObject,
    kind: PtsSandboxOrderKind,
  ): PtsSandboxServed {
    const orderId = message.order_id as string;
    const order = this.deps.store.get(account.userId, orderId);
    if (!order || order.kind !== kind) {
      throw PtsSandboxRefusal.fromCode('1002', `no ${kind} order ${orderId} for this merchant`);
    }
    const fields = transactionStatusFields(order);
    if (order.errorMessage) fields.error_message = order.errorMessage;
    if (route.version === 'v2' && order.referenceNumber) {
      fields.reference_number = order.referenceNumber;
    }
    if (route.version === 'v1' && message.return_hash === true) {
      fields.hash = order.transactionId.toLowerCase().padEnd(64, '0');
    }
    const responseName = kind === 'payment' ? 'paymentQueryResponse' : 'withdrawQueryResponse';
    const signed = this.sign(account, route, responseName, fields, orderId);
    return {
      answer: { code: '1000', message: 'Order Success', data: signed.data },
      faults: signed.effects.applied,
    };
  }

  /** `P`/`W` + user id + yyyyMMddHHmmss + 5 digits, as in the docs' examples (B 4.1, 4.4). */
  private newTransactionId(prefix: 'P' | 'W', userId: string): string {
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const user = userId.replace(/[^A-Za-z0-9]/g, '');
    for (;;) {
      const id = `${prefix}${user}${stamp}${String(randomInt(0, 100_000)).padStart(5, '0')}`;
      if (!this.deps.store.hasTransactionId(id)) return id;
    }
  }

  private sign(
    account: PtsSandboxAccount,
    route: PtsSandboxRoute,
    responseName: Parameters<typeof ptsMessageSpec>[1],
    fields: Record<string, unknown>,
    orderId: string,
  ): ReturnType<typeof signAnswer> {
    const site = { endpoint: route.endpoint, userId: account.userId, orderId };
    const spec = ptsMessageSpec(route.version, responseName);
    return signAnswer(this.deps.faults, site, account, spec, fields);
  }
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
