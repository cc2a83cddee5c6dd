import { randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PTS_ENVELOPE_CODES, ptsCodeMeaning } from '../pts/protocol/pts-codes.js';
import { openPtsRequest, ptsResponseBody } from '../pts/protocol/pts-envelope.js';
import {
  PTS_ENDPOINTS,
  ptsEndpointSpec,
  ptsMessageSpec,
  type PtsApiVersion,
  type PtsEndpointName,
  type PtsMessageSpec,
} from '../pts/protocol/pts-fields.js';
import {
  isLosslessNumber,
  isPtsJsonObject,
  LosslessNumber,
  parsePtsJsonObject,
  type PtsJsonObject,
} from '../pts/protocol/pts-json.js';
import { validatePtsMessage } from '../pts/protocol/pts-message.js';
import { verifyPtsTransactionSignature } from '../pts/protocol/pts-transaction-signature.js';
import {
  PtsDecryptionError,
  PtsMalformedMessageError,
  PtsSignatureError,
} from '../pts/errors/pts-error.js';
import { PtsSandboxRefusal } from './error.js';
import type { PtsSandboxFault, PtsSandboxFaults } from './faults.js';
import {
  mediaType,
  PTS_SANDBOX_BODY_LIMIT_BYTES,
  PtsSandboxBodyTooLarge,
  readRequestBody,
  send,
} from './http.js';
import { transactionStatusFields } from './deliveries.js';
import type { PtsSandboxLifecycle } from './lifecycle.js';
import {
  isHttpUrl,
  type PtsSandboxAccount,
  type PtsSandboxSettings,
} from './pts-sandbox-options.js';
import { paymentPage, type PtsSandboxPage } from './pages.js';
import { ptsSandboxQrPayload } from './qr.js';
import {
  renderAmount,
  signGatewayMessage,
  takeSigningEffects,
  type PtsSandboxSigningEffects,
} from './signing.js';
import type { PtsSandboxOrder, PtsSandboxOrderKind, PtsSandboxStore } from './store.js';
import type { PtsSandboxSubscriptions } from './subscriptions.js';
import type { PtsSandboxTimers } from './timers.js';

/** One merchant -> gateway request and how the sandbox answered it. */
export interface PtsSandboxRequestRecord {
  at: string;
  method: string;
  path: string;
  /** `payment`, `paymentQuery`, `withdraw`, `withdrawQuery`, `balance`, `supportChannel`,
   *  `randomCode`, `token`; `unknown` for a path that is no PTS endpoint. */
  endpoint: string;
  version?: PtsApiVersion;
  userId?: string;
  orderId?: string;
  /** The envelope code answered, or `dropped` / `delayed` / `http-status` / `page` (a
   *  `payment-answer` page, script or redirect) when a fault acted. */
  code: string;
  /** For `dropped`, `delayed`, `page` and a `served` `http-status`: the envelope code the
   *  request produced. */
  envelopeCode?: string;
  /** HTTP status sent (absent when the connection was dropped). */
  httpStatus?: number;
  /** Why a request was refused (never contains a secret). */
  detail?: string;
  /** Fault kinds that acted on this request or its answer. */
  faults?: string[];
}

export interface PtsSandboxRoute {
  version: PtsApiVersion;
  endpoint: PtsEndpointName;
  guid?: string;
}

interface Answer {
  code: string;
  message: string;
  data?: PtsJsonObject;
}

interface Outcome {
  answer?: Answer;
  /** Sent instead of the envelope of `answer` (which says what the request produced). */
  page?: PtsSandboxPage;
  /** A request-stage fault that changes how (or whether) the answer travels. */
  transport?: Extract<PtsSandboxFault, { kind: 'delay' | 'drop' | 'http-status' }>;
  /** Runs once the answer is on its way (e.g. the withdrawal starts moving). */
  after?: () => void;
  faults: string[];
}

