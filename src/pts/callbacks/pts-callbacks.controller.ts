import { Controller, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { PtsCallbackExceptionFilter } from './pts-callback-exception.filter.js';
import { PtsCallbackIntake } from './pts-callback-intake.js';
import { PtsCallbackRoute } from './pts-callback-route.js';

/**
 * Endpoints PTS calls (README, "HTTP surface"). Thin: the intake captures the request, has the
 * processor decide and writes the answer itself (`@Res()`), so Nest adds no reply layer.
 */
@Controller('pts')
@UseFilters(PtsCallbackExceptionFilter)
export class PtsCallbacksController {
  constructor(private readonly intake: PtsCallbackIntake) {}

  @Post('callback/payment')
  @PtsCallbackRoute('paymentCallback')
  payment(@Req() req: Request, @Res() res: Response) {
    return this.intake.answer('paymentCallback', req, res);
  }

  @Post('callback/withdraw')
  @PtsCallbackRoute('withdrawCallback')
  withdraw(@Req() req: Request, @Res() res: Response) {
    return this.intake.answer('withdrawCallback', req, res);
  }

  @Post('callback/subscribe')
  @PtsCallbackRoute('subscribeCallback')
  subscribe(@Req() req: Request, @Res() res: Response) {
    return this.intake.answer('subscribeCallback', req, res);
  }

  @Post('withdraw/confirm')
  @PtsCallbackRoute('withdrawConfirm')
  confirm(@Req() req: Request, @Res() res: Response) {
    return this.intake.answer('withdrawConfirm', req, res);
  }
}
