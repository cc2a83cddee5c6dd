import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PtsClient } from '../../pts/client/pts-client.js';
import { PtsAccounts } from '../../pts/options/pts-accounts.js';
import { PtsSubscriptions } from '../../pts/subscriptions/pts-subscriptions.js';
import { AdminAuthGuard, AdminWrite } from './admin-auth.guard.js';
import {
  CreateSubscriptionDto,
  ExchangeRatesQuery,
  ListSubscriptionsQuery,
} from './admin-subscription-dtos.js';
import { subscriptionView } from './admin-subscription-views.js';
import { AccountQuery } from './admin-dtos.js';
import { callbackView, historyView } from './admin-views.js';

/** The exchange-rate and subscription routes of the admin API (interface.md section 2). */
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
  async create(@Body() dto: CreateSubscriptionDto, @Headers('idempotency-key') key?: string) {
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
  async detail(@Param('orderId') orderId: string, @Query() query: AccountQuery) {
    const detail = await this.subscriptions.detail(orderId, query.account);
    return {
      ...subscriptionView(detail),
      callbacks: detail.callbacks.map((c) => callbackView(c)),
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
