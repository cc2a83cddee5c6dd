import { ptsMessageSpec, type PtsEndpointName } from '../pts/protocol/pts-fields.js';
import { LosslessNumber, type PtsJsonObject } from '../pts/protocol/pts-json.js';
import { PtsSandboxRefusal } from './error.js';
import type { PtsSandboxFault, PtsSandboxFaults } from './faults.js';
import type { PtsSandboxRoute } from './gateway.js';
import type { PtsSandboxLifecycle } from './lifecycle.js';
import { PtsSandboxOrderEndpoints } from './order-endpoints.js';
import type { PtsSandboxPage } from './pages.js';
import type { PtsSandboxAccount, PtsSandboxSettings } from './options.js';
import { idText } from './request-fields.js';
import { renderAmount, signAnswer, signGatewayMessage, takeSigningEffects } from './signing.js';
import type { PtsSandboxStore } from './store.js';
import type { PtsSandboxSubscriptions } from './subscriptions.js';

/** A PTS envelope: `{code, message, data}`. */
export interface PtsSandboxAnswer {
  code: string;
  message: string;
  data?: PtsJsonObject;
}

/** What a request produced and how it travels back. */
export interface PtsSandboxServed {
  answer?: PtsSandboxAnswer;
  /** Sent instead of the envelope of `answer` (which says what the request produced). */
  page?: PtsSandboxPage;
  /** A request-stage fault that changes how (or whether) the answer travels. */
  transport?: Extract<PtsSandboxFault, { kind: 'delay' | 'drop' | 'http-status' }>;
  /** Runs once the answer is on its way (e.g. the withdrawal starts moving). */
  after?: () => void;
  faults: string[];
}

export interface PtsSandboxEndpointsDeps {
  settings: PtsSandboxSettings;
  store: PtsSandboxStore;
  faults: PtsSandboxFaults;
  lifecycle: PtsSandboxLifecycle;
  /** Base URL for `pay_url`: `publicUrl` or the listening URL. */
  publicBase: () => string;
  /** Exchange rate and the subscribe family (B4.9, B4.11). */
  subscriptions?: PtsSandboxSubscriptions;
}

/**
 * What the gateway does with a request that passed intake: creates and reports orders,
 * balances, channels, v1 tokens, and hands rates and subscriptions to their book. Answers
 * carry `data` signed by the gateway key (docs/protocol.md, Part B 4).
 */
export class PtsSandboxEndpoints {
  private readonly orders: PtsSandboxOrderEndpoints;

  constructor(private readonly deps: PtsSandboxEndpointsDeps) {
    this.orders = new PtsSandboxOrderEndpoints(deps);
  }

  serve(
    account: PtsSandboxAccount,
    route: PtsSandboxRoute,
    message: PtsJsonObject,
  ): PtsSandboxServed {
    switch (route.endpoint) {
      case 'payment':
      case 'withdraw':
        return this.orders.create(account, route, message, route.endpoint);
      case 'paymentQuery':
        return this.orders.query(account, route, message, 'payment');
      case 'withdrawQuery':
        return this.orders.query(account, route, message, 'withdraw');
      case 'balance':
        return this.balance(account, route, message);
      case 'supportChannel':
        return this.supportChannel(account, route, message);
      case 'randomCode':
      case 'token':
        return this.tokenCall(account, route.endpoint, message);
      case 'exchangeRate':
      case 'subscribe':
      case 'subscribeDisable': {
        const subscriptions = this.deps.subscriptions;
        if (!subscriptions)
          throw PtsSandboxRefusal.fromCode('1011', `${route.endpoint} is not served here`);
        const served = subscriptions.serve(account, route.endpoint, message);
        const signed = signAnswer(
          this.deps.faults,
          { endpoint: route.endpoint, userId: account.userId, orderId: served.orderId },
          account,
          ptsMessageSpec(route.version, served.response),
          served.fields,
        );
        return {
          answer: { code: '1000', message: served.message, data: signed.data },
          faults: signed.effects.applied,
          after: served.after,
        };
      }
      default: {
        const endpoint: string = route.endpoint;
        throw PtsSandboxRefusal.fromCode('1011', `${endpoint} is not served here`);
      }
    }
  }

