import type { DynamicModule, ExecutionContext } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { PtsCallbacksController } from '../../pts/callbacks/pts-callbacks.controller.js';
import { AdminController } from '../admin/admin.controller.js';

/** At most `limit` requests per address in any `windowMs`; a limit of 0 switches it off. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

export interface RateLimits {
  /** `/pts/...`: generous, the gateway retries and bursts when many orders settle at once. */
  callbacks: RateLimit;
  admin: RateLimit;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  callbacks: { limit: 600, windowMs: 60_000 },
  admin: { limit: 300, windowMs: 60_000 },
};

/**
 * Per-address rate limits on the callback and admin routes (`@nestjs/throttler`, its guard as
 * `APP_GUARD`, so it runs before authentication and before a callback is processed). One
 * bucket per address and route group. Counters live in process memory, on purpose: a counter
 * in PostgreSQL would cost a write per request, which is the very load being limited, and would
 * fail with the database. With N instances behind a balancer an address gets up to N times the
 * limit (docs/hardening.md).
 */
export function rateLimitModule(limits: RateLimits): DynamicModule {
  const only =
    (controller: object, limit: RateLimit) =>
    (context: ExecutionContext): boolean =>
      limit.limit <= 0 || context.getClass() !== controller;
  return ThrottlerModule.forRoot({
    throttlers: [
      {
        name: 'callbacks',
        limit: Math.max(limits.callbacks.limit, 1),
        ttl: limits.callbacks.windowMs,
        skipIf: only(PtsCallbacksController, limits.callbacks),
      },
      {
        name: 'admin',
        limit: Math.max(limits.admin.limit, 1),
        ttl: limits.admin.windowMs,
        skipIf: only(AdminController, limits.admin),
      },
    ],
    generateKey: (_context, tracker, name) => `${name}:${tracker}`,
    errorMessage: 'too many requests from this address; retry later',
  });
}
