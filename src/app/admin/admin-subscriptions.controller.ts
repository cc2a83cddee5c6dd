import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PtsAccounts, PtsClient, PtsSubscriptions } from 'pts-nest';
import { AdminAuthGuard, AdminRoleOf, AdminWrite, type AdminRole } from './admin-auth.guard.js';
import { IdempotencyKey } from './admin-inputs.js';
import {
  CreateSubscriptionDto,
  ExchangeRatesQuery,
  ListSubscriptionsQuery,
} from './admin-subscription-dtos.js';
import { subscriptionView } from './admin-subscription-views.js';
import { AccountQuery } from './admin-dtos.js';
import { callbackView, historyView } from './admin-views.js';

/** The exchange-rate and subscription routes of the admin API (README, "HTTP surface of the service"). */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin')
@UseGuards(AdminAuthGuard)
export class AdminSubscriptionsController {
  constructor(
    private readonly subscriptions: PtsSubscriptions,
    private readonly client: PtsClient,
    private readonly accounts: PtsAccounts,
  ) {}

  @Get('exchange-rates')
  @ApiOperation({ summary: "v1 accounts: PTS's payment and withdraw rates against a currency" })
  async exchangeRates(@Query() query: ExchangeRatesQuery) {
    const result = await this.client.exchangeRate(
      { tradeCurrency: query.currency },
      { account: query.account },
    );
    return {
      account: this.accounts.get(query.account).name,
      currency: result.tradeCurrency,
      rates: result.rates,
    };
  }

  @Post('subscriptions')
  @AdminWrite()
  @ApiOperation({ summary: 'Create a v2.1 card subscription (the card goes to PTS only)' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async create(@Body() dto: CreateSubscriptionDto, @IdempotencyKey() key?: string) {
    return subscriptionView(
      await this.subscriptions.create({ ...dto, card: { ...dto.card }, idempotencyKey: key }),
    );
  }

  @Get('subscriptions')
  @ApiOperation({ summary: 'List subscriptions, newest first, with a cursor' })
  async list(@Query() query: ListSubscriptionsQuery) {
    const page = await this.subscriptions.list(query);
    return { items: page.items.map(subscriptionView), nextCursor: page.nextCursor };
  }

  @Get('subscriptions/:orderId')
  @ApiOperation({ summary: 'One subscription: status, periods, payments, callbacks, history' })
  async detail(
    @Param('orderId') orderId: string,
    @Query() query: AccountQuery,
    @AdminRoleOf() role: AdminRole,
  ) {
    const detail = await this.subscriptions.detail(orderId, query.account);
    return {
      ...subscriptionView(detail),
      // Admins see whole stored bodies, viewers the sign cut short (as for orders).
      callbacks: detail.callbacks.map((c) => callbackView(c, role)),
      history: detail.history.map(historyView),
    };
  }

  @Post('subscriptions/:orderId/disable')
  @AdminWrite()
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable the subscription at PTS and record it' })
  async disable(@Param('orderId') orderId: string, @Query() query: AccountQuery) {
    return subscriptionView(await this.subscriptions.disable(orderId, query.account));
  }
}
