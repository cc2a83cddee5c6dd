import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Decimal } from 'decimal.js';
import type { PtsTransactionStatusCode } from '../pts/protocol/pts-codes.js';
import type { PtsApiVersion } from '../pts/protocol/pts-fields.js';
import { ptsTokenHash } from '../pts/protocol/pts-transaction-signature.js';
import { randomAlphanumeric } from './credentials.js';
import { PtsSandboxError } from './error.js';

export type PtsSandboxOrderKind = 'payment' | 'withdraw';

/** What a person does on the checkout page, or a test forces: B 5.1 outcomes. */
export type PtsSandboxOutcome = 'pay' | 'fail' | 'expire' | 'error';

/** An order as the gateway holds it. Amounts are decimal text, never floats. */
export interface PtsSandboxOrder {
  kind: PtsSandboxOrderKind;
  /** The API version the order was created through; callbacks use its field tables. */
  version: PtsApiVersion;
  userId: string;
  orderId: string;
  transactionId: string;
  channel: string;
  /** `submit_currency` / `submit_amount`: the merchant's request, exactly as sent. */
  currency: string;
  amount: string;
  acceptCurrency: string;
  acceptAmount: string;
  exchangeRate: string;
  status: PtsTransactionStatusCode;
  /** The `timestamp` of the merchant's request (sent back in the withdraw confirmation). */
  requestTimestamp: number;
  /** Unix seconds of the last status change: the `timestamp` of callbacks and queries. */
  statusTimestamp: number;
  createdAt: string;
  callbackUrl?: string;
  redirectUrl?: string;
  errorUrl?: string;
  payUrl?: string;
  qrCode?: string;
  referenceNumber?: string;
  errorMessage?: string;
  /** Withdrawals with a confirmation URL: where the confirmation stands. */
  confirmation?: 'pending' | 'confirmed' | 'rejected';
  history: { status: PtsTransactionStatusCode; at: string; cause: string }[];
}

interface StoredToken {
  userId: string;
  /** SHA-256 of the access token: the state file holds no usable token. */
  tokenHash: string;
  expiresAt: number;
}

interface StateFile {
  format: 'pts-sandbox-state';
  version: 1;
  orders: PtsSandboxOrder[];
  tokens: StoredToken[];
  balances: Record<string, Record<string, Record<string, string>>>;
  /** The port the sandbox last listened on: pay URLs it handed out point there. */
  port?: number;
}

const FINAL: readonly PtsTransactionStatusCode[] = ['2000', '3000'];
/** Statuses a withdrawal holds funds in (they may still pay out). */
const HOLDING: readonly PtsTransactionStatusCode[] = ['0000', '1000', '4000', '5000'];
const RANDOM_CODE_TTL_SECONDS = 300;
const MAX_TOKENS_PER_USER = 200;

export function isFinalStatus(status: PtsTransactionStatusCode): boolean {
  return FINAL.includes(status);
}

const unixNow = () => Math.floor(Date.now() / 1000);
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The statuses an outcome walks an order through, from where it stands (A8 / B 5.1): pay goes
 * through 1000 to 2000, expired orders may still be paid, final orders never move.
 */
export function plannedStatuses(
  order: Pick<PtsSandboxOrder, 'status' | 'orderId'>,
  outcome: PtsSandboxOutcome,
): PtsTransactionStatusCode[] {
  const from = order.status;
  if (isFinalStatus(from)) {
    throw new PtsSandboxError(
      'order_final',
      `PTS sandbox: order ${order.orderId} is final (${from}); it cannot be settled again`,
    );
  }
  switch (outcome) {
    case 'pay':
      return from === '0000' ? ['1000', '2000'] : ['2000'];
    case 'fail':
      return ['3000'];
    case 'expire':
    case 'error': {
      const to = outcome === 'expire' ? '5000' : '4000';
      // An expired order may still fail into an error; nothing else goes back to 4000/5000.
      const allowedFrom: PtsTransactionStatusCode[] =
        to === '5000' ? ['0000', '1000'] : ['0000', '1000', '5000'];
      if (!allowedFrom.includes(from)) {
        throw new PtsSandboxError(
          'transition_not_allowed',
          `PTS sandbox: order ${order.orderId} is ${from}; it cannot become ${to}`,
        );
      }
      return [to];
    }
  }
}

