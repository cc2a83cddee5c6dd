import { Injectable, Logger } from '@nestjs/common';
import { isPtsTokenRejection } from '../errors/pts-error-from-envelope.js';
import {
  PtsInvalidRequestError,
  PtsMalformedMessageError,
  PtsProtocolError,
  PtsSignatureError,
} from '../errors/pts-error.js';
import { PtsAccounts, type PtsAccount } from '../options/pts-accounts.js';
import { PtsSettings } from '../options/pts-settings.js';
import { sealPtsRequest } from '../protocol/pts-envelope.js';
import {
  ptsEndpointPath,
  ptsEndpointSpec,
  ptsMessageSpec,
  type PtsEndpointName,
  type PtsMessageSpec,
} from '../protocol/pts-fields.js';
import { isPtsJsonObject, type PtsJsonObject } from '../protocol/pts-json.js';
import {
  checkReceivedPtsMessage,
  checkVerifiedPtsMessage,
  looseText,
  signedText,
  validatePtsMessage,
} from '../protocol/pts-message.js';
import { describeError, PtsAccessTokens } from './pts-access-tokens.js';
import type {
  PtsBalanceRequest,
  PtsBalanceResult,
  PtsCallOptions,
  PtsOrderQueryResult,
  PtsPaymentRequest,
  PtsPaymentResult,
  PtsSupportChannelsRequest,
  PtsSupportChannelsResult,
  PtsVerificationOutcome,
  PtsWithdrawRequest,
  PtsWithdrawResult,
} from './pts-client.types.js';
import {
  balanceFields,
  callerFieldName,
  checkAmount,
  checkOrderId,
  paymentFields,
  queryFields,
  supportChannelFields,
  withdrawFields,
} from './pts-request-fields.js';
import {
  checkAnswerIdentity,
  readBalance,
  readOrderQuery,
  readSupportChannels,
  readTransaction,
} from './pts-response-readers.js';
import { withPtsRetry } from './pts-retry.js';
import { PtsTransport } from './pts-transport.js';

import {
  exchangeRateFields,
  subscribeDisableFields,
  subscribeFields,
  withReturnHash,
} from './pts-subscription-fields.js';
import {
  readExchangeRate,
  readKeptFields,
  readSubscribeDisable,
} from './pts-subscription-readers.js';
import type {
  PtsExchangeRateRequest,
  PtsExchangeRateResult,
  PtsSubscribeDisableResult,
  PtsSubscribeRequest,
  PtsSubscribeResult,
} from './pts-subscription.types.js';
import { PTS_TIMEOUT_RANGE } from '../options/pts-options-schema.js';

export type * from './pts-client.types.js';
export type * from './pts-subscription.types.js';

/** Query options: v1 queries may ask PTS for the transaction hash (B4.3, B4.6). */
export interface PtsQueryOptions extends PtsCallOptions {
  returnHash?: boolean;
}

interface PtsSendOptions {
  /** Payment and withdraw creation: never retried, failures after sending are "outcome unknown". */
  hasEffect: boolean;
  /** The order the answer must be about. */
  orderId?: string;
  /** Payments may answer in the Redirect/HTML style (B 1.3): a page, a script or a 3xx. */
  allowPaymentStyles?: boolean;
}

type PtsSendResult =
  | { kind: 'html'; html: string }
  | { kind: 'redirect'; location: string }
  | { kind: 'data'; data: PtsJsonObject; verification: PtsVerificationOutcome };

/**
 * One typed method per PTS endpoint, for v2 and v1 behind one interface (README, "Using the module in your app").
 * Each call builds the fields of its version, seals them (A2, A3), sends `text/plain`, reads the
 * answer (A5), validates `data` against its table and verifies `data.sign` (A4).
 *
 * Queries, balance and channels retry no answer and 5xx with backoff; creates never retry, and a
 * failure after sending leaves their outcome unknown (`isPtsOutcomeUnknown`). v1 calls carry the
 * shared access token and fetch a new one once when PTS answers 1012 or 1016, which are refusals:
 * nothing happened, so even a create may be sent again.
 */
@Injectable()
export class PtsClient {
  private readonly logger = new Logger('PtsClient');

  constructor(
    private readonly transport: PtsTransport,
    private readonly tokens: PtsAccessTokens,
    private readonly accounts: PtsAccounts,
    private readonly settings: PtsSettings,
  ) {}

