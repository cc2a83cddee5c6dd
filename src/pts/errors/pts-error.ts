import { ptsCodeMeaning } from '../protocol/pts-codes.js';

/**
 * The order a failed create left behind (as `rejected` or `unknown`), so the caller learns its
 * id even when the call fails: an `unknown` order must be synced later.
 */
export interface PtsOrderContext {
  orderId: string;
  account: string;
  status: string;
}

/**
 * What every PTS error is made from (stripe-node's raw error): a stable `code`, a message that
 * never contains a secret, and the fields of its kind. A field left `undefined` is not set.
 */
export interface PtsErrorFields {
  /** Stable string that callers and tests switch on, e.g. `signature_mismatch`. */
  code: string;
  message: string;
  cause?: unknown;
  /** The option at fault (configuration and key errors). */
  option?: string;
  /** The message or request field at fault, as the caller or the protocol names it. */
  field?: string;
  /** The HTTP status of the gateway's answer, when there was one. */
  httpStatus?: number;
  /** Timeouts and network failures: the request may have reached PTS and had an effect (A8). */
  outcomeUnknown?: boolean;
  /** The PTS envelope code, e.g. "1003". */
  ptsCode?: string;
  /** What the gateway said. */
  ptsMessage?: string;
  /** What the code means according to docs/protocol.md B5.2. */
  meaning?: string;
  /** The merchant account the error is about. */
  account?: string;
  orderId?: string;
  callbackId?: string;
  idempotencyKey?: string;
  /** Several configuration problems found at once, each with its own option and fix. */
  problems?: readonly PtsConfigurationError[];
  /** The order a failed create left behind. */
  order?: PtsOrderContext;
}

/**
 * One error hierarchy for everything PTS (after stripe-node): one constructor taking the raw
 * fields, `name` taken from the class, so a subclass is one line. Each error has a stable
 * string `code` and a message that never contains a secret (safecode, key, token, transaction
 * secret, full `sign`); its fields are plain data, so its JSON and `inspect` show none either.
 */
export class PtsError extends Error {
  override readonly name: string;
  readonly code: string;
  declare readonly option?: string;
  declare readonly field?: string;
  declare readonly httpStatus?: number;
  declare readonly outcomeUnknown?: boolean;
  declare readonly ptsCode?: string;
  declare readonly ptsMessage?: string;
  declare readonly meaning?: string;
  declare readonly account?: string;
  declare readonly orderId?: string;
  declare readonly callbackId?: string;
  declare readonly idempotencyKey?: string;
  declare readonly problems?: readonly PtsConfigurationError[];
  declare readonly order?: PtsOrderContext;

  constructor(fields: PtsErrorFields) {
    const { code, message, cause, ...rest } = fields;
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    for (const [key, value] of Object.entries(rest)) {
      if (value !== undefined) Object.assign(this, { [key]: value });
    }
  }

  /**
   * The one place a PTS envelope code other than 1000 becomes an error: the code, what the
   * gateway said, and what the code means per docs/protocol.md B5.2 (codes the table does not
   * know say so rather than guess). Only `code` and `message` of the envelope are kept.
   */
  static fromGatewayAnswer(
    envelope: { code: string; message: string },
    httpStatus?: number,
  ): PtsGatewayError {
    const { code: ptsCode, message: ptsMessage } = envelope;
    const meaning = ptsCodeMeaning(ptsCode);
    return new PtsGatewayError({
      code: `gateway_${ptsCode}`,
      message: `PTS answered ${ptsCode} (${meaning})${ptsMessage && ptsMessage !== meaning ? `: ${ptsMessage}` : ''}`,
      ptsCode,
      ptsMessage,
      meaning,
      httpStatus,
    });
  }

  /** This error, with the order a failed create left behind; returns the same error. */
  withOrder(order: PtsOrderContext): this {
    Object.assign(this, { order });
    return this;
  }
}