/**
 * Orders, balances and v1 tokens. In memory; with a state file, every change is written
 * through (whole file, atomically), so that a restart keeps orders and tokens.
 */
export class PtsSandboxStore {
  private readonly orders = new Map<string, PtsSandboxOrder>();
  private readonly byTransactionId = new Map<string, PtsSandboxOrder>();
  private readonly tokens = new Map<string, StoredToken>();
  private readonly randomCodes = new Map<string, { code: string; expiresAt: number }[]>();
  private readonly balances = new Map<string, Record<string, Record<string, string>>>();
  private listeningPort?: number;

  constructor(
    private readonly stateFile: string | undefined,
    openingBalances: ReadonlyMap<
      string,
      Readonly<Record<string, Readonly<Record<string, string>>>>
    >,
  ) {
    for (const [userId, balances] of openingBalances) {
      this.balances.set(userId, structuredClone(balances));
    }
    if (stateFile && existsSync(stateFile)) this.load(stateFile);
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
    this.save();
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
      throw new PtsSandboxError(
        'order_final',
        `PTS sandbox: order ${order.orderId} is final (${order.status})`,
      );
    }
    const at = new Date();
    order.status = status;
    order.statusTimestamp = Math.floor(at.getTime() / 1000);
    Object.assign(order, extra);
    order.history.push({ status, at: at.toISOString(), cause });
    if (status === '2000') this.book(order);
    this.save();
    return snapshot(order);
  }

  /** Saves a change made to an order in place (e.g. its confirmation state). */
  touch(): void {
    this.save();
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
    this.tokens.set(tokenHash, { userId, tokenHash, expiresAt });
    const mine = [...this.tokens.values()].filter((t) => t.userId === userId);
    for (const old of mine.slice(0, Math.max(0, mine.length - MAX_TOKENS_PER_USER))) {
      this.tokens.delete(old.tokenHash);
    }
    this.save();
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
    this.save();
  }

  // ---- the port (pay URLs carry it, so a restart should listen there again)

  get port(): number | undefined {
    return this.listeningPort;
  }

  set port(port: number | undefined) {
    if (port === this.listeningPort) return;
    this.listeningPort = port;
    this.save();
  }

  // ---- persistence

  private save(): void {
    if (!this.stateFile) return;
    const state: StateFile = {
      format: 'pts-sandbox-state',
      version: 1,
      orders: [...this.orders.values()],
      tokens: [...this.tokens.values()],
      balances: Object.fromEntries(this.balances),
      ...(this.listeningPort ? { port: this.listeningPort } : {}),
    };
    mkdirSync(dirname(this.stateFile), { recursive: true });
    const temporary = `${this.stateFile}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(state)}\n`, { mode: 0o600 });
    renameSync(temporary, this.stateFile);
  }

  private load(stateFile: string): void {
    let state: StateFile;
    try {
      state = JSON.parse(readFileSync(stateFile, 'utf8')) as StateFile;
    } catch (error) {
      throw new PtsSandboxError(
        'state_unreadable',
        `PTS sandbox: state file ${stateFile} is not JSON. Move it away to start with an empty sandbox.`,
        { cause: error },
      );
    }
    if (state?.format !== 'pts-sandbox-state' || state.version !== 1) {
      throw new PtsSandboxError(
        'state_unreadable',
        `PTS sandbox: ${stateFile} is not a sandbox state file (version 1). Move it away to start with an empty sandbox.`,
      );
    }
    for (const order of state.orders) {
      this.orders.set(key(order.userId, order.orderId), order);
      this.byTransactionId.set(order.transactionId, order);
    }
    for (const token of state.tokens) this.tokens.set(token.tokenHash, token);
    for (const [userId, balances] of Object.entries(state.balances)) {
      this.balances.set(userId, balances);
    }
    if (Number.isInteger(state.port) && state.port! > 0 && state.port! < 65536) {
      this.listeningPort = state.port;
    }
  }
}

function key(userId: string, orderId: string): string {
  return `${userId}\u0000${orderId}`;
}

export function snapshot(order: PtsSandboxOrder): PtsSandboxOrder {
  return structuredClone(order);
}
