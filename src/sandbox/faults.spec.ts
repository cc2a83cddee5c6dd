import { describe, expect, it } from 'vitest';
import { parsePtsSandboxFault, PtsSandboxFaults } from './faults.js';

describe('parsePtsSandboxFault', () => {
  it.each([
    [null, /JSON object/],
    [{ kind: 'explode' }, /`kind` must be one of/],
    [{ kind: 'delay' }, /`ms` is required/],
    [{ kind: 'delay', ms: 1.5 }, /`ms` must be an integer/],
    [{ kind: 'error', code: '100' }, /4-digit/],
    [{ kind: 'error', code: '1001', message: 5 }, /`message`/],
    [{ kind: 'http-status', status: 99 }, /between 100 and 599/],
    [{ kind: 'duplicate-callback', copies: 0 }, /`copies`/],
    [{ kind: 'amount-format', format: 'float' }, /`format`/],
    [{ kind: 'amount-format', format: 'number', signAs: 'java' }, /`signAs`/],
    [{ kind: 'drop', times: 0 }, /`times`/],
    [{ kind: 'drop', userId: '' }, /`userId`/],
    [
      { kind: 'error', code: '8001', endpoint: 'paymentCallback' },
      /cannot act on `paymentCallback`/,
    ],
    [{ kind: 'wrong-key', endpoint: 'token' }, /cannot act on `token`/],
    [{ kind: 'drop', endpoint: 'refund' }, /cannot act on `refund`/],
    [{ kind: 'http-status', status: 504, served: 'yes' }, /`served`/],
    [{ kind: 'payment-answer', style: 'iframe' }, /`style`/],
    [{ kind: 'payment-answer', style: 'redirect', status: 200 }, /between 300 and 399/],
    [{ kind: 'payment-answer', style: 'html', status: 302 }, /between 200 and 299/],
    [{ kind: 'payment-answer', style: 'qr-only', status: 200 }, /does not apply/],
    [{ kind: 'payment-answer', style: 'html', endpoint: 'withdraw' }, /cannot act on `withdraw`/],
    [{ kind: 'null-fields', fields: [] }, /`fields`/],
    [{ kind: 'null-fields', fields: ['accept_amount'], as: 'zero' }, /`as`/],
    [{ kind: 'wrapped-callback', endpoint: 'paymentQuery' }, /cannot act on `paymentQuery`/],
    [{ kind: 'loose-types', endpoint: 'payment' }, /cannot act on `payment`/],
    [{ kind: 'amount-format', format: 'float-artifact', fields: 'accept_amount' }, /`fields`/],
  ])('refuses %j, naming what is wrong', (input, message) => {
    expect(() => parsePtsSandboxFault(input)).toThrow(message);
  });

  it('accepts a well-formed fault unchanged', () => {
    const fault = { kind: 'error', code: '8001', userId: '1', endpoint: 'payment', times: 2 };
    expect(parsePtsSandboxFault(fault)).toEqual(fault);
  });
});

describe('PtsSandboxFaults', () => {
  it('hands out the first matching fault of the asked kinds, in the order they were set', () => {
    const faults = new PtsSandboxFaults();
    faults.add({ kind: 'error', code: '8001', orderId: 'A' });
    faults.add({ kind: 'error', code: '8002' });
    expect(faults.take({ endpoint: 'payment', orderId: 'A' }, ['error'])).toMatchObject({
      code: '8001',
    });
    expect(faults.take({ endpoint: 'payment', orderId: 'B' }, ['error'])).toMatchObject({
      code: '8002',
    });
    expect(faults.take({ endpoint: 'payment' }, ['drop'])).toBeUndefined();
  });

  it('matches on every part of the scope that is given', () => {
    const faults = new PtsSandboxFaults();
    faults.add({ kind: 'drop', userId: '1', endpoint: 'withdraw' });
    expect(faults.take({ endpoint: 'payment', userId: '1' }, ['drop'])).toBeUndefined();
    expect(faults.take({ endpoint: 'withdraw', userId: '2' }, ['drop'])).toBeUndefined();
    expect(faults.take({ endpoint: 'withdraw', userId: '1' }, ['drop'])).toMatchObject({
      kind: 'drop',
    });
  });

  it('never lets a kind act where it cannot, even without an endpoint in the scope', () => {
    const faults = new PtsSandboxFaults();
    faults.add({ kind: 'duplicate-callback' });
    faults.add({ kind: 'error', code: '8001' });
    expect(faults.take({ endpoint: 'payment' }, ['duplicate-callback'])).toBeUndefined();
    expect(faults.take({ endpoint: 'paymentCallback' }, ['error'])).toBeUndefined();
    expect(faults.take({ endpoint: 'paymentCallback' }, ['duplicate-callback'])).toBeDefined();
  });

  it('uses a fault up after `times` and counts how often each acted', () => {
    const faults = new PtsSandboxFaults();
    faults.add({ kind: 'drop', times: 2 });
    faults.add({ kind: 'wrong-key' });
    faults.take({ endpoint: 'payment' }, ['drop']);
    expect(faults.list()).toMatchObject([
      { fault: { kind: 'drop' }, remaining: 1, applied: 1 },
      { fault: { kind: 'wrong-key' }, applied: 0 },
    ]);
    faults.take({ endpoint: 'payment' }, ['drop']);
    expect(faults.take({ endpoint: 'payment' }, ['drop'])).toBeUndefined();
    expect(faults.list()).toHaveLength(1);
    faults.clear();
    expect(faults.list()).toEqual([]);
  });
});