  private balance(
    account: PtsSandboxAccount,
    route: PtsSandboxRoute,
    message: PtsJsonObject,
  ): PtsSandboxServed {
    // v2 balance_mode: 0 total, 1 available, 2 both; v1 type: 0 current, 1 withdrawable (B 4.7).
    const modeField = route.version === 'v2' ? 'balance_mode' : 'type';
    const modeText = idText(message[modeField]) ?? '0';
    const allowed = route.version === 'v2' ? ['0', '1', '2'] : ['0', '1'];
    if (!allowed.includes(modeText)) {
      throw PtsSandboxRefusal.fromCode(
        '1001',
        `\`${modeField}\` must be one of ${allowed.join(', ')}`,
      );
    }
    const site = { endpoint: route.endpoint, userId: account.userId };
    const effects = takeSigningEffects(this.deps.faults, site);
    const fields: Record<string, unknown> = { user_id: account.userId };
    for (const [currency, channels] of Object.entries(
      this.deps.store.balanceSheet(account.userId),
    )) {
      const rendered: Record<string, unknown> = {};
      for (const [channel, balance] of Object.entries(channels)) {
        rendered[channel] =
          modeText === '2'
            ? {
                total: renderAmount(balance.total, effects.format),
                available: renderAmount(balance.available, effects.format),
              }
            : renderAmount(modeText === '1' ? balance.available : balance.total, effects.format);
      }
      fields[currency] = rendered;
    }
    const spec = ptsMessageSpec(route.version, 'balanceResponse');
    return {
      answer: {
        code: '1000',
        message: 'Accepted',
        data: signGatewayMessage(account, spec, fields, effects),
      },
      faults: effects.applied,
    };
  }

  private supportChannel(
    account: PtsSandboxAccount,
    route: PtsSandboxRoute,
    message: PtsJsonObject,
  ): PtsSandboxServed {
    const currency = message.currency as string;
    if (!account.currencies.includes(currency)) {
      throw PtsSandboxRefusal.fromCode(
        '1008',
        `currency ${currency} is not supported (supported: ${account.currencies.join(', ')})`,
      );
    }
    // B 8.10: the table's key names, not the example's (`transaction_subject`).
    const items = account.channels
      .filter((c) => c.currency === currency)
      .map((c) => ({
        transaction_channel: c.transactionChannel,
        transaction_channel_subject: c.subject ?? null,
        transaction_channel_subject_name: c.subjectName ?? null,
        transaction_type: c.transactionType,
        currency: c.currency,
      }));
    const signed = signAnswer(
      this.deps.faults,
      { endpoint: route.endpoint, userId: account.userId },
      account,
      ptsMessageSpec(route.version, 'supportChannelResponse'),
      { user_id: account.userId, items },
    );
    return {
      answer: { code: '1000', message: 'Accepted', data: signed.data },
      faults: signed.effects.applied,
    };
  }

  /** v1 `/merchant/random_code` and `/merchant/token` (B 3): plain JSON answers, unsigned. */
  private tokenCall(
    account: PtsSandboxAccount,
    endpoint: Extract<PtsEndpointName, 'randomCode' | 'token'>,
    message: PtsJsonObject,
  ): PtsSandboxServed {
    const { store, settings } = this.deps;
    let data: PtsJsonObject;
    if (endpoint === 'randomCode') {
      const code = store.issueRandomCode(account.userId);
      data = { code: code.code, expires_in: num(code.expiresIn), expires_at: num(code.expiresAt) };
    } else {
      if (typeof message.hash !== 'string') {
        throw PtsSandboxRefusal.fromCode('1001', 'tokenRequest: field `hash` must be a string');
      }
      if (!store.redeemRandomCode(account.userId, account.merchant.safecode, message.hash)) {
        throw PtsSandboxRefusal.fromCode(
          '1012',
          '`hash` matches no live random code: sha256_hex(random_code + user_id + safecode) expected',
        );
      }
      const token = store.issueToken(account.userId, settings.tokenTtlSeconds);
      data = {
        token_type: 'Bearer',
        access_token: token.accessToken,
        expires_in: num(settings.tokenTtlSeconds),
        expires_at: num(token.expiresAt),
      };
    }
    return { answer: { code: '1000', message: 'Accepted', data }, faults: [] };
  }
}

function num(value: number): LosslessNumber {
  return new LosslessNumber(String(value));
}