const AMOUNT_RE = /^(0|[1-9]\d*)(\.\d{1,6})?$/;
const TIMESTAMP_RE = /^\d{10}$/;
const ORDER_ID_MAX = 64;
const PHONE_RE = /^(09\d{9}|9\d{9})$/;
const ACCOUNT_NUMBER_RE = /^\d{10,20}$/;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface PtsSandboxGatewayDeps {
  settings: PtsSandboxSettings;
  store: PtsSandboxStore;
  faults: PtsSandboxFaults;
  timers: PtsSandboxTimers;
  lifecycle: PtsSandboxLifecycle;
  record: (record: PtsSandboxRequestRecord) => void;
  /** Base URL for `pay_url`: `publicUrl` or the listening URL. */
  publicBase: () => string;
  /** Exchange rate and the subscribe family (B4.9, B4.11). */
  subscriptions?: PtsSandboxSubscriptions;
}

/**
 * The gateway's side of docs/protocol.md: checks every merchant request as strictly as Part B
 * allows, answers `{code, message, data}` with `data` signed by the gateway key, and creates
 * and reports orders. The code of each refusal is listed in src/sandbox/README.md.
 */
export class PtsSandboxGateway {
  private readonly byGuid = new Map<string, PtsSandboxAccount>();
  private readonly byUserId = new Map<string, PtsSandboxAccount>();
  private readonly routes: { pattern: RegExp; version: PtsApiVersion; endpoint: PtsEndpointName }[];

  constructor(private readonly deps: PtsSandboxGatewayDeps) {
    for (const account of deps.settings.accounts) {
      this.byGuid.set(account.guid, account);
      this.byUserId.set(account.userId, account);
    }
    this.routes = (['v2', 'v1'] as const).flatMap((version) =>
      Object.values(PTS_ENDPOINTS[version]).map((spec) => ({
        version,
        endpoint: spec.endpoint,
        pattern: new RegExp(
          `^${spec.pathTemplate.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace('{guid}', '([^/]+)')}$`,
        ),
      })),
    );
  }

  account(userId: string): PtsSandboxAccount | undefined {
    return this.byUserId.get(userId);
  }

  /** The PTS endpoint a path names, if any. */
  route(path: string): PtsSandboxRoute | undefined {
    for (const r of this.routes) {
      const match = r.pattern.exec(path);
      if (match) {
        return {
          version: r.version,
          endpoint: r.endpoint,
          guid: match[1] === undefined ? undefined : safeDecode(match[1]),
        };
      }
    }
    return undefined;
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    route: PtsSandboxRoute,
    path: string,
  ): Promise<void> {
    const record: PtsSandboxRequestRecord = {
      at: new Date().toISOString(),
      method: req.method ?? '',
      path,
      endpoint: route.endpoint,
      version: route.version,
      code: '',
    };
    let outcome: Outcome;
    try {
      outcome = await this.process(req, route, record);
    } catch (error) {
      if (!(error instanceof PtsSandboxRefusal)) throw error;
      record.detail = error.detail;
      outcome = { answer: refusalAnswer(error), faults: [] };
    }
    await this.respond(req, res, outcome, record);
  }

  /** Answers a path under /merchant that is no PTS endpoint. */
  notFound(req: IncomingMessage, res: ServerResponse, path: string): void {
    const detail = `no PTS endpoint at ${req.method ?? ''} ${maskPath(path)}`;
    this.deps.record({
      at: new Date().toISOString(),
      method: req.method ?? '',
      path,
      endpoint: 'unknown',
      code: '1011',
      httpStatus: 404,
      detail,
    });
    send(
      res,
      404,
      'application/json',
      ptsResponseBody('1011', `${ptsCodeMeaning('1011')}: ${detail}`),
    );
  }

