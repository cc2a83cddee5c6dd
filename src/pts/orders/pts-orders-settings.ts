/** Resolved settings of the order layer (defaults applied by the module's providers). */
export interface PtsOrdersSettings {
  /** How often the outbox is polled when nothing nudges it; 0 disables the loop. */
  dispatchIntervalMs: number;
  /** How long a claimed outbox row is reserved for the instance that claimed it. */
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
}

export const PTS_ORDERS_SETTINGS = Symbol('PTS_ORDERS_SETTINGS');

export const DEFAULT_PTS_ORDERS_SETTINGS: PtsOrdersSettings = {
  dispatchIntervalMs: 1000,
  dispatchLeaseMs: 30_000,
  dispatchRetryBaseMs: 1000,
  dispatchRetryMaxMs: 300_000,
  dispatchMaxAttempts: 25,
  unknownNotFoundGraceMs: 60_000,
};
