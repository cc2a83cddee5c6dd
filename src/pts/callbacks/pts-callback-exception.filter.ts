import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Response } from 'express';
import { PtsCallbackRefused } from './pts-callback-errors.js';

/**
 * Whatever goes wrong on the callback routes is answered in PTS's terms (A6): `FAILED`, with a
 * 4xx when the request itself is refused and a 5xx when the fault is ours (database down) so
 * that the gateway's retry can cure it. Never a JSON error page.
 */
@Catch()
export class PtsCallbackExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('PtsCallbacks');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    // A host's guard or rate limit (HttpException 4xx, e.g. 429) refuses; anything else is ours.
    const status =
      exception instanceof PtsCallbackRefused
        ? exception.httpStatus
        : exception instanceof HttpException && exception.getStatus() < 500
          ? exception.getStatus()
          : 503;
    if (status >= 500) {
      this.logger.error(
        `callback not processed, answered ${status} FAILED so PTS retries: ${exception instanceof Error ? `${exception.name}: ${exception.message}` : String(exception)}`,
      );
    }
    if (res.headersSent) return;
    // The body of a refused sender was never read: do not keep the connection for more.
    if (status === 403) res.setHeader('Connection', 'close');
    res.status(status).type('text/plain; charset=utf-8').send('FAILED');
  }
}