  private async respond(
    req: IncomingMessage,
    res: ServerResponse,
    outcome: Outcome,
    record: PtsSandboxRequestRecord,
  ): Promise<void> {
    const { timers } = this.deps;
    if (outcome.faults.length > 0) record.faults = outcome.faults;
    const transport = outcome.transport;
    if (transport?.kind === 'http-status') {
      record.code = 'http-status';
      record.httpStatus = transport.status;
      // `served`: the request took effect; a proxy in front answered instead of the gateway.
      if (outcome.answer) record.envelopeCode = outcome.answer.code;
      this.finish(record);
      send(
        res,
        transport.status,
        transport.contentType ?? 'text/html; charset=utf-8',
        transport.body ??
          `<html><head><title>${transport.status}</title></head><body><h1>${transport.status}</h1><hr>nginx (sandbox fault)</body></html>`,
      );
      this.after(res, outcome);
      return;
    }
    const answer = outcome.answer!;
    const page = outcome.page ?? {
      status: 200,
      contentType: 'application/json',
      body: ptsResponseBody(answer.code, answer.message, answer.data),
    };
    if (transport?.kind === 'drop') {
      record.code = 'dropped';
      record.envelopeCode = answer.code;
      this.finish(record);
      req.socket.destroy();
      outcome.after?.();
      return;
    }
    if (transport?.kind === 'delay') {
      record.code = 'delayed';
      record.envelopeCode = answer.code;
      record.httpStatus = 200;
      this.finish(record);
      const waited = await timers.sleep(transport.ms);
      if (!waited || req.socket.destroyed) {
        req.socket.destroy();
        outcome.after?.();
        return;
      }
    } else {
      record.code = outcome.page ? 'page' : answer.code;
      if (outcome.page) record.envelopeCode = answer.code;
      record.httpStatus = page.status;
      this.finish(record);
    }
    // docs/protocol.md B8.14: HTTP statuses are undocumented; every envelope travels as 200.
    send(res, page.status, page.contentType, page.body, page.headers);
    this.after(res, outcome);
  }

  private after(res: ServerResponse, outcome: Outcome): void {
    if (outcome.after) {
      if (res.writableFinished) outcome.after();
      else res.once('close', outcome.after);
    }
  }

  private finish(record: PtsSandboxRequestRecord): void {
    this.deps.record(record);
    this.deps.settings.log(
      `${record.method} ${maskPath(record.path)} ${record.version ?? ''} ${record.endpoint}` +
        `${record.userId ? ` user=${record.userId}` : ''}${record.orderId ? ` order=${record.orderId}` : ''}` +
        ` -> ${record.code}${record.envelopeCode ? `(${record.envelopeCode})` : ''}` +
        `${record.detail ? `: ${record.detail}` : ''}${record.faults ? ` [fault ${record.faults.join(',')}]` : ''}`,
    );
  }

  private async process(
    req: IncomingMessage,
    route: PtsSandboxRoute,
    record: PtsSandboxRequestRecord,
  ): Promise<Outcome> {
    if (req.method !== 'POST') {
      throw new PtsSandboxRefusal('1020', `${route.endpoint} accepts POST only, got ${req.method}`);
    }
    let raw: Buffer;
    try {
      raw = await readRequestBody(req, PTS_SANDBOX_BODY_LIMIT_BYTES);
    } catch (error) {
      if (error instanceof PtsSandboxBodyTooLarge)
        throw new PtsSandboxRefusal('1020', error.message);
      throw error;
    }
    const endpointSpec = ptsEndpointSpec(route.version, route.endpoint);
    const requestSpec = ptsMessageSpec(route.version, endpointSpec.request);
    if (!endpointSpec.encrypted) return this.processTokenCall(req, route, requestSpec, raw, record);

    let account: PtsSandboxAccount;
    if (route.version === 'v2') {
      const found = this.byGuid.get(route.guid ?? '');
      if (!found) throw new PtsSandboxRefusal('1009', 'no merchant has this GUID');
      account = found;
      record.userId = account.userId;
      requireMediaType(req, 'text/plain');
    } else {
      requireMediaType(req, 'text/plain');
      account = this.authorize(req);
      record.userId = account.userId;
    }

    const body = raw.toString('utf8');
    const hmacOver = account.transactionSignatureOver;
    if (route.version === 'v2' && hmacOver === 'body') this.checkHmac(req, account, body);
    let opened: { plaintext: string; message: PtsJsonObject };
    try {
      opened = openPtsRequest(body, account.cipher);
    } catch (error) {
      if (error instanceof PtsDecryptionError) {
        throw new PtsSandboxRefusal('1017', error.message);
      }
      if (error instanceof PtsMalformedMessageError) {
        throw new PtsSandboxRefusal('1001', error.message);
      }
      throw error;
    }
    if (route.version === 'v2' && hmacOver === 'plaintext') {
      this.checkHmac(req, account, opened.plaintext);
    }
    const message = opened.message;
    if (typeof message.order_id === 'string') record.orderId = message.order_id;

    checkFields(requestSpec, message);
    if (idText(message.user_id) !== account.userId) {
      throw new PtsSandboxRefusal(
        '1009',
        route.version === 'v2'
          ? '`user_id` does not belong to the merchant of this GUID'
          : '`user_id` does not belong to the merchant of this access token',
      );
    }
    try {
      account.signer.verify(requestSpec, message);
    } catch (error) {
      if (error instanceof PtsSignatureError) {
        throw new PtsSandboxRefusal(
          '1010',
          '`sign` does not verify with the merchant public key over the signed fields',
        );
      }
      throw error;
    }
    if (route.version === 'v2') this.checkTimestamp(message.timestamp);

    const site = { endpoint: route.endpoint, userId: account.userId, orderId: record.orderId };
    const early = this.requestFault(site);
    if (early.answer || (early.transport?.kind === 'http-status' && !early.transport.served)) {
      return early;
    }
    const outcome = this.serve(account, route, message);
    return { ...outcome, transport: early.transport, faults: [...early.faults, ...outcome.faults] };
  }