/** A configuration or option is wrong; raised at boot. */
export class PtsConfigurationError extends PtsError {}

/** Several configuration problems found at once; `problems` lists each. */
export class PtsConfigurationErrors extends PtsConfigurationError {
  declare readonly problems: readonly PtsConfigurationError[];

  static fromProblems(problems: readonly PtsConfigurationError[]): PtsConfigurationErrors {
    return new PtsConfigurationErrors({
      code: 'invalid_configuration',
      message:
        `PTS: ${problems.length} configuration problem(s):\n` +
        problems.map((p) => `  - ${p.message}`).join('\n'),
      problems,
    });
  }
}

/** A key that does not parse, or a key of the wrong kind (public where private belongs). */
export class PtsKeyError extends PtsConfigurationError {}

/** The envelope could not be decrypted: bad base64, bad length, bad padding, not UTF-8. */
export class PtsDecryptionError extends PtsError {}

/** A message parsed but is not what the protocol allows: not JSON, not an object, wrong types. */
export class PtsMalformedMessageError extends PtsError {}

/** A `sign` (or the v2 transaction signature) is missing or does not verify. */
export class PtsSignatureError extends PtsError {}

/** PTS answered with an envelope code other than 1000; made by `PtsError.fromGatewayAnswer`. */
export class PtsGatewayError extends PtsError {
  declare readonly ptsCode: string;
  declare readonly ptsMessage: string;
  declare readonly meaning: string;
}

/** The gateway's answer was not a PTS envelope at all (HTML error page, garbage, 5xx). */
export class PtsProtocolError extends PtsError {}

/** The gateway did not answer in time (code `timeout`). For a create the outcome is unknown (A8). */
export class PtsTimeoutError extends PtsError {
  declare readonly outcomeUnknown: boolean;
}

/** The connection failed (refused, reset, DNS; code `network`). `outcomeUnknown` as for timeouts. */
export class PtsNetworkError extends PtsError {
  declare readonly outcomeUnknown: boolean;
}

/**
 * A request to PTS that we refuse to send because it cannot be right: an amount that is not a
 * positive decimal with at most 6 places (A7), a field the account's API version does not have,
 * a required field missing. Nothing was sent, so nothing happened at PTS.
 */
export class PtsInvalidRequestError extends PtsError {}

/** A call named a merchant account that the module options do not configure. */
export class PtsUnknownAccountError extends PtsError {
  declare readonly account: string;

  static forAccount(account: string): PtsUnknownAccountError {
    return new PtsUnknownAccountError({
      code: 'unknown_account',
      message: `PTS: no merchant account named "${account}" is configured`,
      account,
    });
  }
}

/**
 * Whether a failed create (payment or withdraw) may nevertheless have created the order at PTS
 * (A8: the order then goes to `unknown` and only a query can resolve it). Only an envelope code
 * from PTS, or a failure before anything was sent, proves that nothing happened; an answer we
 * could not read or trust (bad signature, not an envelope) does not.
 */
export function isPtsOutcomeUnknown(error: unknown): boolean {
  if (error instanceof PtsTimeoutError || error instanceof PtsNetworkError) {
    // A timeout made without saying is the unsafe case: treat it as possibly accepted.
    return error.outcomeUnknown !== false;
  }
  if (
    error instanceof PtsGatewayError ||
    error instanceof PtsInvalidRequestError ||
    error instanceof PtsUnknownAccountError ||
    error instanceof PtsConfigurationError
  ) {
    return false;
  }
  return true;
}

/** docs/protocol.md B3: 1012 "Token verify failed" and 1016 "API token expired" ask for a fresh v1 token. */
export const PTS_TOKEN_REJECTED_CODES: readonly string[] = ['1012', '1016'];

export function isPtsTokenRejection(error: unknown): error is PtsGatewayError {
  return error instanceof PtsGatewayError && PTS_TOKEN_REJECTED_CODES.includes(error.ptsCode);
}
