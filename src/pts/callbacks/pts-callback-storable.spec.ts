import { describe, expect, it } from 'vitest';
import { LosslessNumber } from '../protocol/pts-json.js';
import { storableFreeText, unstorableCallbackReason } from './pts-callback-storable.js';

describe('unstorableCallbackReason', () => {
  const fine = {
    order_id: 'ORD-1',
    transaction_id: 'P'.repeat(64),
    submit_currency: 'PHP',
    accept_currency: 'C'.repeat(16),
    submit_amount: '100.1000000000',
    accept_amount: new LosslessNumber('40000.0000000000'),
    exchange_rate: new LosslessNumber('1'),
  };

  it('lets values that fit their columns through', () => {
    expect(unstorableCallbackReason(fine)).toBeUndefined();
    expect(
      unstorableCallbackReason({ ...fine, submit_amount: `${'9'.repeat(20)}.${'1'.repeat(20)}` }),
    ).toBeUndefined();
  });

  it.each([
    [{ transaction_id: 'T'.repeat(65) }, 'transaction_id is longer than 64'],
    [{ accept_currency: 'C'.repeat(17) }, 'accept_currency is longer than 16'],
    [{ order_id: 'a\u0000b' }, 'order_id contains a NUL'],
    [{ accept_amount: new LosslessNumber('1e200000') }, 'accept_amount 1e200000 is out of range'],
    [{ submit_amount: '1'.repeat(21) }, 'submit_amount'],
    [{ exchange_rate: `0.${'1'.repeat(21)}` }, 'exchange_rate'],
  ])('names what does not fit: %j', (change, reason) => {
    expect(unstorableCallbackReason({ ...fine, ...change })).toContain(reason);
  });
});

describe('storableFreeText', () => {
  it('replaces NUL visibly and clips to whole characters', () => {
    expect(storableFreeText('a\u0000b')).toBe('a\uFFFDb');
    expect(storableFreeText('😀'.repeat(5), 3)).toBe('😀😀😀…');
    expect(storableFreeText(12)).toBeUndefined();
  });
});
