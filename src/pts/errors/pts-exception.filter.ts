import {
  Catch,
  HttpStatus,
  Logger,
  Optional,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  PtsConfigurationError,
  PtsDecryptionError,
  PtsError,
  PtsGatewayError,
  PtsInvalidRequestError,
  PtsMalformedMessageError,
  PtsNetworkError,
  PtsProtocolError,
  PtsSignatureError,
  PtsTimeoutError,
  PtsUnknownAccountError,
  type PtsOrderContext,
} from './pts-error.js';
import {
  PtsCallbackNotFoundError,
  PtsDuplicateOrderError,
  PtsIdempotencyConflictError,
  PtsOrderNotFoundError,
} from './pts-order-errors.js';

/** The JSON error body of the admin API (README, "HTTP surface"). */
export interface PtsHttpErrorBody {
  statusCode: number;
  error: string;
  message: string;
  /** The PTS envelope code, when the gateway refused. */
  code?: string;
  /** The order a failed create left behind (`rejected` or `unknown`), when there is one. */
  order?: PtsOrderContext;
}

const REASON: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};

/** The HTTP status for an error of the PTS hierarchy. */
export function ptsHttpStatusOf(error: PtsError): number {
  if (error instanceof PtsGatewayError) {
    if (error.ptsCode === '1003') return HttpStatus.CONFLICT;
    // B 5.2 "Server-related errors" (8xxx, 9xxx): the gateway failed rather than refused.
    return /^[89]/.test(error.ptsCode) ? HttpStatus.BAD_GATEWAY : HttpStatus.UNPROCESSABLE_ENTITY;
  }
  if (error instanceof PtsTimeoutError) return HttpStatus.GATEWAY_TIMEOUT;
  if (
    error instanceof PtsNetworkError ||
    error instanceof PtsProtocolError ||
    error instanceof PtsSignatureError ||
    error instanceof PtsMalformedMessageError ||
    error instanceof PtsDecryptionError
  ) {
    // These reach the admin API only from answers to our own requests; bad callbacks are
    // answered by the callback routes' own filter (A6).
    return HttpStatus.BAD_GATEWAY;
  }
  if (error instanceof PtsInvalidRequestError || error instanceof PtsUnknownAccountError) {
    return HttpStatus.BAD_REQUEST;
  }
  if (error instanceof PtsOrderNotFoundError || error instanceof PtsCallbackNotFoundError) {
    return HttpStatus.NOT_FOUND;
  }
  if (error instanceof PtsDuplicateOrderError) return HttpStatus.CONFLICT;
  if (error instanceof PtsIdempotencyConflictError) return HttpStatus.UNPROCESSABLE_ENTITY;
  return HttpStatus.INTERNAL_SERVER_ERROR;
}

/** The JSON body for an error; messages of the hierarchy never carry secrets. */
export function ptsHttpErrorBody(error: PtsError): PtsHttpErrorBody {
  const statusCode = ptsHttpStatusOf(error);
  const body: PtsHttpErrorBody = {
    statusCode,
    error: REASON[statusCode] ?? 'Error',
    // A configuration problem is for the operator's log, not for an API client.
    message:
      statusCode === 500 || error instanceof PtsConfigurationError
        ? 'The PTS integration is misconfigured or failed; see the service log.'
        : error.message,
  };
  if (error instanceof PtsGatewayError) body.code = error.ptsCode;
  if (error.order) body.order = error.order;
  return body;
}

/**
 * The one place PTS errors become HTTP responses: `409` duplicate order id,
 * `422` other refusals, `502` the gateway failed or answered something we cannot trust, `504`
 * it did not answer in time, `500` our configuration. Register it with `app.useGlobalFilters`
 * or as `APP_FILTER`.
 */
@Catch(PtsError)
export class PtsExceptionFilter implements ExceptionFilter<PtsError> {
  private readonly logger = new Logger('PtsExceptionFilter');

  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  catch(error: PtsError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const body = ptsHttpErrorBody(error);
    if (body.statusCode >= 500) {
      this.logger.error(`${error.name} (${error.code}): ${error.message}`);
    }
    const response: unknown = host.switchToHttp().getResponse();
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter) {
      adapter.reply(response, body, body.statusCode);
      return;
    }
    const express = response as {
      headersSent?: boolean;
      status(code: number): { json(body: unknown): void };
    };
    if (!express.headersSent) express.status(body.statusCode).json(body);
  }
}
