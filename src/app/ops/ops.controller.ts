import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { PtsAccounts, PtsMetrics } from 'pts-nest';

/** How long one look at the gateways serves `/health` (docs/hardening.md). */
export const GATEWAY_CHECK_CACHE_MS = 30_000;

type Reachability = Record<string, { reachable: boolean; ms?: number; reason?: string }>;

/**
 * Reports whether each account's gateway host answers at all; never fails the check. The
 * answer is kept for `GATEWAY_CHECK_CACHE_MS` and shared by concurrent calls, so that `/health`
 * cannot be used to make us send requests (one per call and account) to the gateway.
 */
@Injectable()
export class GatewayReachability {
  private cached?: { at: number; result: Promise<Reachability> };

  constructor(
    private readonly accounts: PtsAccounts,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check(key: string) {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > GATEWAY_CHECK_CACHE_MS) {
      this.cached = { at: now, result: this.probe() };
    }
    const accounts = await this.cached.result;
    // Reported in the body; a gateway outage must not take the service out of rotation.
    return this.indicator
      .check(key)
      .up({ accounts, checkedAt: new Date(this.cached.at).toISOString() });
  }

  private async probe(): Promise<Reachability> {
    const results = await Promise.all(
      this.accounts.all().map(async (account) => {
        const started = Date.now();
        try {
          // Any HTTP answer means the host is reachable; PTS itself only speaks POST.
          await fetch(account.baseUrl, { method: 'HEAD', signal: AbortSignal.timeout(1500) });
          return [account.name, { reachable: true, ms: Date.now() - started }] as const;
        } catch (error) {
          const reason = error instanceof Error ? error.name : 'error';
          return [account.name, { reachable: false, reason }] as const;
        }
      }),
    );
    return Object.fromEntries(results) as Reachability;
  }
}

/** `/health` and `/metrics` (README, "HTTP surface"). */
@ApiExcludeController()
@Controller()
export class OpsController {
  private readonly registry: Registry;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly gateway: GatewayReachability,
    metrics: PtsMetrics,
  ) {
    const process = new Registry();
    collectDefaultMetrics({ register: process });
    this.registry = Registry.merge([metrics.registry, process]);
  }

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 1500 }),
      () => this.gateway.check('gateway'),
    ]);
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
