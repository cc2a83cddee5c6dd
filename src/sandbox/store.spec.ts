import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PtsTransactionStatusCode } from '../pts/protocol/pts-codes.js';
import { ptsTokenHash } from '../pts/protocol/pts-transaction-signature.js';
import { plannedStatuses, type PtsSandboxOrder, type PtsSandboxOutcome } from './order.js';
import { PTS_SANDBOX_COMPACT_MIN_BYTES } from './state-file.js';
import { PtsSandboxStore } from './store.js';

function order(overrides: Partial<PtsSandboxOrder> = {}): PtsSandboxOrder {
  return {
    kind: 'withdraw',
    version: 'v2',
    userId: '1',
    orderId: 'O1',
    transactionId: 'W1',
    channel: 'QRPH_INSTAPAY',
    currency: 'PHP',
    amount: '250.50',
    acceptCurrency: 'PHP',
    acceptAmount: '250.50',
    exchangeRate: '1',
    status: '0000',
    requestTimestamp: 1704067200,
    statusTimestamp: 1704067200,
    createdAt: '2024-01-01T00:00:00.000Z',
    history: [],
    ...overrides,
  };
}

describe('plannedStatuses', () => {
  it.each<[PtsTransactionStatusCode, PtsSandboxOutcome, PtsTransactionStatusCode[]]>([
    ['0000', 'pay', ['1000', '2000']],
    ['1000', 'pay', ['2000']],
    ['5000', 'pay', ['2000']],
    ['4000', 'pay', ['2000']],
    ['0000', 'fail', ['3000']],
    ['5000', 'fail', ['3000']],
    ['0000', 'expire', ['5000']],
    ['1000', 'expire', ['5000']],
    ['0000', 'error', ['4000']],
    ['5000', 'error', ['4000']],
  ])('from %s, %s walks through %j', (status, outcome, expected) => {
    expect(plannedStatuses({ status, orderId: 'O' }, outcome)).toEqual(expected);
  });

  it.each<[PtsTransactionStatusCode, PtsSandboxOutcome, RegExp]>([
    ['2000', 'pay', /final/],
    ['3000', 'fail', /final/],
    ['5000', 'expire', /cannot become 5000/],
    ['4000', 'expire', /cannot become 5000/],
    ['4000', 'error', /cannot become 4000/],
  ])('refuses %s -> %s', (status, outcome, message) => {
    expect(() => plannedStatuses({ status, orderId: 'O' }, outcome)).toThrow(message);
  });
});

