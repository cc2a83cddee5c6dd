import { Logger } from '@nestjs/common';
import { PtsMalformedMessageError, PtsProtocolError } from '../errors/pts-error.js';
import type { PtsAccount } from '../options/pts-accounts.js';
import { isPtsTransactionStatusCode } from '../protocol/pts-codes.js';
import { isLosslessNumber, isPtsJsonObject, type PtsJsonObject } from '../protocol/pts-json.js';
import { decimalText, looseText, signedText, statusText } from '../protocol/pts-message.js';
import type {
  PtsBalanceResult,
  PtsChannelBalance,
  PtsOrderQueryResult,
  PtsSupportChannel,
  PtsSupportChannelsResult,
  PtsTransactionFields,
  PtsVerificationOutcome,
} from './pts-client.types.js';

/**
 * Turn a checked and verified `data` object into the typed results. `checkReceivedPtsMessage`
 * has checked the types of the signed fields that have a value and `checkVerifiedPtsMessage`
 * that the ones this answer needs are there, so these pick and convert: signed fields sent as
 * null or "" become null (A5), unsigned optional fields are read leniently.
 */

/** Text of a string or integer field (v1 sometimes sends `user_id` as a number). */
export function fieldText(data: PtsJsonObject, key: string): string {
  const value = data[key];
  if (typeof value === 'string') return value;
  if (isLosslessNumber(value)) return value.value;
  return '';
}

function amountText(data: PtsJsonObject, key: string): string | null {
  if (signedText(data[key]) === null) return null;
  const text = decimalText(data[key]);
  if (text === undefined) {
    throw new PtsMalformedMessageError({
      code: 'invalid_field',
      message: `\`${key}\` is not a decimal`,
      field: key,
    });
  }
  return text;
}

/**
 * A7 and A9: the answer must be about what we asked. A validly signed answer for another
 * merchant or order (a misrouted or replayed one) must not be taken for ours.
 */
export function checkAnswerIdentity(
  account: PtsAccount,
  data: PtsJsonObject,
  orderId: string | undefined,
  endpoint: string,
  httpStatus: number,
): void {
  const userId = fieldText(data, 'user_id');
  if (userId !== account.userId) {
    throw new PtsProtocolError({
      code: 'answer_mismatch',
      message: `PTS answered ${endpoint} for user_id "${userId}", but account "${account.name}" is user_id "${account.userId}"`,
      httpStatus,
    });
  }
  if (orderId !== undefined && fieldText(data, 'order_id') !== orderId) {
    throw new PtsProtocolError({
      code: 'answer_mismatch',
      message: `PTS answered ${endpoint} for order_id "${fieldText(data, 'order_id')}", but we asked about "${orderId}"`,
      httpStatus,
    });
  }
}

export function readTransaction(
  data: PtsJsonObject,
  verification: PtsVerificationOutcome,
): PtsTransactionFields {
  return {
    orderId: fieldText(data, 'order_id'),
    transactionId: signedText(data.transaction_id),
    channel: signedText(data.channel),
    submitCurrency: signedText(data.submit_currency),
    submitAmount: amountText(data, 'submit_amount'),
    acceptCurrency: signedText(data.accept_currency),
    acceptAmount: amountText(data, 'accept_amount'),
    exchangeRate: amountText(data, 'exchange_rate'),
    verification,
    raw: data,
  };
}

export function readOrderQuery(
  data: PtsJsonObject,
  verification: PtsVerificationOutcome,
): PtsOrderQueryResult {
  const status = statusText(data.status);
  if (status === undefined || !isPtsTransactionStatusCode(status)) {
    throw new PtsMalformedMessageError({
      code: 'unknown_status',
      message: `PTS answered a query with status ${JSON.stringify(fieldText(data, 'status'))}, which B 5.1 does not define`,
      field: 'status',
    });
  }
  const timestamp = signedText(data.timestamp);
  const result: PtsOrderQueryResult = {
    ...readTransaction(data, verification),
    status,
    timestamp: timestamp === null ? null : Number(timestamp),
  };
  const errorMessage = looseText(data.error_message);
  const referenceNumber = looseText(data.reference_number);
  const detailsUrl = looseText(data.details_url);
  if (errorMessage !== undefined) result.errorMessage = errorMessage;
  if (referenceNumber !== undefined) result.referenceNumber = referenceNumber;
  if (detailsUrl !== undefined) result.detailsUrl = detailsUrl;
  return result;
}

const BALANCE_RE = /^-?\d+(\.\d+)?$/;

function balanceText(value: unknown, where: string): string {
  const text =
    typeof value === 'string' ? value : isLosslessNumber(value) ? value.value : undefined;
  if (text === undefined || !BALANCE_RE.test(text)) {
    throw new PtsMalformedMessageError({
      code: 'invalid_field',
      message: `balance ${where} is not a decimal`,
      field: where,
    });
  }
  return text;
}

/** B 4.7: every key but `user_id` and `sign` is a currency holding `{channel: balance}`. */
export function readBalance(data: PtsJsonObject): PtsBalanceResult {
  const balances: Record<string, Record<string, PtsChannelBalance>> = {};
  for (const [currency, value] of Object.entries(data)) {
    if (currency === 'user_id' || currency === 'sign') continue;
    const channels: Record<string, PtsChannelBalance> = {};
    // PHP's json_encode turns an empty map into `[]`.
    if (Array.isArray(value) && value.length === 0) {
      balances[currency] = channels;
      continue;
    }
    if (!isPtsJsonObject(value)) {
      throw new PtsMalformedMessageError({
        code: 'invalid_field',
        message: `balance \`${currency}\` must be an object of channel balances`,
        field: currency,
      });
    }
    for (const [channel, amount] of Object.entries(value)) {
      const where = `${currency}.${channel}`;
      channels[channel] = isPtsJsonObject(amount)
        ? {
            total: balanceText(amount.total, `${where}.total`),
            available: balanceText(amount.available, `${where}.available`),
          }
        : balanceText(amount, where);
    }
    balances[currency] = channels;
  }
  return { balances, raw: data };
}

const logger = new Logger('PtsClient');

/** B 4.8, with both spellings of the subject keys (B 8.10). Unknown item types are skipped. */
export function readSupportChannels(data: PtsJsonObject): PtsSupportChannelsResult {
  const items: PtsSupportChannel[] = [];
  const raw = Array.isArray(data.items) ? data.items : [];
  raw.forEach((item, index) => {
    if (!isPtsJsonObject(item)) {
      throw new PtsMalformedMessageError({
        code: 'invalid_field',
        message: `support-channel items[${index}] is not an object`,
        field: `items[${index}]`,
      });
    }
    const type = item.transaction_type;
    if (type !== 'payment' && type !== 'withdraw') {
      logger.warn(
        `PTS support-channel items[${index}] has transaction_type ${JSON.stringify(type)}; skipped`,
      );
      return;
    }
    const nullable = (...keys: string[]): string | null => {
      for (const key of keys) {
        const value = item[key];
        if (typeof value === 'string' && value !== '') return value;
      }
      return null;
    };
    const channel = nullable('transaction_channel');
    const currency = nullable('currency');
    if (channel === null || currency === null) {
      throw new PtsMalformedMessageError({
        code: 'missing_field',
        message: `support-channel items[${index}] lacks transaction_channel or currency`,
        field: `items[${index}]`,
      });
    }
    items.push({
      channel,
      channelSubject: nullable('transaction_channel_subject', 'transaction_subject'),
      channelSubjectName: nullable('transaction_channel_subject_name', 'transaction_subject_name'),
      type,
      currency,
    });
  });
  return { items, raw: data };
}
