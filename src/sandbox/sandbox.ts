import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ptsResponseBody } from '../pts/protocol/pts-envelope.js';
import { PtsSandboxCheckout } from './checkout.js';
import { PtsSandboxControl, type PtsSandboxMerchantInfo } from './control.js';
import { PtsSandboxDeliveries, type PtsSandboxDeliveryRecord } from './deliveries.js';
import { PtsSandboxError } from './error.js';
import { PtsSandboxFaults, type PtsSandboxActiveFault, type PtsSandboxFault } from './faults.js';
import { PtsSandboxGateway, type PtsSandboxRequestRecord } from './gateway.js';
import { escapeHtml, send } from './http.js';
import { PtsSandboxLifecycle } from './lifecycle.js';
import {
  PTS_SANDBOX_DEFAULT_BALANCES,
  resolvePtsSandboxOptions,
  type PtsSandboxOptions,
  type PtsSandboxSettings,
} from './options.js';
import { snapshot, type PtsSandboxOrder, type PtsSandboxOutcome } from './order.js';
import { PtsSandboxStore } from './store.js';
import {
  PtsSandboxSubscriptions,
  type PtsSandboxChargeOutcome,
  type PtsSandboxSubscription,
} from './subscriptions.js';
import { PtsSandboxTimers } from './timers.js';

/** Records kept in memory; the oldest go first. */
const MAX_RECORDS = 10_000;

/**
 * A PTS gateway simulator over real HTTP (plain `node:http`, for exact control over bytes,
 * delays and dropped sockets). It plays the gateway's side of docs/protocol.md for v1 and v2,
 * serves a checkout page, delivers signed callbacks, and injects faults on request.
 *
 * ```ts
 * const sandbox = await PtsSandbox.start({ gatewayPrivateKey, merchants: [merchant] });
 * // ... point a PTS client at sandbox.url ...
 * await sandbox.stop();
 * ```
 */
export class PtsSandbox {
  private readonly server: Server;
  private readonly store: PtsSandboxStore;
  private readonly faultList = new PtsSandboxFaults();
  private readonly timers: PtsSandboxTimers;
  private readonly deliveryQueue: PtsSandboxDeliveries;
  private readonly lifecycle: PtsSandboxLifecycle;
  private readonly gateway: PtsSandboxGateway;
  private readonly checkout: PtsSandboxCheckout;
  private readonly control: PtsSandboxControl;
  private readonly subscriptionBook: PtsSandboxSubscriptions;
  private readonly requestRecords: PtsSandboxRequestRecord[] = [];
  private readonly deliveryRecords: PtsSandboxDeliveryRecord[] = [];
  private readonly listeners = new Set<() => void>();
  private listeningUrl = '';
  private stopping?: Promise<void>;

