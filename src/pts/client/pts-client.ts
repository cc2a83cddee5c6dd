import { Injectable, Logger } from '@nestjs/common';
import { PtsMalformedMessageError } from '../errors/pts-error.js';
import { PtsAccounts } from '../options/pts-accounts.js';
import { PtsSettings } from '../options/pts-settings.js';
import { looseText, signedText } from '../protocol/pts-message.js';
import type {
  PtsBalanceRequest,
  PtsBalanceResult,
  PtsCallOptions,
  PtsOrderQueryResult,
  PtsPaymentRequest,
  PtsPaymentResult,
  PtsSupportChannelsRequest,
  PtsSupportChannelsResult,
  PtsWithdrawRequest,
  PtsWithdrawResult,
} from './pts-client.types.js';
import { PtsExchange } from './pts-exchange.js';
import {
  balanceFields,
  checkAmount,
  checkOrderId,
  paymentFields,
  queryFields,
  supportChannelFields,
  withdrawFields,
} from './pts-request-fields.js';
import {
  readBalance,
  readOrderQuery,
  readSupportChannels,
  readTransaction,
} from './pts-response-readers.js';
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

export type * from './pts-client.types.js';
export type * from './pts-subscription.types.js';

/** Query options: v1 queries may ask PTS for the transaction hash (B4.3, B4.6). */
export interface PtsQueryOptions extends PtsCallOptions {
  returnHash?: boolean;
}

/**
 * One typed method per PTS endpoint, for v2 and v1 behind one interface (README, "Using the
 * module in your app"). Each method checks its input, names the fields of its version and reads
 * its endpoint's answer; `PtsExchange` seals and sends them, reads the answer (A5), validates
 * `data` against its table and verifies `data.sign` (A4).
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
    private readonly exchange: PtsExchange,
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
    const result = await this.exchange.send(
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
      throw new PtsMalformedMessageError({
        code: 'missing_field',
        message: `PTS accepted payment ${orderId} with neither \`pay_url\` nor \`qr_code\`: the payer has no way to pay`,
        field: 'pay_url',
      });
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
    const result = await this.exchange.send(
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
    const result = await this.exchange.send(
      account,
      'balance',
      () => balanceFields(account, req),
      opts,
      {
        hasEffect: false,
      },
    );
    if (result.kind !== 'data') throw new Error('unreachable: balance answers are never HTML');
    return readBalance(result.data);
  }

  async supportChannels(
    req: PtsSupportChannelsRequest = {},
    opts: PtsCallOptions = {},
  ): Promise<PtsSupportChannelsResult> {
    const account = this.accounts.get(opts.account);
    supportChannelFields(account, req); // refuses v1 before any token is fetched
    const result = await this.exchange.send(
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
    const result = await this.exchange.send(
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
    const result = await this.exchange.send(
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
    const result = await this.exchange.send(
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
    const result = await this.exchange.send(
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
}
