import type { PtsSandboxDeliveryRecord } from './delivery-record.js';
import { PtsSandboxError } from './error.js';
import type { PtsSandboxRequestRecord } from './gateway.js';

/** Records kept in memory; the oldest go first. */
const MAX_RECORDS = 10_000;

/**
 * What the sandbox saw, for tests and the control API: every merchant -> gateway request and
 * every delivery attempt, oldest first, and waits on them that end as soon as a new record
 * makes the condition true (no polling).
 */
export class PtsSandboxRecords {
  readonly requests: PtsSandboxRequestRecord[] = [];
  readonly deliveries: PtsSandboxDeliveryRecord[] = [];
  private readonly listeners = new Set<() => void>();

  readonly pushRequest = (record: PtsSandboxRequestRecord): void =>
    this.push(this.requests, record);

  readonly pushDelivery = (record: PtsSandboxDeliveryRecord): void =>
    this.push(this.deliveries, record);

  /** Resolves once `predicate` holds for the deliveries; rejects after `timeoutMs`. */
  waitForDeliveries(
    predicate: (deliveries: readonly PtsSandboxDeliveryRecord[]) => boolean,
    timeoutMs: number,
  ): Promise<void> {
    return this.waitFor(
      'deliveries',
      () => predicate(this.deliveries),
      timeoutMs,
      () =>
        this.deliveries
          .map(
            (d) =>
              `${d.kind} ${d.orderId} ${d.status ?? ''} #${d.attempt} ${d.accepted ? 'ok' : 'not ok'}`,
          )
          .join('; '),
    );
  }

  /** Resolves once `predicate` holds for the requests; rejects after `timeoutMs`. */
  waitForRequests(
    predicate: (requests: readonly PtsSandboxRequestRecord[]) => boolean,
    timeoutMs: number,
  ): Promise<void> {
    return this.waitFor(
      'requests',
      () => predicate(this.requests),
      timeoutMs,
      () => this.requests.map((r) => `${r.endpoint} ${r.orderId ?? ''} -> ${r.code}`).join('; '),
    );
  }

  private waitFor(
    what: string,
    condition: () => boolean,
    timeoutMs: number,
    describe: () => string,
  ): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new PtsSandboxError({
            code: 'wait_timeout',
            message: `PTS sandbox: ${what} did not reach the expected state within ${timeoutMs} ms. Seen: ${describe() || 'none'}`,
          }),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
    });
  }

  private push<T>(records: T[], record: T): void {
    records.push(record);
    if (records.length > MAX_RECORDS) records.splice(0, records.length - MAX_RECORDS);
    for (const listener of [...this.listeners]) listener();
  }
}
