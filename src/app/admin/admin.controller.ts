import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard, AdminWrite } from './admin-auth.guard.js';
import {
  AccountQuery,
  BalanceQuery,
  ChannelsQuery,
  CreatePaymentDto,
  CreateWithdrawalDto,
  ListCallbacksQuery,
  ListOrdersQuery,
} from './admin-dtos.js';
import { AdminOrdersService } from './admin-orders.service.js';

/** The admin REST API of interface.md section 2. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin')
@UseGuards(AdminAuthGuard)
export class AdminController {
  constructor(private readonly service: AdminOrdersService) {}

  @Post('payments')
  @AdminWrite()
  @ApiOperation({ summary: 'Create a payment order' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async createPayment(
    @Body() dto: CreatePaymentDto,
    @Res({ passthrough: true }) res: Response,
    @Headers('idempotency-key') key?: string,
  ) {
    const answer = await this.service.createPayment(dto, key);
    res.status(answer.httpStatus);
    return answer.body;
  }

  @Post('withdrawals')
  @AdminWrite()
  @ApiOperation({ summary: 'Create a withdraw order' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async createWithdrawal(
    @Body() dto: CreateWithdrawalDto,
    @Res({ passthrough: true }) res: Response,
    @Headers('idempotency-key') key?: string,
  ) {
    const answer = await this.service.createWithdrawal(dto, key);
    res.status(answer.httpStatus);
    return answer.body;
  }

  @Get('orders')
  @ApiOperation({ summary: 'List orders, newest first, with a cursor' })
  list(@Query() query: ListOrdersQuery) {
    return this.service.list(query);
  }

  @Get('orders/:orderId')
  @ApiOperation({ summary: 'One order with its callbacks and status history' })
  detail(@Param('orderId') orderId: string, @Query() query: AccountQuery) {
    return this.service.detail(orderId, query.account);
  }

  @Post('orders/:orderId/sync')
  @AdminWrite()
  @HttpCode(200)
  @ApiOperation({ summary: 'Query PTS now and apply the answer' })
  sync(@Param('orderId') orderId: string, @Query() query: AccountQuery) {
    return this.service.sync(orderId, query.account);
  }

  @Get('callbacks')
  @ApiOperation({ summary: 'Stored callbacks, newest first' })
  callbacks(@Query() query: ListCallbacksQuery) {
    return this.service.listCallbacks(query);
  }

  @Post('callbacks/:id/replay')
  @AdminWrite()
  @HttpCode(200)
  @ApiOperation({ summary: 'Process a stored callback again' })
  replay(@Param('id') id: string) {
    return this.service.replay(id);
  }

  @Get('balance')
  @ApiOperation({ summary: "The account's balance at PTS" })
  balance(@Query() query: BalanceQuery) {
    return this.service.balance(query);
  }

  @Get('channels')
  @ApiOperation({ summary: 'Channels PTS supports for the account' })
  channels(@Query() query: ChannelsQuery) {
    return this.service.channels(query);
  }
}
