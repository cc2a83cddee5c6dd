import { describe, expect, it } from 'vitest';
import { isValidPtsAmount, sameAmount } from './pts-amount.js';

describe('PTS amounts (docs/protocol.md A7)', () => {
  it.each(['1', '0.01', '100.10', '40000', '0.000001', '999999999999.999999'])(
    'accepts %s as an amount to send',
    (amount) => expect(isValidPtsAmount(amount)).toBe(true),
  );

  it.each([
    '0',
    '0.000000',
    '-1',
    '1.1234567',
    '1e3',
    '01',
    ' 1',
    '1.',
    '.5',
    '1,00',
    '',
    '1000000000000',
    '123456789012345678.123456',
  ])('refuses %j as an amount to send', (amount) => expect(isValidPtsAmount(amount)).toBe(false));

  it('compares amounts as decimals, not as text or floats', () => {
    expect(sameAmount('100.1000000000', '100.10')).toBe(true);
    expect(sameAmount('40000.0000000000', '40000')).toBe(true);
    expect(sameAmount('0.1', '0.10000000000000001')).toBe(false);
    expect(sameAmount('100.10', '100.11')).toBe(false);
    expect(sameAmount('abc', '1')).toBe(false);
  });
});
