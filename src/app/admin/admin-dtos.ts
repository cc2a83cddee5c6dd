import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  PTS_CALLBACK_OUTCOMES,
  PTS_ORDER_FLAGS,
  PTS_ORDER_ID_PATTERN,
  PTS_ORDER_STATUSES,
  type PtsCallbackOutcome,
  type PtsOrderFlag,
  type PtsOrderKind,
  type PtsOrderStatus,
} from 'pts-nest';
import { PTS_AMOUNT_PATTERN } from 'pts-nest/protocol';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsAdminTime } from './admin-inputs.js';

const POSITIVE = /[1-9]/;
export const OVERVIEW_BUCKETS = ['hour', 'day'] as const;
export type OverviewBucket = (typeof OVERVIEW_BUCKETS)[number];
const ORDER_ID_MESSAGE = 'orderId must be 1 to 64 letters, digits, "_" or "-"';
const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** A7: a decimal string (never a JSON number), positive, at most 6 decimal places. */
const IsPtsAmount = () =>
  applyDecorators(
    IsString({ message: 'amount must be a decimal string such as "100.10", not a number' }),
    Matches(PTS_AMOUNT_PATTERN, {
      message: 'amount must be a decimal string below 1000000000000 with at most 6 decimal places',
    }),
    Matches(POSITIVE, { message: 'amount must be greater than zero' }),
  );

/** Cursor paging of the admin lists: `limit` (1-200, default 50) and the `cursor` a page gave. */
export class PageQuery {
  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

/** Body of `POST /admin/payments` (README, "HTTP surface"). */
export class CreatePaymentDto {
  @ApiPropertyOptional({ description: 'Our order id; generated when absent', example: 'ORD-1001' })
  @IsOptional()
  @Matches(PTS_ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderId?: string;

  @ApiProperty({ description: 'Decimal string, positive, at most 6 places', example: '100.10' })
  @IsPtsAmount()
  amount!: string;

  @ApiProperty({ example: 'PHP' })
  @IsString()
  @Length(3, 16)
  currency!: string;

  @ApiProperty({ example: 'QRPH' })
  @IsString()
  @Length(1, 64)
  channel!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsObject()
  details?: Record<string, string>;

  @ApiPropertyOptional({ example: 'https://shop.example/paid' })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  redirectUrl?: string;

  @ApiPropertyOptional({ example: 'https://shop.example/failed' })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  errorUrl?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  remark?: string;

  @ApiPropertyOptional({ description: 'Merchant account name; the default when absent' })
  @IsOptional()
  @IsString()
  account?: string;

  @ApiPropertyOptional({ description: 'v1 only' })
  @IsOptional()
  @IsString()
  email?: string;

  @ApiPropertyOptional({ description: 'v1 only' })
  @IsOptional()
  @IsString()
  phone?: string;

  @ApiPropertyOptional({ description: 'v1 only' })
  @IsOptional()
  @IsString()
  bankCode?: string;

  @ApiPropertyOptional({ description: 'v1 only' })
  @IsOptional()
  @IsString()
  realName?: string;
}

/**
 * Body of `POST /admin/withdrawals`: `details` is the v2 payee
 * `{channelSubject, accountNumber, name, email, phone, address}`, or for v1 accounts the bank
 * card fields of Part B 4.4 in camelCase.
 */
export class CreateWithdrawalDto {
  @ApiPropertyOptional({ example: 'WD-1001' })
  @IsOptional()
  @Matches(PTS_ORDER_ID_PATTERN, { message: ORDER_ID_MESSAGE })
  orderId?: string;

  @ApiProperty({ example: '250.00' })
  @IsPtsAmount()
  amount!: string;

  @ApiProperty({ example: 'PHP' })
  @IsString()
  @Length(3, 16)
  currency!: string;

  @ApiProperty({ example: 'QRPH_INSTAPAY' })
  @IsString()
  @Length(1, 64)
  channel!: string;

