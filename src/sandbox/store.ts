import { createHash, timingSafeEqual } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { PtsTransactionStatusCode } from '../pts/protocol/pts-codes.js';
import { ptsTokenHash } from '../pts/protocol/pts-transaction-signature.js';
import { randomAlphanumeric } from './credentials.js';
import { PtsSandboxError } from './error.js';
import { isFinalStatus, snapshot, type PtsSandboxOrder } from './order.js';
import { PtsSandboxStateFile, type PtsSandboxStateSnapshot } from './state-file.js';

interface StoredToken {
  userId: string;
  /** SHA-256 of the access token: the state file holds no usable token. */
  tokenHash: string;
  expiresAt: number;
}

/** currency -> channel -> amount (decimal text). */
type Balances = Record<string, Record<string, string>>;

/** One line of the state file after its snapshot: what changed, replayed at start. */
type StateChange =
  /** An order as it now stands; with the merchant's balances when the change booked it. */
  | { op: 'order'; order: PtsSandboxOrder; balances?: Balances }
  /** A token issued, and the merchant's oldest ones dropped to make room. */
  | { op: 'token'; token: StoredToken; dropped?: string[] }
  | { op: 'expire-tokens'; userId?: string }
  | { op: 'port'; port: number };

type Snapshot = PtsSandboxStateSnapshot<PtsSandboxOrder, StoredToken, Balances>;

/** Statuses a withdrawal holds funds in (they may still pay out). */
const HOLDING: readonly PtsTransactionStatusCode[] = ['0000', '1000', '4000', '5000'];
const RANDOM_CODE_TTL_SECONDS = 300;
const MAX_TOKENS_PER_USER = 200;

const unixNow = () => Math.floor(Date.now() / 1000);
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Orders, balances and v1 tokens. In memory; with a state file, every change is appended to
 * it as one line (state-file.ts), so that a restart keeps orders and tokens.
 */
export class PtsSandboxStore {
  private readonly orders = new Map<string, PtsSandboxOrder>();
  private readonly byTransactionId = new Map<string, PtsSandboxOrder>();
  private readonly tokens = new Map<string, StoredToken>();
  private readonly randomCodes = new Map<string, { code: string; expiresAt: number }[]>();
  private readonly balances = new Map<string, Balances>();
  private readonly file?: PtsSandboxStateFile<PtsSandboxOrder, StoredToken, Balances, StateChange>;
  private listeningPort?: number;

  constructor(
    stateFile: string | undefined,
    openingBalances: ReadonlyMap<
      string,
      Readonly<Record<string, Readonly<Record<string, string>>>>
    >,
    log: (line: string) => void = () => undefined,
  ) {
    for (const [userId, balances] of openingBalances) {
      this.balances.set(userId, structuredClone(balances));
    }
    if (stateFile) {
      this.file = new PtsSandboxStateFile(stateFile);
      this.load(this.file, log);
    }
  }

  // ---- orders

  get(userId: string, orderId: string): PtsSandboxOrder | undefined {
    return this.orders.get(key(userId, orderId));
  }

  getByTransactionId(transactionId: string): PtsSandboxOrder | undefined {
    return this.byTransactionId.get(transactionId);
  }

  hasTransactionId(transactionId: string): boolean {
    return this.byTransactionId.has(transactionId);
  }

  all(): PtsSandboxOrder[] {
    return [...this.orders.values()];
  }

  /** Adds a new order; false when the merchant already has this `order_id` (B: 1003). */
  add(order: PtsSandboxOrder): boolean {
    const k = key(order.userId, order.orderId);
    if (this.orders.has(k)) return false;
    this.orders.set(k, order);
    this.byTransactionId.set(order.transactionId, order);
    this.save({ op: 'order', order });
    return true;
  }