  async createPayment(
    req: PtsPaymentRequest,
    opts: PtsCallOptions = {},
  ): Promise<PtsPaymentResult> {
    const account = this.accounts.get(opts.account);
    const orderId = checkOrderId(req.orderId);
    checkAmount(req.amount);
    const result = await this.send(
      account,
      'payment',
      () => paymentFields(account, this.settings, req),
      opts,
      { hasEffect: true, orderId, allowPaymentStyles: true },
    );
    if (result.kind === 'html') {
      this.logger.log(`payment ${orderId} (${account.name}): accepted, HTML/script answer`);
      return { kind: 'html', html: result.html };
    }
    if (result.kind === 'redirect') {
      this.logger.log(`payment ${orderId} (${account.name}): accepted, HTTP redirect answer`);
      return { kind: 'redirect', location: result.location };
    }
    // A5: a JSON answer may carry only a QR code (`pay_url` null, signed as `pay_url=`).
    const payUrl = signedText(result.data.pay_url);
    const qrCode = looseText(result.data.qr_code);
    if (payUrl === null && qrCode === undefined) {
      throw new PtsMalformedMessageError(
        'missing_field',
        `PTS accepted payment ${orderId} with neither \`pay_url\` nor \`qr_code\`: the payer has no way to pay`,
        'pay_url',
      );
    }
    const payment: PtsPaymentResult = {
      kind: 'json',
      ...readTransaction(result.data, result.verification),
      payUrl,
    };
    if (qrCode !== undefined) payment.qrCode = qrCode;
    this.logger.log(
      `payment ${orderId} (${account.name}): accepted as ${payment.transactionId} (sign ${result.verification})`,
    );
    return payment;
  }

  async queryPayment(orderId: string, opts: PtsQueryOptions = {}): Promise<PtsOrderQueryResult> {
    return this.query('paymentQuery', orderId, opts);
  }

  async createWithdraw(
    req: PtsWithdrawRequest,
    opts: PtsCallOptions = {},
  ): Promise<PtsWithdrawResult> {
    const account = this.accounts.get(opts.account);
    const orderId = checkOrderId(req.orderId);
    checkAmount(req.amount);
    const result = await this.send(
      account,
      'withdraw',
      () => withdrawFields(account, this.settings, req),
      opts,
      { hasEffect: true, orderId },
    );
    if (result.kind !== 'data') throw new Error('unreachable: withdraw answers are never pages');
    const withdraw = readTransaction(result.data, result.verification);
    this.logger.log(
      `withdraw ${orderId} (${account.name}): accepted as ${withdraw.transactionId} (sign ${result.verification})`,
    );
    return withdraw;
  }

  async queryWithdraw(orderId: string, opts: PtsQueryOptions = {}): Promise<PtsOrderQueryResult> {
    return this.query('withdrawQuery', orderId, opts);
  }

  async balance(req: PtsBalanceRequest = {}, opts: PtsCallOptions = {}): Promise<PtsBalanceResult> {
    const account = this.accounts.get(opts.account);
    const result = await this.send(account, 'balance', () => balanceFields(account, req), opts, {
      hasEffect: false,
    });
    if (result.kind !== 'data') throw new Error('unreachable: balance answers are never HTML');
    return readBalance(result.data);
  }

  async supportChannels(
    req: PtsSupportChannelsRequest = {},
    opts: PtsCallOptions = {},
  ): Promise<PtsSupportChannelsResult> {
    const account = this.accounts.get(opts.account);
    supportChannelFields(account, req); // refuses v1 before any token is fetched
    const result = await this.send(
      account,
      'supportChannel',
      () => supportChannelFields(account, req),
      opts,
      { hasEffect: false },
    );
    if (result.kind !== 'data') throw new Error('unreachable: channel answers are never HTML');
    return readSupportChannels(result.data);
  }

  /** v1 Exchange Rate (B4.9): PTS's payment and withdraw rates against the trade currency. */
  async exchangeRate(
    req: PtsExchangeRateRequest = {},
    opts: PtsCallOptions = {},
  ): Promise<PtsExchangeRateResult> {
    const account = this.accounts.get(opts.account);
    exchangeRateFields(account, req); // refuses v2 before any request
    const result = await this.send(
      account,
      'exchangeRate',
      () => exchangeRateFields(account, req),
      opts,
      { hasEffect: false },
    );
    if (result.kind !== 'data') throw new Error('unreachable: rate answers are never HTML');
    return readExchangeRate(result.data, result.verification);
  }

