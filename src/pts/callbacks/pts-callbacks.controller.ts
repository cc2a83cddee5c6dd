import {
  Controller,
  createParamDecorator,
  HttpCode,
  Post,
  UseFilters,
  UseGuards,
  UseInterceptors,
  type ExecutionContext,
} from '@nestjs/common';
import { PtsCallbackExceptionFilter } from './pts-callback-exception.filter.js';
import { PtsCallbackProcessor } from './pts-callback-processor.js';
import type { PtsInboundCallback } from './pts-inbound-callback.js';
import {
  PtsCallbackGuard,
  PtsCallbackRoute,
  type PtsCallbackRequest,
} from './pts-callback.guard.js';
import { PtsCallbackReplyInterceptor } from './pts-callback-reply.interceptor.js';

/** The callback the guard captured (raw bytes, sender, headers). */
const InboundCallback = createParamDecorator(
  (_data: unknown, context: ExecutionContext): PtsInboundCallback =>
    context.switchToHttp().getRequest<PtsCallbackRequest>().ptsCallback!,
);

/** Endpoints PTS calls (README, "HTTP surface"). Thin: the guard reads, the processor decides. */
@Controller('pts')
@UseGuards(PtsCallbackGuard)
@UseInterceptors(PtsCallbackReplyInterceptor)
@UseFilters(PtsCallbackExceptionFilter)
export class PtsCallbacksController {
  constructor(private readonly processor: PtsCallbackProcessor) {}

  @Post('callback/payment')
  @HttpCode(200)
  @PtsCallbackRoute('paymentCallback')
  payment(@InboundCallback() callback: PtsInboundCallback) {
    return this.processor.receive(callback);
  }

  @Post('callback/withdraw')
  @HttpCode(200)
  @PtsCallbackRoute('withdrawCallback')
  withdraw(@InboundCallback() callback: PtsInboundCallback) {
    return this.processor.receive(callback);
  }

  @Post('callback/subscribe')
  @HttpCode(200)
  @PtsCallbackRoute('subscribeCallback')
  subscribe(@InboundCallback() callback: PtsInboundCallback) {
    return this.processor.receive(callback);
  }

  @Post('withdraw/confirm')
  @HttpCode(200)
  @PtsCallbackRoute('withdrawConfirm')
  confirm(@InboundCallback() callback: PtsInboundCallback) {
    return this.processor.receive(callback);
  }
}