  /** Moves an order to `status` and returns a snapshot of it after the move. */
  transition(
    order: PtsSandboxOrder,
    status: PtsTransactionStatusCode,
    cause: string,
    extra: Partial<Pick<PtsSandboxOrder, 'errorMessage' | 'referenceNumber'>> = {},
  ): PtsSandboxOrder {
    if (isFinalStatus(order.status)) {
      throw new PtsSandboxError({
        code: 'order_final',
        message: `PTS sandbox: order ${order.orderId} is final (${order.status})`,
      });
    }
    const at = new Date();
    order.status = status;
    order.statusTimestamp = Math.floor(at.getTime() / 1000);
    Object.assign(order, extra);
    order.history.push({ status, at: at.toISOString(), cause });
    if (status === '2000') {
      this.book(order);
      this.save({ op: 'order', order, balances: this.balancesOf(order.userId) });
    } else {
      this.save({ op: 'order', order });
    }
    return snapshot(order);
  }

  /** Saves a change made to an order in place (e.g. its confirmation state). */
  touch(order: PtsSandboxOrder): void {
    this.save({ op: 'order', order });
  }

  private book(order: PtsSandboxOrder): void {
    const balances = this.balancesOf(order.userId);
    const byChannel = (balances[order.acceptCurrency] ??= {});
    const current = new Decimal(byChannel[order.channel] ?? '0');
    byChannel[order.channel] =
      order.kind === 'payment'
        ? current.plus(order.acceptAmount).toFixed()
        : current.minus(order.amount).toFixed();
  }

  // ---- balances (B 4.7)

  /** currency -> channel -> `{total, available}`; available excludes withdrawals in flight. */
  balanceSheet(
    userId: string,
  ): Record<string, Record<string, { total: string; available: string }>> {
    const sheet: Record<string, Record<string, { total: string; available: string }>> = {};
    for (const [currency, channels] of Object.entries(this.balancesOf(userId))) {
      sheet[currency] = {};
      for (const [channel, total] of Object.entries(channels)) {
        sheet[currency][channel] = { total, available: total };
      }
    }
    for (const order of this.orders.values()) {
      if (order.userId !== userId || order.kind !== 'withdraw') continue;
      if (!HOLDING.includes(order.status)) continue;
      const entry = (sheet[order.currency] ??= {})[order.channel] ?? {
        total: '0',
        available: '0',
      };
      entry.available = new Decimal(entry.available).minus(order.amount).toFixed();
      sheet[order.currency][order.channel] = entry;
    }
    return sheet;
  }

  private balancesOf(userId: string): Record<string, Record<string, string>> {
    let balances = this.balances.get(userId);
    if (!balances) {
      balances = {};
      this.balances.set(userId, balances);
    }
    return balances;
  }

  // ---- v1 access tokens (B 3)

  issueRandomCode(userId: string): { code: string; expiresIn: number; expiresAt: number } {
    const code = randomAlphanumeric(32);
    const expiresAt = unixNow() + RANDOM_CODE_TTL_SECONDS;
    const live = (this.randomCodes.get(userId) ?? []).filter((c) => c.expiresAt > unixNow());
    live.push({ code, expiresAt });
    this.randomCodes.set(userId, live.slice(-20));
    return { code, expiresIn: RANDOM_CODE_TTL_SECONDS, expiresAt };
  }

