import { describe, expect, it } from 'vitest';
import { isAdminTime } from './admin-inputs.js';
import { redactSign } from './admin-views.js';

describe('isAdminTime', () => {
  it.each([
    '2024-05-01',
    '2024-02-29',
    '2024-05-01T10:00',
    '2024-05-01T10:00:00Z',
    '2024-05-01T10:00:00.123456+08:00',
    '1970-01-01T00:00:00-14:00',
  ])('accepts %s', (value) => expect(isAdminTime(value)).toBe(true));

  it.each([
    '2024-W01',
    '2024-W01-1',
    '2024-032',
    '2024-01-01,2024-02-01',
    '2024-01-01T10:00:00,5Z',
    '2023-02-29',
    '2024-04-31',
    '2024-13-01',
    '1969-12-31',
    '+275760-09-13',
    '2024-05-01T24:00:00Z',
    '2024-05-01T10:00:00+15:00',
    '2024-05-01 10:00:00',
    '',
  ])('refuses %j', (value) => expect(isAdminTime(value)).toBe(false));
});

describe('redactSign', () => {
  it('cuts the value of sign to 8 characters wherever it is, and leaves the rest', () => {
    const sign = 'QHnRBlfzyIa72eaQmUGTfPCVNKLzels+abc/==';
    expect(redactSign(`{"order_id":"1","sign":"${sign}","status":"2000"}`)).toBe(
      '{"order_id":"1","sign":"QHnRBlfz…","status":"2000"}',
    );
    expect(redactSign(`{"data":{"sign" : "${sign}"}}`)).toBe('{"data":{"sign" : "QHnRBlfz…"}}');
    expect(redactSign('{"sign":"short"}')).toBe('{"sign":"short"}');
    expect(redactSign('not json "sign": nothing')).toBe('not json "sign": nothing');
  });
});
