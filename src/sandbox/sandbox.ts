import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ptsResponseBody } from '../pts/protocol/pts-envelope.js';
import { PtsSandboxCheckout } from './checkout.js';
import { PtsSandboxControl, type PtsSandboxMerchantInfo } from './control.js';
import { PtsSandboxDeliveries } from './deliveries.js';
import { PtsSandboxDeliveryLog, type PtsSandboxDeliveryRecord } from './delivery-record.js';
import { PtsSandboxError } from './error.js';
import { PtsSandboxFaults, type PtsSandboxActiveFault, type PtsSandboxFault } from './faults.js';
import { PtsSandboxGateway, type PtsSandboxRequestRecord } from './gateway.js';
import { send } from './http.js';
import { PtsSandboxLifecycle } from './lifecycle.js';
import {
  PTS_SANDBOX_DEFAULT_BALANCES,
  resolvePtsSandboxOptions,
  type PtsSandboxOptions,
  type PtsSandboxSettings,
} from './options.js';
import { indexPage } from './pages.js';
import { snapshot, type PtsSandboxOrder, type PtsSandboxOutcome } from './order.js';
import { PtsSandboxRecords } from './records.js';
import { PtsSandboxStore } from './store.js';
import {
  PtsSandboxSubscriptions,
  type PtsSandboxChargeOutcome,
  type PtsSandboxSubscription,
} from './subscriptions.js';
import { PtsSandboxTimers } from './timers.js';
import { PtsSandboxWithdrawConfirm } from './withdraw-confirm.js';

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
  private readonly records = new PtsSandboxRecords();
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
    const deliveryLog = new PtsSandboxDeliveryLog(settings, this.records.pushDelivery);
    this.deliveryQueue = new PtsSandboxDeliveries(
      settings,
      this.faultList,
      this.timers,
      deliveryLog,
    );
    this.lifecycle = new PtsSandboxLifecycle(
      settings,
      this.store,
      this.deliveryQueue,
      new PtsSandboxWithdrawConfirm(settings, this.faultList, this.timers, deliveryLog),
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
      record: this.records.pushRequest,
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
    return this.records.requests;
  }

  /** Every callback and confirmation attempt, oldest first. */
  get deliveries(): readonly PtsSandboxDeliveryRecord[] {
    return this.records.deliveries;
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
    return this.records.waitForDeliveries(predicate, timeoutMs);
  }

  /** Resolves once `predicate` holds for the requests; rejects after `timeoutMs`. */
  waitForRequests(
    predicate: (requests: readonly PtsSandboxRequestRecord[]) => boolean,
    timeoutMs = 5000,
  ): Promise<void> {
    return this.records.waitForRequests(predicate, timeoutMs);
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
        return send(res, 200, 'text/html; charset=utf-8', indexPage(this.merchants));
      }
      send(res, 404, 'text/plain', 'Not found\n');
    } catch (error) {
      this.settings.log(
        `sandbox fault on ${req.method ?? ''} ${path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      send(res, 500, 'application/json', ptsResponseBody('9999', 'Unrecognized server error'));
    }
  }
}
