import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AdminAuthGuard,
  AdminRoleOf,
  AdminWrite,
  type AdminRequest,
  type AdminRole,
} from './admin-auth.guard.js';
import { CallbackIdPipe, IdempotencyKey } from './admin-inputs.js';
import {
  AccountQuery,
  BalanceQuery,
  ChannelsQuery,
  CreatePaymentDto,
  CreateWithdrawalDto,
  ListCallbacksQuery,
  ListOrdersQuery,
  OverviewQuery,
} from './admin-dtos.js';
import { AdminOrdersService } from './admin-orders.service.js';
import { AdminOverviewService } from './admin-overview.service.js';

/** The admin REST API of README, "HTTP surface". */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin')
@UseGuards(AdminAuthGuard)
export class AdminController {
  constructor(
    private readonly service: AdminOrdersService,
    private readonly overviewService: AdminOverviewService,
  ) {}

  @Get('me')
  @ApiOperation({ summary: 'The role of the key sent (`admin` or `viewer`): what a UI may offer' })
  me(@Req() req: AdminRequest) {
    return { role: req.adminRole };
  }

  @Get('overview')
  @ApiOperation({
    summary:
      'Orders by kind and status (as the pts_orders gauge), success rate, orders per status over time, callbacks by outcome, flags in use, accounts',
  })
  overview(@Query() query: OverviewQuery) {
    return this.overviewService.overview(query);
  }

  @Post('payments')
  @AdminWrite()
  @ApiOperation({ summary: 'Create a payment order' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async createPayment(
    @Body() dto: CreatePaymentDto,
    @Res({ passthrough: true }) res: Response,
    @IdempotencyKey() key?: string,
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
    @IdempotencyKey() key?: string,
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
  detail(
    @Param('orderId') orderId: string,
    @Query() query: AccountQuery,
    @AdminRoleOf() role: AdminRole,
  ) {
    return this.service.detail(orderId, query.account, role);
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
  callbacks(@Query() query: ListCallbacksQuery, @AdminRoleOf() role: AdminRole) {
    return this.service.listCallbacks(query, role);
  }

  @Post('callbacks/:id/replay')
  @AdminWrite()
  @HttpCode(200)
  @ApiOperation({ summary: 'Process a stored callback again' })
  replay(@Param('id', CallbackIdPipe) id: string) {
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
