import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Response } from 'express';
import { map, type Observable } from 'rxjs';
import type { PtsCallbackVerdict } from './pts-inbound-callback.js';

/** Writes a verdict as PTS expects it: `text/plain` SUCCESS / FAILED, or the signed JSON (A6). */
@Injectable()
export class PtsCallbackReplyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler<PtsCallbackVerdict>): Observable<string> {
    const res = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      map((verdict) => {
        res.status(verdict.httpStatus);
        // The body of a refused sender was never read: do not keep the connection for more.
        if (verdict.httpStatus === 403) res.setHeader('Connection', 'close');
        res.type(
          verdict.contentType === 'text/plain' ? 'text/plain; charset=utf-8' : 'application/json',
        );
        return verdict.body;
      }),
    );
  }
}
