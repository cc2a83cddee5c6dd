import type { DynamicModule, ExecutionContext } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AdminController } from '../admin/admin.controller.js';
import { OpsController } from '../ops/ops.controller.js';

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
  // The service has three controllers: the admin API, operations (never limited), and the
  // module's callback routes, which are whatever is neither.
  const isAdmin = (context: ExecutionContext) => context.getClass() === AdminController;
  const isCallback = (context: ExecutionContext) =>
    !isAdmin(context) && context.getClass() !== OpsController;
  return ThrottlerModule.forRoot({
    throttlers: [
      {
        name: 'callbacks',
        limit: Math.max(limits.callbacks.limit, 1),
        ttl: limits.callbacks.windowMs,
        skipIf: (context) => limits.callbacks.limit <= 0 || !isCallback(context),
      },
      {
        name: 'admin',
        limit: Math.max(limits.admin.limit, 1),
        ttl: limits.admin.windowMs,
        skipIf: (context) => limits.admin.limit <= 0 || !isAdmin(context),
      },
    ],
    generateKey: (_context, tracker, name) => `${name}:${tracker}`,
    errorMessage: 'too many requests from this address; retry later',
  });
}