  private constructor(private readonly settings: PtsSandboxSettings) {
    this.timers = new PtsSandboxTimers((error) =>
      settings.log(
        `background task failed: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
    this.store = new PtsSandboxStore(
      settings.stateFile,
      new Map(
        settings.accounts.map((a) => [
          a.userId,
          a.merchant.balances ?? PTS_SANDBOX_DEFAULT_BALANCES,
        ]),
      ),
      settings.log,
    );
    this.deliveryQueue = new PtsSandboxDeliveries(settings, this.faultList, this.timers, (r) =>
      this.push(this.deliveryRecords, r),
    );
    this.lifecycle = new PtsSandboxLifecycle(
      settings,
      this.store,
      this.deliveryQueue,
      this.timers,
      (userId) => this.gateway.account(userId),
    );
    this.subscriptionBook = new PtsSandboxSubscriptions(
      settings,
      this.timers,
      this.deliveryQueue,
      (userId) => this.gateway.account(userId),
      (userId, orderId) => this.store.get(userId, orderId) !== undefined,
    );
    this.gateway = new PtsSandboxGateway({
      subscriptions: this.subscriptionBook,
      settings,
      store: this.store,
      faults: this.faultList,
      timers: this.timers,
      lifecycle: this.lifecycle,
      record: (r) => this.push(this.requestRecords, r),
      publicBase: () => settings.publicUrl ?? this.listeningUrl,
    });
    this.checkout = new PtsSandboxCheckout({
      orderByTransactionId: (id) => this.store.getByTransactionId(id),
      settleOrder: (order, outcome, cause) => this.lifecycle.settle(order, outcome, cause),
    });
    this.control = new PtsSandboxControl(this);
    this.server = createServer((req, res) => {
      void this.timers.track(this.dispatch(req, res));
    });
  }

  /** Checks the options, listens, and resumes withdrawals kept in the state file. */
  static async start(options: PtsSandboxOptions): Promise<PtsSandbox> {
    const settings = resolvePtsSandboxOptions(options);
    const sandbox = new PtsSandbox(settings);
    for (const fault of options.faults ?? []) sandbox.setFault(fault);
    // With a state file and no port asked for, the port of the last run: the pay URLs and
    // checkout links handed out then keep working. Taken by something else: a free one.
    const remembered = settings.port === 0 ? sandbox.store.port : undefined;
    try {
      await sandbox.listen(remembered ?? settings.port);
    } catch (error) {
      if (remembered === undefined || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        throw error;
      }
      settings.log(`port ${remembered} of the last run is taken; links handed out then break`);
      await sandbox.listen(0);
    }
    const { port } = sandbox.server.address() as AddressInfo;
    if (settings.stateFile) sandbox.store.port = port;
    const host = ['0.0.0.0', '::', ''].includes(settings.host)
      ? '127.0.0.1'
      : settings.host.includes(':')
        ? `[${settings.host}]`
        : settings.host;
    sandbox.listeningUrl = `http://${host}:${port}`;
    sandbox.lifecycle.resume();
    settings.log(`PTS sandbox listening on ${sandbox.listeningUrl}`);
    return sandbox;
  }

  private listen(port: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.settings.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Base URL a PTS client uses, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    return this.listeningUrl;
  }

  /** Every merchant -> gateway request, oldest first. */
  get requests(): readonly PtsSandboxRequestRecord[] {
    return this.requestRecords;
  }

  /** Every callback and confirmation attempt, oldest first. */
  get deliveries(): readonly PtsSandboxDeliveryRecord[] {
    return this.deliveryRecords;
  }

  /** The active faults with their remaining uses. */
  get faults(): readonly PtsSandboxActiveFault[] {
    return this.faultList.list();
  }

  get merchants(): readonly PtsSandboxMerchantInfo[] {
    return this.settings.accounts.map((a) => ({
      userId: a.userId,
      guid: a.guid,
      withdrawConfirmUrl: a.merchant.withdrawConfirmUrl,
      currencies: a.currencies,
    }));
  }

  /** Adds a fault (checked; throws `PtsSandboxError` naming a wrong field). */
  setFault(fault: PtsSandboxFault): void {
    this.faultList.add(fault);
    this.settings.log(`fault set: ${JSON.stringify(fault)}`);
  }

  clearFaults(): void {
    this.faultList.clear();
    this.settings.log('faults cleared');
  }

  /**
   * What the checkout buttons do for a payment (pay: 1000 then 2000; fail: 3000; expire: 5000;
   * error: 4000), or a forced outcome for a withdrawal. Resolves once the change is committed;
   * its callbacks follow in the background.
   */
  async settle(userId: string, orderId: string, outcome: PtsSandboxOutcome): Promise<void> {
    const order = this.store.get(userId, orderId);
    if (!order) {
      throw new PtsSandboxError({
        code: 'unknown_order',
        message: `PTS sandbox: merchant ${userId} has no order ${orderId}`,
      });
    }
    this.lifecycle.settle(order, outcome, `settle: ${outcome}`);
  }

  /** A copy of an order as the gateway holds it. */
  order(userId: string, orderId: string): PtsSandboxOrder | undefined {
    const order = this.store.get(userId, orderId);
    return order && snapshot(order);
  }

  orders(userId?: string): PtsSandboxOrder[] {
    return this.store
      .all()
      .filter((o) => userId === undefined || o.userId === userId)
      .map(snapshot);
  }

  /** A copy of a subscription as the gateway holds it (the card as its last four digits). */
  subscription(userId: string, orderId: string): PtsSandboxSubscription | undefined {
    return this.subscriptionBook.get(userId, orderId);
  }

  subscriptions(userId?: string): PtsSandboxSubscription[] {
    return this.subscriptionBook.all(userId);
  }

  /** Makes one payment of a subscription now (2000 for `pay`, 3000 for `fail`); its callback follows. */
  chargeSubscription(
    userId: string,
    orderId: string,
    outcome: PtsSandboxChargeOutcome = 'pay',
  ): PtsSandboxSubscription {
    return this.subscriptionBook.charge(userId, orderId, outcome);
  }

  /** v1: every token issued so far (to `userId`, or to anyone) now answers 1016. */
  expireTokens(userId?: string): void {
    this.store.expireTokens(userId);
  }

  /** Resolves once `predicate` holds for the deliveries; rejects after `timeoutMs`. */
  waitForDeliveries(
    predicate: (deliveries: readonly PtsSandboxDeliveryRecord[]) => boolean,
    timeoutMs = 5000,
  ): Promise<void> {
    return this.waitFor(
      'deliveries',
      () => predicate(this.deliveryRecords),
      timeoutMs,
      () =>
        this.deliveryRecords
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
    timeoutMs = 5000,
  ): Promise<void> {
    return this.waitFor(
      'requests',
      () => predicate(this.requestRecords),
      timeoutMs,
      () =>
        this.requestRecords.map((r) => `${r.endpoint} ${r.orderId ?? ''} -> ${r.code}`).join('; '),
    );
  }

  /**
   * Closes the server, cancels timers and retries, waits for work in flight, and compacts the
   * state file.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeAllConnections();
      await this.timers.stop();
      this.server.closeAllConnections();
      await closed;
      this.store.close();
      this.settings.log('PTS sandbox stopped');
    })();
    return this.stopping;
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

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname;
    try {
      if (path.startsWith('/sandbox/checkout/')) {
        const transactionId = decodeURIComponent(path.slice('/sandbox/checkout/'.length));
        return await this.checkout.handle(req, res, transactionId);
      }
      if (path === '/sandbox/control' || path.startsWith('/sandbox/control/')) {
        return await this.control.handle(req, res, path, url.searchParams);
      }
      const route = this.gateway.route(path);
      if (route) return await this.gateway.handle(req, res, route, path);
      if (path.startsWith('/merchant/')) return this.gateway.notFound(req, res, path);
      if (
        (path === '/' || path === '/sandbox') &&
        (req.method === 'GET' || req.method === 'HEAD')
      ) {
        return send(res, 200, 'text/html; charset=utf-8', this.indexPage());
      }
      send(res, 404, 'text/plain', 'Not found\n');
    } catch (error) {
      this.settings.log(
        `sandbox fault on ${req.method ?? ''} ${path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      send(res, 500, 'application/json', ptsResponseBody('9999', 'Unrecognized server error'));
    }
  }

  private indexPage(): string {
    const rows = this.merchants
      .map(
        (m) =>
          `<li>user_id <code>${escapeHtml(m.userId)}</code>, v2 base <code>/merchant/v2/${escapeHtml(m.guid)}</code></li>`,
      )
      .join('');
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>PTS sandbox</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto">
<h1>PTS sandbox gateway</h1>
<p>A simulator of the PTS (PagarStar) merchant API, v1 and v2. No real money moves.</p>
<ul>${rows}</ul>
<p>Control API (sandbox only, unauthenticated): <a href="/sandbox/control">/sandbox/control</a></p>
</body></html>
`;
  }
}
