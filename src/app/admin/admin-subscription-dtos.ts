import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PTS_ORDER_ID_PATTERN, PTS_ORDER_STATUSES, type PtsOrderStatus } from 'pts-nest';
import { PTS_AMOUNT_PATTERN } from 'pts-nest/protocol';
import { PageQuery } from './admin-dtos.js';

/**
 * Bodies and queries of the subscription and exchange-rate admin routes. The card fields have
 * no OpenAPI example and their validation messages never quote the value: raw card data goes
 * to PTS and nowhere else (docs/subscriptions.md).
 */

/** Raw card data: sent to PTS, never stored, logged or echoed. */
export class SubscriptionCardDto {
  @ApiProperty({ description: 'Card number, 12 to 19 digits (never stored; last four kept)' })
  @IsString({ message: 'card.number must be a string of digits' })
  @Matches(/^\d{12,19}$/, { message: 'card.number must be 12 to 19 digits' })
  number!: string;

  @ApiProperty({ description: 'Expiry month, 1 to 12' })
  @IsString({ message: 'card.expMonth must be a string' })
  @Matches(/^(0?[1-9]|1[0-2])$/, { message: 'card.expMonth must be 1 to 12' })
  expMonth!: string;

  @ApiProperty({ description: 'Expiry year, four digits' })
  @IsString({ message: 'card.expYear must be a string' })
  @Matches(/^\d{4}$/, { message: 'card.expYear must be four digits' })
  expYear!: string;

  @ApiProperty({ description: 'Card security code, 3 or 4 digits (never stored)' })
  @IsString({ message: 'card.cvc must be a string' })
  @Matches(/^\d{3,4}$/, { message: 'card.cvc must be 3 or 4 digits' })
  cvc!: string;
}

/** Body of `POST /admin/subscriptions` (README, "HTTP surface of the service"). */
export class CreateSubscriptionDto {
  @ApiPropertyOptional({ description: 'Our order id; generated when absent', example: 'SUB-1001' })
  @IsOptional()
  @Matches(PTS_ORDER_ID_PATTERN, { message: 'orderId must be 1 to 64 letters, digits, "_" or "-"' })
  orderId?: string;

  @ApiProperty({ description: 'Charged every period; decimal string', example: '499.00' })
  @IsString({ message: 'amount must be a decimal string such as "100.10", not a number' })
  @Matches(PTS_AMOUNT_PATTERN, {
    message: 'amount must be a decimal string with at most 6 decimal places',
  })
  @Matches(/[1-9]/, { message: 'amount must be greater than zero' })
  amount!: string;

  @ApiProperty({ example: 'PHP' })
  @IsString()
  @Length(3, 16)
  currency!: string;

  @ApiProperty({ example: 'CARD' })
  @IsString()
  @Length(1, 64)
  channel!: string;

  @ApiProperty({ type: SubscriptionCardDto })
  @IsObject({ message: 'card must be an object {number, expMonth, expYear, cvc}' })
  @ValidateNested()
  @Type(() => SubscriptionCardDto)
  card!: SubscriptionCardDto;

  @ApiProperty({ example: 'Juan' })
  @IsString()
  @Length(1, 64)
  firstName!: string;

  @ApiProperty({ example: 'Dela Cruz' })
  @IsString()
  @Length(1, 64)
  lastName!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 64)
  middleName?: string;

  @ApiProperty({ minimum: 1, maximum: 12, example: 1 })
  @IsInt({ message: 'periodCount must be a whole number from 1 to 12' })
  @Min(1, { message: 'periodCount must be a whole number from 1 to 12' })
  @Max(12, { message: 'periodCount must be a whole number from 1 to 12' })
  periodCount!: number;

  @ApiProperty({ enum: ['week', 'month', 'year'], example: 'month' })
  @IsIn(['week', 'month', 'year'], { message: 'periodUnit must be "week", "month" or "year"' })
  periodUnit!: 'week' | 'month' | 'year';

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsObject()
  details?: Record<string, string>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  remark?: string;

  @ApiPropertyOptional({ description: 'Merchant account name (a v2 account); default when absent' })
  @IsOptional()
  @IsString()
  account?: string;
}

export class ListSubscriptionsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: PTS_ORDER_STATUSES })
  @IsOptional()
  @IsIn(PTS_ORDER_STATUSES)
  status?: PtsOrderStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  account?: string;
}

export class ExchangeRatesQuery {
  @ApiPropertyOptional({ description: 'Trade currency; default PHP', example: 'PHP' })
  @IsOptional()
  @Matches(/^[A-Z][A-Z0-9-]{1,15}$/, { message: 'currency must be a currency code such as PHP' })
  currency?: string;

  @ApiPropertyOptional({ description: 'Merchant account name (a v1 account)' })
  @IsOptional()
  @IsString()
  account?: string;
}