describe('PtsSandboxStore', () => {
  const directory = mkdtempSync(join(tmpdir(), 'pts-sandbox-store-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('refuses a second order with the same order_id for the same merchant only', () => {
    const store = new PtsSandboxStore(undefined, new Map());
    expect(store.add(order())).toBe(true);
    expect(store.add(order({ transactionId: 'W2' }))).toBe(false);
    expect(store.add(order({ userId: '2', transactionId: 'W3' }))).toBe(true);
  });

  it('holds withdrawals in flight out of the available balance and books them when paid', () => {
    const store = new PtsSandboxStore(
      undefined,
      new Map([['1', { PHP: { QRPH_INSTAPAY: '1000.00' } }]]),
    );
    const o = order();
    store.add(o);
    expect(store.balanceSheet('1').PHP.QRPH_INSTAPAY).toEqual({
      total: '1000.00',
      available: '749.5',
    });
    store.transition(o, '1000', 'test');
    const snapshot = store.transition(o, '2000', 'test');
    expect(snapshot.history.map((h) => h.status)).toEqual(['1000', '2000']);
    expect(store.balanceSheet('1').PHP.QRPH_INSTAPAY).toEqual({
      total: '749.5',
      available: '749.5',
    });
    expect(() => store.transition(o, '3000', 'late')).toThrow(/final/);
  });

  it('books a paid payment at its accepted amount', () => {
    const store = new PtsSandboxStore(undefined, new Map());
    const p = order({
      kind: 'payment',
      channel: 'QRPH',
      acceptAmount: '0.000001',
      transactionId: 'P1',
    });
    store.add(p);
    store.transition(p, '2000', 'test');
    expect(store.balanceSheet('1').PHP.QRPH.total).toBe('0.000001');
  });

  it('redeems a random code once, for the hash of code + user id + safecode', () => {
    const store = new PtsSandboxStore(undefined, new Map());
    const safecode = '0123456789abcdef0123456789abcdef';
    const { code } = store.issueRandomCode('1');
    expect(store.redeemRandomCode('1', safecode, ptsTokenHash(code, '1', 'wrong'))).toBe(false);
    expect(store.redeemRandomCode('2', safecode, ptsTokenHash(code, '2', safecode))).toBe(false);
    expect(
      store.redeemRandomCode('1', safecode, ptsTokenHash(code, '1', safecode).toUpperCase()),
    ).toBe(true);
    expect(store.redeemRandomCode('1', safecode, ptsTokenHash(code, '1', safecode))).toBe(false);
  });

  it('writes orders, balances and token hashes through to the state file and reads them back', () => {
    const file = join(directory, 'state.json');
    const store = new PtsSandboxStore(file, new Map([['1', { PHP: { QRPH: '5' } }]]));
    store.add(order());
    const token = store.issueToken('1', 60);
    expect(readFileSync(file, 'utf8')).not.toContain(token.accessToken);
    const reopened = new PtsSandboxStore(file, new Map([['1', { PHP: { QRPH: '999' } }]]));
    expect(reopened.get('1', 'O1')).toMatchObject({ amount: '250.50', status: '0000' });
    expect(reopened.getByTransactionId('W1')?.orderId).toBe('O1');
    expect(reopened.findToken(token.accessToken)).toEqual({ userId: '1', expired: false });
    // Balances come from the state file, not from the opening balances, once there is one.
    expect(reopened.balanceSheet('1').PHP.QRPH.total).toBe('5');
    reopened.expireTokens('1');
    expect(new PtsSandboxStore(file, new Map()).findToken(token.accessToken)?.expired).toBe(true);
  });

  const lines = (file: string) => readFileSync(file, 'utf8').split('\n').slice(0, -1);

  it('appends one line per change instead of rewriting the file', () => {
    const file = join(directory, 'append.json');
    const store = new PtsSandboxStore(file, new Map());
    for (let i = 0; i < 300; i++) store.add(order({ orderId: `A${i}`, transactionId: `WA${i}` }));
    const before = readFileSync(file);
    const { ino } = statSync(file);

    const o = order({ orderId: 'LAST', transactionId: 'WLAST' });
    store.add(o);
    store.transition(o, '1000', 'test');
    store.issueToken('1', 60);

    const after = readFileSync(file);
    expect(statSync(file).ino).toBe(ino);
    expect(after.subarray(0, before.length).equals(before)).toBe(true);
    const added = after.subarray(before.length).toString('utf8').split('\n').slice(0, -1);
    expect(added.map((line) => (JSON.parse(line) as { op: string }).op)).toEqual([
      'order',
      'order',
      'token',
    ]);
    // Each change costs its own line, not the ~100 KB of state already on disk.
    expect(before.length).toBeGreaterThan(100_000);
    expect(after.length - before.length).toBeLessThan(3_000);
  });

  it('keeps every whole change across a crash that tore the last line', () => {
    const file = join(directory, 'torn.json');
    const store = new PtsSandboxStore(file, new Map([['1', { PHP: { QRPH: '5' } }]]));
    const paid = order({ kind: 'payment', channel: 'QRPH', acceptAmount: '1.5' });
    store.add(paid);
    store.add(order({ orderId: 'O2', transactionId: 'W2' }));
    store.transition(paid, '2000', 'test');
    const token = store.issueToken('1', 60);
    // The process dies mid-write: no close(), half a line at the end.
    appendFileSync(file, '{"op":"order","order":{"kind":"payment","userId":"1","ord');

    const log: string[] = [];
    const reopened = new PtsSandboxStore(file, new Map(), (line) => log.push(line));
    expect(log.join('\n')).toContain('torn last line');
    expect(reopened.get('1', 'O1')?.status).toBe('2000');
    expect(reopened.get('1', 'O2')?.status).toBe('0000');
    expect(reopened.balanceSheet('1').PHP.QRPH.total).toBe('6.5');
    expect(reopened.findToken(token.accessToken)).toEqual({ userId: '1', expired: false });
    // Opening compacted it: one snapshot line, the torn one gone, and appends go on from there.
    expect(lines(file)).toHaveLength(1);
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
    reopened.add(order({ orderId: 'O3', transactionId: 'W3' }));
    expect(lines(file)).toHaveLength(2);
    expect(new PtsSandboxStore(file, new Map()).get('1', 'O3')).toBeDefined();
  });

  it('compacts the file when the changes outgrow the state, and on close', () => {
    const file = join(directory, 'compact.json');
    const store = new PtsSandboxStore(file, new Map());
    const o = order({ confirmation: 'pending' });
    store.add(o);
    for (let i = 0; i < 2_000; i++) {
      o.history.push({ status: '0000', at: new Date(0).toISOString(), cause: `poke ${i % 10}` });
      if (o.history.length > 5) o.history.shift();
      store.touch(o);
    }
    expect(statSync(file).size).toBeLessThan(PTS_SANDBOX_COMPACT_MIN_BYTES + 2_000);
    expect(lines(file).length).toBeLessThan(2_000);
    store.close();
    expect(lines(file)).toHaveLength(1);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      format: 'pts-sandbox-state',
      version: 1,
    });
    const reopened = new PtsSandboxStore(file, new Map());
    expect(reopened.get('1', 'O1')?.history.at(-1)?.cause).toBe('poke 9');
  });

  it('refuses a state file with a broken line before its end, saying what to do', () => {
    const file = join(directory, 'broken.json');
    const store = new PtsSandboxStore(file, new Map());
    store.add(order());
    const [head, change] = lines(file);
    writeFileSync(file, `${head}\n{not json\n${change}\n`);
    expect(() => new PtsSandboxStore(file, new Map())).toThrow(/line 2 .*not JSON.*Move/);
  });
});