  @ApiProperty({ type: 'object', additionalProperties: true })
  @IsObject()
  details!: Record<string, unknown>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  remark?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  account?: string;
}

export class V2WithdrawDetailsDto {
  @IsOptional() @IsString() channelSubject?: string;
  @IsString()
  @Matches(/^\d{10,20}$/, { message: 'details.accountNumber must be 10 to 20 digits' })
  accountNumber!: string;
  @IsString() @Length(1, 30) name!: string;
  @IsOptional() @IsString() email?: string;
  @IsString()
  @Matches(/^(09\d{9}|9\d{9})$/, { message: 'details.phone must look like 09123456789' })
  phone!: string;
  @IsOptional() @IsString() address?: string;
}

export class V1BankCardDto {
  @IsString() @Length(1, 64) cardNo!: string;
  @IsString() @Length(1, 64) cardName!: string;
  @Type(() => Number)
  @IsIn([1, 2], { message: 'details.cardType must be 1 (private) or 2 (public)' })
  cardType!: 1 | 2;
  @IsString() bankCode!: string;
  @IsString() bankName!: string;
  @IsString() bankBranch!: string;
  @IsString() bankProvince!: string;
  @IsString() bankCity!: string;
  @IsOptional() @IsString() cnapsCode?: string;
  @IsString() email!: string;
  @IsString() phone!: string;
  @IsOptional() @IsString() firstName?: string;
  @IsOptional() @IsString() middleName?: string;
  @IsOptional() @IsString() lastName?: string;
}

export class ListOrdersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['payment', 'withdraw', 'subscription'] })
  @IsOptional()
  @IsIn(['payment', 'withdraw', 'subscription'])
  kind?: PtsOrderKind;

  @ApiPropertyOptional({ enum: PTS_ORDER_STATUSES })
  @IsOptional()
  @IsIn(PTS_ORDER_STATUSES)
  status?: PtsOrderStatus;

  @ApiPropertyOptional({
    enum: PTS_ORDER_FLAGS,
    description: 'Orders carrying this flag; `reconcile_exhausted`: waiting for an operator',
  })
  @IsOptional()
  @IsIn(PTS_ORDER_FLAGS)
  flag?: PtsOrderFlag;

  @ApiPropertyOptional({ description: 'ISO time, inclusive' })
  @IsOptional()
  @IsAdminTime()
  from?: string;

  @ApiPropertyOptional({ description: 'ISO time, exclusive' })
  @IsOptional()
  @IsAdminTime()
  to?: string;

  @ApiPropertyOptional({
    description: 'Our order id or the PTS transaction id (exact match)',
    example: 'ORD-1001',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64, { message: 'search must be 1 to 64 characters' })
  search?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  account?: string;
}

/** Query of `GET /admin/overview`: the time series covers `[from, to)`, in `bucket` steps. */
export class OverviewQuery {
  @ApiPropertyOptional({ description: 'ISO time, inclusive; default: `to` minus 24 hours' })
  @IsOptional()
  @IsAdminTime()
  from?: string;

  @ApiPropertyOptional({ description: 'ISO time, exclusive; default: now' })
  @IsOptional()
  @IsAdminTime()
  to?: string;

  @ApiPropertyOptional({ enum: OVERVIEW_BUCKETS, default: 'hour' })
  @IsOptional()
  @IsIn(OVERVIEW_BUCKETS)
  bucket?: OverviewBucket;

  @ApiPropertyOptional({ description: 'One account; all accounts when absent' })
  @IsOptional()
  @IsString()
  account?: string;
}

export class ListCallbacksQuery extends PageQuery {
  @ApiPropertyOptional({ enum: PTS_CALLBACK_OUTCOMES })
  @IsOptional()
  @IsIn(PTS_CALLBACK_OUTCOMES)
  outcome?: PtsCallbackOutcome;
}

export class AccountQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  account?: string;
}

export class BalanceQuery extends AccountQuery {
  @ApiPropertyOptional({ enum: [0, 1, 2], description: '0 total, 1 available, 2 both' })
  @IsOptional()
  @Type(() => Number)
  @IsIn([0, 1, 2])
  mode?: 0 | 1 | 2;
}

export class ChannelsQuery extends AccountQuery {
  @ApiPropertyOptional({ default: 'PHP' })
  @IsOptional()
  @IsString()
  currency?: string;
}