  /** The request-stage faults; `error` and `http-status` replace the endpoint entirely. */
  private requestFault(site: { endpoint: string; userId?: string; orderId?: string }): Outcome {
    const fault = this.deps.faults.take(site, ['error', 'http-status', 'drop', 'delay']);
    if (!fault) return { faults: [] };
    if (fault.kind === 'error') {
      return {
        answer: { code: fault.code, message: fault.message ?? ptsCodeMeaning(fault.code) },
        faults: ['error'],
      };
    }
    return { transport: fault, faults: [fault.kind] };
  }

  private checkHmac(req: IncomingMessage, account: PtsSandboxAccount, message: string): void {
    const header = req.headers['x-transaction-signature'];
    const value = Array.isArray(header) ? header[0] : header;
    if (!value) {
      throw new PtsSandboxRefusal('1009', 'the X-Transaction-Signature header is missing');
    }
    if (!verifyPtsTransactionSignature(account.merchant.transactionSecret, message, value)) {
      throw new PtsSandboxRefusal(
        '1009',
        `X-Transaction-Signature does not match the HMAC of the ${account.transactionSignatureOver === 'body' ? 'request body' : 'request plaintext'}`,
      );
    }
  }

  private checkTimestamp(value: unknown): void {
    const timestamp = Number(idText(value));
    const skew = Math.abs(Date.now() / 1000 - timestamp);
    const tolerance = this.deps.settings.timestampToleranceSeconds;
    if (!(skew <= tolerance)) {
      throw new PtsSandboxRefusal(
        '1020',
        `\`timestamp\` is ${Math.round(skew)} s away from the gateway clock (allowed: ${tolerance} s)`,
      );
    }
  }

  /** v1 transaction calls: `Authorization: {token_type} {access_token}` (B 3). */
  private authorize(req: IncomingMessage): PtsSandboxAccount {
    const header = req.headers.authorization;
    if (!header) throw new PtsSandboxRefusal('1012', 'the Authorization header is missing');
    const match = /^(\S+) +(\S+)$/.exec(header.trim());
    if (!match || match[1].toLowerCase() !== 'bearer') {
      throw new PtsSandboxRefusal('1012', 'Authorization must be `Bearer {access_token}`');
    }
    const token = this.deps.store.findToken(match[2]);
    if (!token) throw new PtsSandboxRefusal('1012', 'the access token is unknown');
    if (token.expired) throw new PtsSandboxRefusal('1016', 'the access token has expired');
    const account = this.byUserId.get(token.userId);
    if (!account) throw new PtsSandboxRefusal('1012', 'the access token is unknown');
    return account;
  }

