/**
 * One error hierarchy for everything PTS (after stripe-node): each error has a
 * stable string `code` that callers and tests switch on, and a message that never contains a
 * secret (safecode, key, token, transaction secret, full `sign`).
 */
export class PtsError extends Error {
  override readonly name: string = 'PtsError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A configuration or option is wrong; raised at boot. */
export class PtsConfigurationError extends PtsError {
  override readonly name: string = 'PtsConfigurationError';

  constructor(
    code: string,
    message: string,
    readonly option?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** Several configuration problems found at once; `problems` lists each. */
export class PtsConfigurationErrors extends PtsConfigurationError {
  override readonly name: string = 'PtsConfigurationErrors';

  constructor(readonly problems: readonly PtsConfigurationError[]) {
    super(
      'invalid_configuration',
      `PTS: ${problems.length} configuration problem(s):\n` +
        problems.map((p) => `  - ${p.message}`).join('\n'),
    );
  }
}

/** A key that does not parse, or a key of the wrong kind (public where private belongs). */
export class PtsKeyError extends PtsConfigurationError {
  override readonly name: string = 'PtsKeyError';
}

/** The envelope could not be decrypted: bad base64, bad length, bad padding, not UTF-8. */
export class PtsDecryptionError extends PtsError {
  override readonly name: string = 'PtsDecryptionError';
}

/** A message parsed but is not what the protocol allows: not JSON, not an object, wrong types. */
export class PtsMalformedMessageError extends PtsError {
  override readonly name: string = 'PtsMalformedMessageError';

  constructor(
    code: string,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** A `sign` (or the v2 transaction signature) is missing or does not verify. */
export class PtsSignatureError extends PtsError {
  override readonly name: string = 'PtsSignatureError';

  constructor(
    code: string,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** PTS answered with an envelope code other than 1000. */
export class PtsGatewayError extends PtsError {
  override readonly name: string = 'PtsGatewayError';

  constructor(
    /** The PTS envelope code, e.g. "1003". */
    readonly ptsCode: string,
    /** What the gateway said. */
    readonly ptsMessage: string,
    /** What the code means according to docs/protocol.md B5.2. */
    readonly meaning: string,
    /** The HTTP status of the gateway's answer, when there was one. */
    readonly httpStatus?: number,
  ) {
    super(
      `gateway_${ptsCode}`,
      `PTS answered ${ptsCode} (${meaning})${ptsMessage && ptsMessage !== meaning ? `: ${ptsMessage}` : ''}`,
    );
  }
}

/** The gateway's answer was not a PTS envelope at all (HTML error page, garbage, 5xx). */
export class PtsProtocolError extends PtsError {
  override readonly name: string = 'PtsProtocolError';

  constructor(
    code: string,
    message: string,
    readonly httpStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** The gateway did not answer in time. For a create call the outcome is unknown (A8). */
export class PtsTimeoutError extends PtsError {
  override readonly name: string = 'PtsTimeoutError';

  constructor(
    message: string,
    /** True when the request may have reached PTS and may have had an effect. */
    readonly outcomeUnknown: boolean,
    options?: { cause?: unknown },
  ) {
    super('timeout', message, options);
  }
}

/** The connection failed (refused, reset, DNS). `outcomeUnknown` as for timeouts. */
export class PtsNetworkError extends PtsError {
  override readonly name: string = 'PtsNetworkError';

  constructor(
    message: string,
    readonly outcomeUnknown: boolean,
    options?: { cause?: unknown },
  ) {
    super('network', message, options);
  }
}

/**
 * A request to PTS that we refuse to send because it cannot be right: an amount that is not a
 * positive decimal with at most 6 places (A7), a field the account's API version does not have,
 * a required field missing. Nothing was sent, so nothing happened at PTS.
 */
export class PtsInvalidRequestError extends PtsError {
  override readonly name: string = 'PtsInvalidRequestError';

  constructor(
    code: string,
    message: string,
    /** The request field at fault, as the caller named it (e.g. `amount`, `bankCard`). */
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** A call named a merchant account that the module options do not configure. */
export class PtsUnknownAccountError extends PtsError {
  override readonly name: string = 'PtsUnknownAccountError';

  constructor(readonly account: string) {
    super('unknown_account', `PTS: no merchant account named "${account}" is configured`);
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
    return error.outcomeUnknown;
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
