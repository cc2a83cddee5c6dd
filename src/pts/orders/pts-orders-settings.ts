import { parsePtsDelays } from './pts-durations.js';

/** Resolved settings of the order layer (defaults applied by the module's providers). */
export interface PtsOrdersSettings {
  /** How often idle job workers look for work (at least 500 ms); 0 runs no workers. */
  dispatchIntervalMs: number;
  /** How long a claimed outbox event is reserved for the delivery that claimed it. */
  dispatchLeaseMs: number;
  dispatchRetryBaseMs: number;
  dispatchRetryMaxMs: number;
  /** After this many failed deliveries an event is parked (`dead_at`). */
  dispatchMaxAttempts: number;
  /**
   * An order in `unknown` whose query answers "transaction not found" (1002) becomes `rejected`
   * only once it is at least this old: a create still in flight at PTS must not be written off.
   */
  unknownNotFoundGraceMs: number;
  /**
   * When a non-final order (`unknown`, `waiting`, `processing`, `expired`) is queried at PTS,
   * counted from its last status change; after the last one it is flagged `reconcile_exhausted`.
   */
  reconcileDelaysMs: readonly number[];
  /** Retries of a scheduled query that failed (gateway or database down), with backoff. */
  reconcileRetryLimit: number;
  /** First retry delay of a failed scheduled query; doubled each time, with jitter. */
  reconcileRetryDelayMs: number;
  /** Scheduled queries one instance runs at the same time. */
  reconcileConcurrency: number;
  /** Delivered host events are deleted this long after delivery. */
  retainDeliveredEventsMs: number;
  /** Bodies and headers of refused callbacks are cleared this long after receipt. */
  retainRefusedCallbacksMs: number;
  /** Expired v1 access tokens are deleted this long after they expired. */
  retainExpiredTokensMs: number;
  /**
   * PostgreSQL schema of the job tables (pg-boss); default `<the DataSource's schema>_jobs`,
   * or `pts_jobs` when the DataSource names no schema.
   */
  jobsSchema?: string;
}

/** What a host may set (`orders` of the module options); each field has a default. */
export type PtsOrdersOptions = Partial<Omit<PtsOrdersSettings, 'reconcileDelaysMs'>> & {
  /** `"1m,5m,15m,1h,6h,24h"`, or a list of such durations or of milliseconds. */
  reconcileDelays?: string | readonly (string | number)[];
};

export const PTS_ORDERS_SETTINGS = Symbol('PTS_ORDERS_SETTINGS');

/** docs/reconciliation.md: the schedule of `PTS_RECONCILE_DELAYS` (README, "Configuration"). */
export const DEFAULT_PTS_RECONCILE_DELAYS = '1m,5m,15m,1h,6h,24h';

const DAY_MS = 86_400_000;

export const DEFAULT_PTS_ORDERS_SETTINGS: PtsOrdersSettings = {
  dispatchIntervalMs: 1000,
  dispatchLeaseMs: 30_000,
  dispatchRetryBaseMs: 1000,
  dispatchRetryMaxMs: 300_000,
  dispatchMaxAttempts: 25,
  unknownNotFoundGraceMs: 60_000,
  reconcileDelaysMs: defaultDelays(),
  reconcileRetryLimit: 4,
  reconcileRetryDelayMs: 30_000,
  reconcileConcurrency: 2,
  retainDeliveredEventsMs: 7 * DAY_MS,
  retainRefusedCallbacksMs: 30 * DAY_MS,
  retainExpiredTokensMs: DAY_MS,
};

function defaultDelays(): readonly number[] {
  const parsed = parsePtsDelays(DEFAULT_PTS_RECONCILE_DELAYS);
  if ('problem' in parsed) throw new Error(`default reconcile delays ${parsed.problem}`);
  return Object.freeze(parsed.delaysMs);
}
