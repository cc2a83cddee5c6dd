import { Injectable, Logger } from '@nestjs/common';
import {
  isPtsTokenRejection,
  PtsInvalidRequestError,
  PtsMalformedMessageError,
  PtsProtocolError,
  PtsSignatureError,
} from '../errors/pts-error.js';
import type { PtsAccount } from '../options/pts-accounts.js';
import { PtsSettings } from '../options/pts-settings.js';
import { PTS_TIMEOUT_RANGE } from '../options/pts-options-schema.js';
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
  validatePtsMessage,
} from '../protocol/pts-message.js';
import { describeError, PtsAccessTokens } from './pts-access-tokens.js';
import type { PtsCallOptions, PtsVerificationOutcome } from './pts-client.types.js';
import { callerFieldName } from './pts-request-fields.js';
import { checkAnswerIdentity } from './pts-response-readers.js';
import { withPtsRetry } from './pts-retry.js';
import { PtsTransport } from './pts-transport.js';

export interface PtsSendOptions {
  /** Payment and withdraw creation: never retried, failures after sending are "outcome unknown". */
  hasEffect: boolean;
  /** The order the answer must be about. */
  orderId?: string;
  /** Payments may answer in the Redirect/HTML style (B 1.3): a page, a script or a 3xx. */
  allowPaymentStyles?: boolean;
}

export type PtsSendResult =
  | { kind: 'html'; html: string }
  | { kind: 'redirect'; location: string }
  | { kind: 'data'; data: PtsJsonObject; verification: PtsVerificationOutcome };

/**
 * One call to PTS, whatever the endpoint: builds its fields, checks them against the request
 * table, seals them (A2, A3), sends them, and reads the answer (A5): a JSON envelope's `data`
 * checked against its table, its `sign` verified (A4) and its identity checked; a page or a
 * redirect only where payments allow it. v1 calls carry the shared access token and fetch a new
 * one once when PTS refuses it (1012, 1016); calls without an effect retry with backoff.
 * `PtsClient` reads each endpoint's answer from what this returns.
 */
@Injectable()
export class PtsExchange {
  // The client's name: these lines are about its calls.
  private readonly logger = new Logger('PtsClient');

  constructor(
    private readonly transport: PtsTransport,
    private readonly tokens: PtsAccessTokens,
    private readonly settings: PtsSettings,
  ) {}

  async send(
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
        throw new PtsProtocolError({
          code: 'unexpected_html',
          message: `PTS answered ${endpoint} with HTML instead of a JSON envelope (account "${account.name}")`,
          httpStatus: answer.httpStatus,
        });
      }
      if (answer.kind === 'redirect') {
        if (options.allowPaymentStyles) return { kind: 'redirect', location: answer.location };
        throw new PtsProtocolError({
          code: 'unexpected_redirect',
          message: `PTS answered ${endpoint} with an HTTP ${answer.httpStatus} redirect instead of a JSON envelope (account "${account.name}")`,
          httpStatus: answer.httpStatus,
        });
      }
      if (!isPtsJsonObject(answer.data)) {
        throw new PtsProtocolError({
          code: 'unexpected_answer',
          message: `PTS accepted ${endpoint} but sent no data object (account "${account.name}")`,
          httpStatus: answer.httpStatus,
        });
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
      throw new PtsInvalidRequestError({
        code: 'invalid_timeout',
        message: `PTS: \`timeoutMs\` must be a whole number of milliseconds from ${min} to ${max}`,
        field: 'timeoutMs',
      });
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
    throw new PtsInvalidRequestError({
      code: error.code,
      message: `PTS ${spec.version} ${spec.name}: ${error.code === 'missing_field' ? `\`${field}\` is required` : `\`${field}\` is not valid`} (${error.message})`,
      field,
      cause: error,
    });
  }
}
