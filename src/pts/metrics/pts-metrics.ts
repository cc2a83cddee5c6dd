import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of the PTS module, in a registry of its own (not prom-client's global one),
 * so that two apps in one process, or a host with its own metrics, never collide. The host
 * serves `registry.metrics()` (or merges it with `Registry.merge`). Other parts of the module
 * register their metrics on the same `registry`.
 */
@Injectable()
export class PtsMetrics {
  readonly registry = new Registry();

  /** One per HTTP exchange with PTS; `code` is the envelope code or what went wrong instead. */
  readonly requests = new Counter({
    name: 'pts_requests_total',
    help: 'Requests sent to PTS, by account, endpoint and outcome (envelope code, timeout, network, http_<status>, protocol, signature).',
    labelNames: ['account', 'endpoint', 'code'] as const,
    registers: [this.registry],
  });

  readonly requestDuration = new Histogram({
    name: 'pts_request_duration_seconds',
    help: 'Time from sending a request to PTS until its answer (or failure) arrived.',
    labelNames: ['account', 'endpoint'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly tokenRefreshes = new Counter({
    name: 'pts_token_refreshes_total',
    help: 'v1 access tokens fetched from PTS (random_code + token), by account.',
    labelNames: ['account'] as const,
    registers: [this.registry],
  });

  recordRequest(account: string, endpoint: string, code: string, seconds: number): void {
    this.requests.inc({ account, endpoint, code });
    this.requestDuration.observe({ account, endpoint }, seconds);
  }

  recordTokenRefresh(account: string): void {
    this.tokenRefreshes.inc({ account });
  }
}
