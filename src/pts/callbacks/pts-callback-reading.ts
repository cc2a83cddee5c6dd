import { PtsError } from '../errors/pts-error.js';
import type { PtsAccount } from '../options/pts-accounts.js';
import { isPtsTransactionStatusCode } from '../protocol/pts-codes.js';
import { unwrapPtsCallback } from '../protocol/pts-envelope.js';
import { PTS_MESSAGES, ptsMessageSpec } from '../protocol/pts-fields.js';
import { parsePtsJsonObject, type PtsJsonObject } from '../protocol/pts-json.js';
import {
  checkReceivedPtsMessage,
  checkVerifiedPtsMessage,
  idText,
  statusText,
} from '../protocol/pts-message.js';
import type { PtsVerification } from '../protocol/pts-signer.js';
import type { PtsCallbackKind } from './pts-callback.entity.js';
import { PtsCallbackRejection } from './pts-callback-errors.js';
import { unstorableCallbackReason } from './pts-callback-storable.js';
import type { PtsRawBody } from './pts-raw-body.js';

/** A callback whose signature verified: the account it is for and what it says. */
export interface PtsCallbackReading {
  account: PtsAccount;
  message: PtsJsonObject;
  verification: PtsVerification;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a callback without a database (docs/protocol.md A6): parse, find the account by
 * `user_id`, check the fields, verify `sign` (A4, mandatory), then what the reported status
 * needs and whether the signed values fit our columns (docs/hardening.md, section 5). Returns
 * what it says, or why it is refused.
 */
export function readPtsCallback(
  kind: PtsCallbackKind,
  body: PtsRawBody,
  accountOf: (userId: string) => PtsAccount | undefined,
): PtsCallbackReading | PtsCallbackRejection {
  if (body.truncated) {
    return PtsCallbackRejection.of(413, `body of ${body.totalBytes} bytes exceeds the limit`);
  }
  let text: string;
  try {
    text = utf8.decode(body.bytes);
  } catch {
    return PtsCallbackRejection.of(400, 'body is not UTF-8 text');
  }
  if (text.trim() === '') return PtsCallbackRejection.of(400, 'body is empty');
  let message: PtsJsonObject;
  try {
    // A6: the flat field set, or the same wrapped as `{code, message, data}`.
    message = unwrapPtsCallback(parsePtsJsonObject(text)).message;
  } catch (error) {
    return PtsCallbackRejection.of(
      400,
      error instanceof PtsError ? error.message : 'body is not JSON',
    );
  }
  const userId = idText(message.user_id);
  const orderId = typeof message.order_id === 'string' ? message.order_id.slice(0, 64) : undefined;
  const account = userId === undefined ? undefined : accountOf(userId);
  if (!account) {
    return PtsCallbackRejection.of(
      400,
      userId === undefined ? 'user_id is missing' : `user_id ${userId} is not a configured account`,
      { orderId },
    );
  }
  const specName = kind === 'withdrawConfirm' ? 'withdrawConfirmRequest' : kind;
  if (!PTS_MESSAGES[account.apiVersion][specName]) {
    // v1 accounts have no subscriptions (B4.11 is v2.1 only).
    return PtsCallbackRejection.of(400, `API ${account.apiVersion} has no ${kind}`, {
      account: account.name,
      orderId,
    });
  }
  const spec = ptsMessageSpec(account.apiVersion, specName);
  const ptsStatus = statusText(message.status);
  const context = { account: account.name, orderId, ptsStatus };
  try {
    // A5: signed fields may be null or "" (they sign as `key=`); unsigned ones are lenient.
    checkReceivedPtsMessage(spec, message);
  } catch (error) {
    return PtsCallbackRejection.of(
      400,
      error instanceof PtsError ? error.message : 'malformed',
      context,
    );
  }
  let verification: PtsVerification;
  try {
    verification = account.signer.verify(spec, message);
  } catch (error) {
    return PtsCallbackRejection.of(
      401,
      error instanceof PtsError ? `signature: ${error.message}` : 'signature does not verify',
      context,
    );
  }
  const verified = { ...context, verified: verification };
  try {
    // What the reported status needs (a success says what was paid), judged once it verified.
    checkVerifiedPtsMessage(spec, message);
  } catch (error) {
    return PtsCallbackRejection.of(
      400,
      error instanceof PtsError ? error.message : 'malformed',
      verified,
    );
  }
  const unstorable = unstorableCallbackReason(message);
  if (unstorable) {
    return PtsCallbackRejection.of(400, `signed values cannot be stored: ${unstorable}`, {
      ...verified,
      orderId: idText(message.order_id),
    });
  }
  if (
    (kind === 'paymentCallback' || kind === 'withdrawCallback') &&
    !isPtsTransactionStatusCode(ptsStatus!)
  ) {
    return PtsCallbackRejection.of(400, `status ${ptsStatus} is not a PTS transaction status`, {
      ...verified,
      orderId: message.order_id as string,
    });
  }
  return { account, message, verification };
}