  /**
   * v2.1 Subscribe (B4.11): a card subscription charged every period. Never retried (it has an
   * effect). The card goes into the encrypted body and nowhere else: nothing here logs it.
   */
  async subscribe(
    req: PtsSubscribeRequest,
    opts: PtsCallOptions = {},
  ): Promise<PtsSubscribeResult> {
    const account = this.accounts.get(opts.account);
    const orderId = checkOrderId(req.orderId);
    checkAmount(req.amount);
    subscribeFields(account, this.settings, req); // refuses bad input before any request
    const result = await this.send(
      account,
      'subscribe',
      () => subscribeFields(account, this.settings, req),
      opts,
      { hasEffect: true, orderId },
    );
    if (result.kind !== 'data') throw new Error('unreachable: subscribe answers are never HTML');
    const subscription = readTransaction(result.data, result.verification);
    this.logger.log(
      `subscribe ${orderId} (${account.name}): accepted as ${subscription.transactionId} (sign ${result.verification})`,
    );
    return subscription;
  }

  /** v2.1 Subscribe Disable (B4.11): stops further payments of a subscription. */
  async disableSubscription(
    orderId: string,
    opts: PtsCallOptions = {},
  ): Promise<PtsSubscribeDisableResult> {
    const account = this.accounts.get(opts.account);
    checkOrderId(orderId);
    subscribeDisableFields(account, orderId);
    const result = await this.send(
      account,
      'subscribeDisable',
      () => subscribeDisableFields(account, orderId),
      opts,
      { hasEffect: true, orderId },
    );
    if (result.kind !== 'data') throw new Error('unreachable: disable answers are never HTML');
    const answer = readSubscribeDisable(result.data, result.verification);
    this.logger.log(
      `subscribe/disable ${orderId} (${account.name}): enabled ${answer.enabled}, ${answer.payments.length} payment(s)`,
    );
    return answer;
  }

  private async query(
    endpoint: 'paymentQuery' | 'withdrawQuery',
    orderId: string,
    opts: PtsQueryOptions,
  ): Promise<PtsOrderQueryResult> {
    const account = this.accounts.get(opts.account);
    checkOrderId(orderId);
    withReturnHash(account, {}, opts.returnHash); // refuses v2 before anything is sent
    const result = await this.send(
      account,
      endpoint,
      () => withReturnHash(account, queryFields(account, orderId), opts.returnHash),
      opts,
      { hasEffect: false, orderId },
    );
    if (result.kind !== 'data') throw new Error('unreachable: query answers are never HTML');
    const answer = { ...readOrderQuery(result.data, result.verification) };
    Object.assign(answer, readKeptFields(result.data));
    this.logger.debug(`${endpoint} ${orderId} (${account.name}): status ${answer.status}`);
    return answer;
  }