  /** v1 `/merchant/random_code` and `/merchant/token`: plain JSON, no sign (B 3). */
  private processTokenCall(
    req: IncomingMessage,
    route: PtsSandboxRoute,
    spec: PtsMessageSpec,
    raw: Buffer,
    record: PtsSandboxRequestRecord,
  ): Outcome {
    requireMediaType(req, 'application/json');
    let message: PtsJsonObject;
    try {
      message = parsePtsJsonObject(raw.toString('utf8'));
      validatePtsMessage(spec, message);
    } catch (error) {
      if (error instanceof PtsMalformedMessageError) {
        throw new PtsSandboxRefusal('1001', error.message);
      }
      throw error;
    }
    const userId = idText(message.user_id);
    const account = this.byUserId.get(userId ?? '');
    if (!account) throw new PtsSandboxRefusal('1009', 'no merchant has this `user_id`');
    record.userId = account.userId;
    const early = this.requestFault({ endpoint: route.endpoint, userId: account.userId });
    if (early.answer || early.transport?.kind === 'http-status') return early;
    const { store, settings } = this.deps;
    let data: PtsJsonObject;
    if (route.endpoint === 'randomCode') {
      const code = store.issueRandomCode(account.userId);
      data = { code: code.code, expires_in: num(code.expiresIn), expires_at: num(code.expiresAt) };
    } else {
      if (typeof message.hash !== 'string') {
        throw new PtsSandboxRefusal('1001', 'tokenRequest: field `hash` must be a string');
      }
      if (!store.redeemRandomCode(account.userId, account.merchant.safecode, message.hash)) {
        throw new PtsSandboxRefusal(
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
    return {
      answer: { code: '1000', message: 'Accepted', data },
      transport: early.transport,
      faults: early.faults,
    };
  }

  // ---- endpoints

  private serve(
    account: PtsSandboxAccount,
    route: PtsSandboxRoute,
    message: PtsJsonObject,
  ): Outcome {
    switch (route.endpoint) {
      case 'payment':
      case 'withdraw':
        return this.create(account, route, message, route.endpoint);
      case 'paymentQuery':
        return this.query(account, route, message, 'payment');
      case 'withdrawQuery':
        return this.query(account, route, message, 'withdraw');
      case 'balance':
        return this.balance(account, route, message);
      case 'supportChannel':
        return this.supportChannel(account, route, message);
      case 'exchangeRate':
      case 'subscribe':
      case 'subscribeDisable': {
        const subscriptions = this.deps.subscriptions;
        if (!subscriptions)
          throw new PtsSandboxRefusal('1011', `${route.endpoint} is not served here`);
        const served = subscriptions.serve(account, route.endpoint, message);
        const signed = this.sign(account, route, served.response, served.fields, served.orderId);
        return {
          answer: { code: '1000', message: served.message, data: signed.data },
          faults: signed.effects.applied,
          after: served.after,
        };
      }
      default:
        throw new PtsSandboxRefusal('1011', `${route.endpoint} is not served here`);
    }
  }

  private create(
    account: PtsSandboxAccount,
    route: PtsSandboxRoute,
    message: PtsJsonObject,
    kind: PtsSandboxOrderKind,
  ): Outcome {
    const { store, publicBase, lifecycle } = this.deps;
    const currency = message.currency as string;
    if (route.version === 'v2' && !account.currencies.includes(currency)) {
      throw new PtsSandboxRefusal(
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
      throw new PtsSandboxRefusal('1003', `order_id ${orderId} already exists for this merchant`);
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

  private query(
    account: PtsSandboxAccount,
    route: PtsSandboxRoute,
    message: PtsJsonObject,
    kind: PtsSandboxOrderKind,
  ): Outcome {
    const orderId = message.order_id as string;
    const order = this.deps.store.get(account.userId, orderId);
    if (!order || order.kind !== kind) {
      throw new PtsSandboxRefusal('1002', `no ${kind} order ${orderId} for this merchant`);
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

  private balance(
    account: PtsSandboxAccount,
    route: PtsSandboxRoute,
    message: PtsJsonObject,
  ): Outcome {
    // v2 balance_mode: 0 total, 1 available, 2 both; v1 type: 0 current, 1 withdrawable (B 4.7).
    const modeField = route.version === 'v2' ? 'balance_mode' : 'type';
    const modeText = idText(message[modeField]) ?? '0';
    const allowed = route.version === 'v2' ? ['0', '1', '2'] : ['0', '1'];
    if (!allowed.includes(modeText)) {
      throw new PtsSandboxRefusal('1001', `\`${modeField}\` must be one of ${allowed.join(', ')}`);
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
  ): Outcome {
    const currency = message.currency as string;
    if (!account.currencies.includes(currency)) {
      throw new PtsSandboxRefusal(
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
    const signed = this.sign(account, route, 'supportChannelResponse', {
      user_id: account.userId,
      items,
    });
    return {
      answer: { code: '1000', message: 'Accepted', data: signed.data },
      faults: signed.effects.applied,
    };
  }

  private sign(
    account: PtsSandboxAccount,
    route: PtsSandboxRoute,
    responseName: Parameters<typeof ptsMessageSpec>[1],
    fields: Record<string, unknown>,
    orderId?: string,
  ): { data: PtsJsonObject; effects: PtsSandboxSigningEffects } {
    const effects = takeSigningEffects(this.deps.faults, {
      endpoint: route.endpoint,
      userId: account.userId,
      orderId,
    });
    const spec = ptsMessageSpec(route.version, responseName);
    return { data: signGatewayMessage(account, spec, fields, effects), effects };
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
}

function refusalAnswer(refusal: PtsSandboxRefusal): Answer {
  const meaning = PTS_ENVELOPE_CODES[refusal.ptsCode] ?? 'Refused';
  return { code: refusal.ptsCode, message: `${meaning}: ${refusal.detail}` };
}

function requireMediaType(req: IncomingMessage, wanted: string): void {
  const given = mediaType(req.headers['content-type']);
  if (given !== wanted) {
    throw new PtsSandboxRefusal('1020', `Content-Type must be ${wanted}, got ${given || 'none'}`);
  }
}

/**
 * The field table check (validatePtsMessage) plus what Part B says about types that the
 * shared table is lenient about: request amounts are Strings with at most 6 decimals,
 * timestamps have 10 digits, URLs are URLs, order ids are bounded.
 */
function checkFields(spec: PtsMessageSpec, message: PtsJsonObject): void {
  try {
    validatePtsMessage(spec, message);
  } catch (error) {
    if (error instanceof PtsMalformedMessageError)
      throw new PtsSandboxRefusal('1001', error.message);
    throw error;
  }
  const invalid = (field: string, why: string) =>
    new PtsSandboxRefusal('1001', `${spec.name}: field \`${field}\` ${why}`);
  if ('amount' in message) {
    const amount = message.amount;
    if (typeof amount !== 'string') throw invalid('amount', 'must be a JSON string (B 4.1, 4.4)');
    if (!AMOUNT_RE.test(amount) || /^0(\.0+)?$/.test(amount)) {
      throw invalid('amount', 'must be a positive decimal with at most 6 decimal places');
    }
  }
  if (typeof message.order_id === 'string' && message.order_id.length > ORDER_ID_MAX) {
    throw invalid('order_id', `must have at most ${ORDER_ID_MAX} characters`);
  }
  if (message.timestamp !== undefined && !TIMESTAMP_RE.test(idText(message.timestamp) ?? '')) {
    throw invalid('timestamp', 'must be Unix seconds (10 digits)');
  }
  for (const field of spec.fields) {
    const value = message[field.name];
    if (field.type === 'url' && value !== undefined && value !== null && value !== '') {
      if (!isHttpUrl(value)) throw invalid(field.name, 'must be an http(s) URL');
    }
  }
  if (spec.name === 'withdrawRequest' && spec.version === 'v1') {
    const cardType = idText(message.card_type);
    if (cardType !== '1' && cardType !== '2') throw invalid('card_type', 'must be 1 or 2');
    if (cardType === '2' && !message.cnaps_code) {
      throw invalid('cnaps_code', 'is required when card_type is 2');
    }
  }
  if (
    spec.name === 'withdrawRequest' &&
    spec.version === 'v2' &&
    isPtsJsonObject(message.details)
  ) {
    const details = message.details;
    const formats: [string, RegExp, string][] = [
      ['phone', PHONE_RE, 'must be 09 + 9 digits or 9 + 9 digits'],
      ['account_number', ACCOUNT_NUMBER_RE, 'must have 10 to 20 digits'],
      ['email', EMAIL_RE, 'must be an email address'],
    ];
    for (const [name, pattern, why] of formats) {
      const value = details[name];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string' || !pattern.test(value)) throw invalid(`details.${name}`, why);
    }
  }
}

/** A user id, timestamp or small integer as text, whether sent as a string or a number. */
function idText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (isLosslessNumber(value)) return value.value;
  return undefined;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function num(value: number): LosslessNumber {
  return new LosslessNumber(String(value));
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The GUID is a credential of sorts: logs show its first 8 characters only. */
export function maskPath(path: string): string {
  return path.replace(/^(\/merchant\/v2(?:\.1)?\/)([^/]{8})[^/]*/, '$1$2…');
}
