import {
  BadRequestException,
  createParamDecorator,
  type ExecutionContext,
  type PipeTransform,
} from '@nestjs/common';
import { registerDecorator, type ValidationOptions } from 'class-validator';
import type { Request } from 'express';

/**
 * The admin API's time filters: an ISO 8601 calendar date, optionally with a time and a zone
 * (`2024-05-01`, `2024-05-01T10:00:00Z`, `2024-05-01T10:00:00.123+08:00`), a real date of years
 * 1970 to 9999. Week dates (`2024-W01`), ordinal dates and comma decimals are refused: they
 * pass looser ISO checks and then turn into no date at all.
 */
const ADMIN_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2}):(\d{2}))?)?$/;

export function isAdminTime(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = ADMIN_TIME.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1970 || month < 1 || month > 12 || day < 1) return false;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) {
    return false;
  }
  if (m[7] !== undefined && (Number(m[7]) > 14 || Number(m[8]) > 59)) return false;
  return !Number.isNaN(Date.parse(value));
}

export function IsAdminTime(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isAdminTime',
      target: target.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be an ISO 8601 date such as 2024-05-01 or 2024-05-01T10:00:00Z`,
        ...options,
      },
      validator: { validate: isAdminTime },
    });
}

/** The `Idempotency-Key` header: 1 to 255 visible ASCII characters, or absent. */
export const IdempotencyKey = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string | undefined => {
    const value = context.switchToHttp().getRequest<Request>().headers['idempotency-key'];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(value)) {
      throw new BadRequestException(
        'Idempotency-Key must be 1 to 255 visible ASCII characters (e.g. a UUID)',
      );
    }
    return value;
  },
);

/** A stored callback's id: a positive decimal integer that fits PostgreSQL's bigint. */
export class CallbackIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[1-9]\d{0,18}$/.test(value) || BigInt(value) > 9223372036854775807n) {
      throw new BadRequestException('id must be a callback id: a positive decimal integer');
    }
    return value;
  }
}