  /** True when `hash` is sha256(random code + user id + safecode) of a live code; uses it up. */
  redeemRandomCode(userId: string, safecode: string, hash: string): boolean {
    const live = (this.randomCodes.get(userId) ?? []).filter((c) => c.expiresAt > unixNow());
    const given = Buffer.from(hash.toLowerCase(), 'utf8');
    const match = live.find((c) => {
      const expected = Buffer.from(ptsTokenHash(c.code, userId, safecode), 'utf8');
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    if (match)
      this.randomCodes.set(
        userId,
        live.filter((c) => c !== match),
      );
    return match !== undefined;
  }

  issueToken(userId: string, ttlSeconds: number): { accessToken: string; expiresAt: number } {
    const accessToken = randomAlphanumeric(48);
    const expiresAt = unixNow() + ttlSeconds;
    const tokenHash = sha256(accessToken);
    const token = { userId, tokenHash, expiresAt };
    this.tokens.set(tokenHash, token);
    const dropped = this.dropOldTokens(userId);
    this.save({ op: 'token', token, ...(dropped.length > 0 ? { dropped } : {}) });
    return { accessToken, expiresAt };
  }

  findToken(accessToken: string): { userId: string; expired: boolean } | undefined {
    const token = this.tokens.get(sha256(accessToken));
    return token && { userId: token.userId, expired: token.expiresAt <= unixNow() };
  }

  expireTokens(userId?: string): void {
    for (const token of this.tokens.values()) {
      if (userId === undefined || token.userId === userId) token.expiresAt = 0;
    }
    this.save({ op: 'expire-tokens', ...(userId === undefined ? {} : { userId }) });
  }

  /** A merchant keeps its `MAX_TOKENS_PER_USER` newest tokens; returns the hashes dropped. */
  private dropOldTokens(userId: string): string[] {
    const mine = [...this.tokens.values()].filter((t) => t.userId === userId);
    const old = mine.slice(0, Math.max(0, mine.length - MAX_TOKENS_PER_USER));
    for (const token of old) this.tokens.delete(token.tokenHash);
    return old.map((t) => t.tokenHash);
  }

  // ---- the port (pay URLs carry it, so a restart should listen there again)

  get port(): number | undefined {
    return this.listeningPort;
  }

  set port(port: number | undefined) {
    if (port === this.listeningPort || port === undefined) return;
    this.listeningPort = port;
    this.save({ op: 'port', port });
  }

  // ---- persistence

  /** Compacts the state file into one snapshot line and closes it. */
  close(): void {
    if (!this.file) return;
    if (!this.file.compacted) this.file.compact(this.snapshotState());
    this.file.release();
  }

  private save(change: StateChange): void {
    this.file?.append(change, () => this.snapshotState());
  }

  private snapshotState(): Snapshot {
    return {
      orders: [...this.orders.values()],
      tokens: [...this.tokens.values()],
      balances: Object.fromEntries(this.balances),
      ...(this.listeningPort ? { port: this.listeningPort } : {}),
    };
  }

  private load(
    file: PtsSandboxStateFile<PtsSandboxOrder, StoredToken, Balances, StateChange>,
    log: (line: string) => void,
  ): void {
    const read = file.load();
    if (!read) return;
    const { snapshot: state, changes, tornTail } = read;
    for (const order of state.orders) this.putOrder(order);
    for (const token of state.tokens) this.tokens.set(token.tokenHash, token);
    for (const [userId, balances] of Object.entries(state.balances)) {
      this.balances.set(userId, balances);
    }
    if (state.port !== undefined) this.setPort(state.port);
    for (const change of changes) this.replay(change, file.path);
    if (tornTail) {
      log(`state file ${file.path}: dropped a torn last line (a change cut short by a crash)`);
    }
    if (!file.compacted) file.compact(this.snapshotState());
  }

  private replay(change: StateChange, path: string): void {
    switch (change?.op) {
      case 'order':
        this.putOrder(change.order);
        if (change.balances) this.balances.set(change.order.userId, change.balances);
        return;
      case 'token':
        this.tokens.set(change.token.tokenHash, change.token);
        for (const hash of change.dropped ?? []) this.tokens.delete(hash);
        return;
      case 'expire-tokens':
        for (const token of this.tokens.values()) {
          if (change.userId === undefined || token.userId === change.userId) token.expiresAt = 0;
        }
        return;
      case 'port':
        this.setPort(change.port);
        return;
      default:
        throw new PtsSandboxError({
          code: 'state_unreadable',
          message: `PTS sandbox: state file ${path} holds a change this sandbox does not know. Move it away to start with an empty sandbox.`,
        });
    }
  }

  private putOrder(order: PtsSandboxOrder): void {
    this.orders.set(key(order.userId, order.orderId), order);
    this.byTransactionId.set(order.transactionId, order);
  }

  private setPort(port: number | undefined): void {
    if (Number.isInteger(port) && port! > 0 && port! < 65536) this.listeningPort = port;
  }
}

function key(userId: string, orderId: string): string {
  return `${userId}\u0000${orderId}`;
}
