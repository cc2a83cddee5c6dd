import { PtsInvalidRequestError } from '../errors/pts-error.js';
import type { PtsAccount } from '../options/pts-accounts.js';
import type { PtsSettings } from '../options/pts-settings.js';
import { isValidPtsAmount } from '../protocol/pts-amount.js';
import type {
  PtsBalanceRequest,
  PtsPaymentRequest,
  PtsSupportChannelsRequest,
  PtsWithdrawRequest,
} from './pts-client.types.js';

/**
 * The wire fields of each request, per API version (docs/protocol.md B4). Built right before
 * each send, so that `timestamp` is our clock at that moment (A9) and a retry gets a fresh one.
 */
type Fields = Record<string, unknown>;

/** A7 and B 4.1: a positive decimal with at most 6 places, sent exactly as given. */
/** B 8.18 leaves the format open; visible ASCII keeps it safe in URLs, logs and sign strings. */
const ORDER_ID_RE = /^[\x21-\x7e]{1,64}$/;

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function checkOrderId(orderId: unknown): string {
  if (typeof orderId !== 'string' || !ORDER_ID_RE.test(orderId)) {
    throw new PtsInvalidRequestError({
      code: 'invalid_order_id',
      message: 'PTS: `orderId` must be 1 to 64 visible ASCII characters (no spaces)',
      field: 'orderId',
    });
  }
  return orderId;
}

export function checkAmount(amount: unknown): string {
  if (typeof amount !== 'string' || !isValidPtsAmount(amount)) {
    throw new PtsInvalidRequestError({
      code: 'invalid_amount',
      message: `PTS: \`amount\` must be a positive decimal string with at most 6 decimal places (e.g. "100.10"), got ${typeof amount === 'string' ? JSON.stringify(amount.slice(0, 32)) : typeof amount}`,
      field: 'amount',
    });
  }
  return amount;
}

function notFor(account: PtsAccount, field: string, present: boolean): void {
  if (present) {
    throw new PtsInvalidRequestError({
      code: 'field_not_for_version',
      message: `PTS: \`${field}\` does not exist in API ${account.apiVersion} (account "${account.name}")`,
      field,
    });
  }
}

