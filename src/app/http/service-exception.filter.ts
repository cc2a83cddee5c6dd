import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Response } from 'express';
import { PtsError, ptsHttpErrorBody } from 'pts-nest';
import { isDatabaseDataError, isDatabaseUnavailable } from '../database/database-errors.js';

/**
 * Every error of the admin and operations routes as JSON `{statusCode, error, message}`
 * (README, "HTTP surface"): PTS errors as `PtsExceptionFilter` maps them, HTTP exceptions as
 * Nest does, a database that cannot be reached or did not answer in time as `503` (retry
 * later), a value PostgreSQL refused as data as `400`, anything else `500` without details.
 * The callback routes have their own filter (they answer `FAILED`).
 */
@Catch()
export class ServiceExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Service');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.describe(exception);
    if (status >= 500) {
      this.logger.error(
        `answered ${status}: ${exception instanceof Error ? `${exception.name}: ${exception.message}` : String(exception)}`,
      );
    }
    if (res.headersSent) return;
    if (status === 503) res.setHeader('Retry-After', '5');
    res.status(status).json(body);
  }

  private describe(exception: unknown): { status: number; body: object } {
    if (exception instanceof PtsError) {
      const body = ptsHttpErrorBody(exception);
      return { status: body.statusCode, body };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      return {
        status,
        body:
          typeof response === 'object'
            ? response
            : { statusCode: status, error: errorName(status), message: response },
      };
    }
    if (isDatabaseUnavailable(exception)) {
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        body: {
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'the database did not answer in time; retry later',
        },
      };
    }
    if (isDatabaseDataError(exception)) {
      return {
        status: HttpStatus.BAD_REQUEST,
        body: {
          statusCode: 400,
          error: 'Bad Request',
          message: 'a value of the request cannot be stored (too long, out of range or malformed)',
        },
      };
    }
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: {
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'internal error; see the service log',
      },
    };
  }
}

function errorName(status: number): string {
  return (HttpStatus[status] ?? 'Error')
    .toLowerCase()
    .replace(/(^|_)(\w)/g, (_m, sep: string, c: string) => (sep ? ' ' : '') + c.toUpperCase());
}