  private async send(
    account: PtsAccount,
    endpoint: PtsEndpointName,
    build: () => Record<string, unknown>,
    opts: PtsCallOptions,
    options: PtsSendOptions,
  ): Promise<PtsSendResult> {
    const timeoutMs = this.timeoutOf(opts);
    const spec = ptsEndpointSpec(account.apiVersion, endpoint);
    const requestSpec = ptsMessageSpec(account.apiVersion, spec.request);
    const responseSpec = ptsMessageSpec(account.apiVersion, spec.response);
    const path = ptsEndpointPath(spec, account.guid);

    const once = async (authorization: string | undefined): Promise<PtsSendResult> => {
      const fields = build();
      checkRequest(requestSpec, fields);
      const sealed = sealPtsRequest(fields, {
        spec: requestSpec,
        signer: account.signer,
        cipher: account.cipher,
        transactionSecret: account.apiVersion === 'v2' ? account.transactionSecret : undefined,
        transactionSignatureOver: this.settings.transactionSignatureOver,
        authorization,
      });
      const answer = await this.transport.exchange({
        account,
        endpoint,
        path,
        body: sealed.body,
        headers: sealed.headers,
        timeoutMs,
        hasEffect: options.hasEffect,
      });
      if (answer.kind === 'html') {
        if (options.allowPaymentStyles) return { kind: 'html', html: answer.html };
        throw new PtsProtocolError(
          'unexpected_html',
          `PTS answered ${endpoint} with HTML instead of a JSON envelope (account "${account.name}")`,
          answer.httpStatus,
        );
      }
      if (answer.kind === 'redirect') {
        if (options.allowPaymentStyles) return { kind: 'redirect', location: answer.location };
        throw new PtsProtocolError(
          'unexpected_redirect',
          `PTS answered ${endpoint} with an HTTP ${answer.httpStatus} redirect instead of a JSON envelope (account "${account.name}")`,
          answer.httpStatus,
        );
      }
      if (!isPtsJsonObject(answer.data)) {
        throw new PtsProtocolError(
          'unexpected_answer',
          `PTS accepted ${endpoint} but sent no data object (account "${account.name}")`,
          answer.httpStatus,
        );
      }
      const data = answer.data;
      // A5: nulls in signed fields sign as `key=`; what the answer must carry is judged after.
      checkReceivedPtsMessage(responseSpec, data);
      const verification = this.verify(account, endpoint, responseSpec, data);
      checkVerifiedPtsMessage(responseSpec, data);
      checkAnswerIdentity(account, data, options.orderId, endpoint, answer.httpStatus);
      return { kind: 'data', data, verification };
    };

    const attempt = async (): Promise<PtsSendResult> => {
      if (account.apiVersion !== 'v1') return once(undefined);
      const authorization = await this.tokens.authorization(account, timeoutMs);
      const sentAt = Date.now();
      try {
        return await once(authorization);
      } catch (error) {
        if (!isPtsTokenRejection(error)) throw error;
        this.logger.warn(
          `PTS refused the access token of account "${account.name}" (${error.ptsCode}); fetching a new one and sending ${endpoint} once more`,
        );
        return once(await this.tokens.refresh(account, authorization, sentAt, timeoutMs));
      }
    };

    if (options.hasEffect) return attempt();
    return withPtsRetry(this.settings.retry, attempt, (error, n, delayMs) =>
      this.logger.warn(
        `PTS ${endpoint} for account "${account.name}" failed (${describeError(error)}); attempt ${n + 1} of ${this.settings.retry.attempts} in ${delayMs} ms`,
      ),
    );
  }

  /** A4 for answers to our requests: `strict` refuses, `warn` logs and goes on, `off` skips. */
  private verify(
    account: PtsAccount,
    endpoint: PtsEndpointName,
    spec: PtsMessageSpec,
    data: PtsJsonObject,
  ): PtsVerificationOutcome {
    const mode = this.settings.verifyResponses;
    if (mode === 'off') return 'unverified';
    try {
      return account.signer.verify(spec, data).rendering;
    } catch (error) {
      if (mode === 'strict' || !(error instanceof PtsSignatureError)) throw error;
      this.logger.warn(
        `PTS answer to ${endpoint} (account "${account.name}") failed signature verification (${error.code}); accepted because verifyResponses is 'warn'`,
      );
      return 'unverified';
    }
  }

  private timeoutOf(opts: PtsCallOptions): number {
    const timeoutMs = opts.timeoutMs ?? this.settings.timeoutMs;
    const { min, max } = PTS_TIMEOUT_RANGE;
    if (!Number.isInteger(timeoutMs) || timeoutMs < min || timeoutMs > max) {
      throw new PtsInvalidRequestError(
        'invalid_timeout',
        `PTS: \`timeoutMs\` must be a whole number of milliseconds from ${min} to ${max}`,
        'timeoutMs',
      );
    }
    return timeoutMs;
  }
}

/** The request against its own table, before anything is sent: a caller's mistake, not PTS's. */
function checkRequest(spec: PtsMessageSpec, fields: Record<string, unknown>): void {
  try {
    // `sign` is added when sealing, after this check.
    validatePtsMessage({ ...spec, fields: spec.fields.filter((f) => f.name !== 'sign') }, fields);
  } catch (error) {
    if (!(error instanceof PtsMalformedMessageError)) throw error;
    const field = error.field === undefined ? undefined : callerFieldName(error.field);
    throw new PtsInvalidRequestError(
      error.code,
      `PTS ${spec.version} ${spec.name}: ${error.code === 'missing_field' ? `\`${field}\` is required` : `\`${field}\` is not valid`} (${error.message})`,
      field,
      { cause: error },
    );
  }
}