function defined(fields: Fields): Fields {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

export function paymentFields(
  account: PtsAccount,
  settings: PtsSettings,
  req: PtsPaymentRequest,
): Fields {
  const callbackUrl = req.callbackUrl ?? settings.callbackUrl('payment');
  if (account.apiVersion === 'v2') {
    notFor(account, 'email', req.email !== undefined);
    notFor(account, 'phone', req.phone !== undefined);
    notFor(account, 'bankCode', req.bankCode !== undefined);
    notFor(account, 'realName', req.realName !== undefined);
    return defined({
      user_id: account.userId,
      order_id: req.orderId,
      amount: req.amount,
      currency: req.currency,
      channel: req.channel,
      timestamp: nowSeconds(),
      details: req.details,
      callback_url: callbackUrl,
      redirect_url: req.redirectUrl,
      error_url: req.errorUrl,
      remark: req.remark,
    });
  }
  notFor(account, 'details', req.details !== undefined && Object.keys(req.details).length > 0);
  return defined({
    user_id: account.userId,
    order_id: req.orderId,
    amount: req.amount,
    currency: req.currency,
    channel: req.channel,
    email: req.email,
    phone: req.phone,
    // The docs' own sample sends `"bank_code": ""`: a gateway that signs every field present
    // and one that signs the whitelist then build the same string (B 2.1, 8.5).
    bank_code: req.bankCode ?? '',
    real_name: req.realName,
    callback_url: callbackUrl,
    redirect_url: req.redirectUrl,
    error_url: req.errorUrl,
    timestamp: nowSeconds(),
    remark: req.remark,
  });
}

export function withdrawFields(
  account: PtsAccount,
  settings: PtsSettings,
  req: PtsWithdrawRequest,
): Fields {
  const callbackUrl = req.callbackUrl ?? settings.callbackUrl('withdraw');
  if (account.apiVersion === 'v2') {
    notFor(account, 'bankCard', req.bankCard !== undefined);
    const d = req.details;
    const details =
      d === undefined
        ? undefined
        : defined({
            channel_subject: d.channelSubject,
            account_number: d.accountNumber,
            name: d.name,
            email: d.email,
            phone: d.phone,
            address: d.address,
          });
    return defined({
      user_id: account.userId,
      order_id: req.orderId,
      amount: req.amount,
      currency: req.currency,
      channel: req.channel,
      timestamp: nowSeconds(),
      details,
      callback_url: callbackUrl,
      remark: req.remark,
    });
  }
  notFor(account, 'details', req.details !== undefined && Object.keys(req.details).length > 0);
  const card = req.bankCard;
  if (!card) {
    throw new PtsInvalidRequestError({
      code: 'missing_field',
      message: `PTS: a v1 withdraw needs \`bankCard\` (the payee's card and bank, B 4.4) (account "${account.name}")`,
      field: 'bankCard',
    });
  }
  if (card.cardType !== 1 && card.cardType !== 2) {
    throw new PtsInvalidRequestError({
      code: 'invalid_field',
      message: 'PTS: `bankCard.cardType` must be 1 (private) or 2 (public)',
      field: 'bankCard.cardType',
    });
  }
  return defined({
    user_id: account.userId,
    order_id: req.orderId,
    amount: req.amount,
    currency: req.currency,
    channel: req.channel,
    card_no: card.cardNo,
    card_name: card.cardName,
    card_type: card.cardType,
    bank_code: card.bankCode,
    bank_name: card.bankName,
    bank_branch: card.bankBranch,
    bank_province: card.bankProvince,
    bank_city: card.bankCity,
    cnaps_code: card.cnapsCode ?? '',
    email: card.email,
    phone: card.phone,
    first_name: card.firstName,
    middle_name: card.middleName,
    last_name: card.lastName,
    callback_url: callbackUrl,
    timestamp: nowSeconds(),
    remark: req.remark,
  });
}

export function queryFields(account: PtsAccount, orderId: string): Fields {
  return account.apiVersion === 'v2'
    ? { user_id: account.userId, order_id: orderId, timestamp: nowSeconds() }
    : { user_id: account.userId, order_id: orderId };
}

export function balanceFields(account: PtsAccount, req: PtsBalanceRequest): Fields {
  const mode = req.mode;
  if (mode !== undefined && mode !== 0 && mode !== 1 && mode !== 2) {
    throw new PtsInvalidRequestError({
      code: 'invalid_field',
      message: 'PTS: balance `mode` must be 0, 1 or 2',
      field: 'mode',
    });
  }
  if (account.apiVersion === 'v2') {
    return defined({ user_id: account.userId, balance_mode: mode, timestamp: nowSeconds() });
  }
  if (mode === 2) {
    throw new PtsInvalidRequestError({
      code: 'field_not_for_version',
      message: `PTS: balance mode 2 (total and available) does not exist in API v1 (account "${account.name}"); ask for 0 or 1`,
      field: 'mode',
    });
  }
  return defined({ user_id: account.userId, type: mode });
}

export function supportChannelFields(account: PtsAccount, req: PtsSupportChannelsRequest): Fields {
  if (account.apiVersion !== 'v2') {
    throw new PtsInvalidRequestError({
      code: 'endpoint_not_for_version',
      message: `PTS: the Support Channel endpoint exists only in API v2; account "${account.name}" uses v1, whose channels are a static list from PTS (B 6)`,
    });
  }
  return { user_id: account.userId, currency: req.currency ?? 'PHP', timestamp: nowSeconds() };
}

/** `redirect_url` -> `redirectUrl`, to name a wire field the way the caller wrote it. */
export function callerFieldName(wireName: string): string {
  return wireName.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
