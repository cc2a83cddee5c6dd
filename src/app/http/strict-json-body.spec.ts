import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseStrictJson } from './strict-json-body.js';

describe('parseStrictJson (the admin API body rule)', () => {
  it('parses an ordinary body, numbers as numbers', () => {
    expect(parseStrictJson('{"amount":"1.50","details":{"cardType":1},"tags":["a"]}')).toEqual({
      value: { amount: '1.50', details: { cardType: 1 }, tags: ['a'] },
    });
  });

  it('refuses a key given twice with different values', () => {
    expect(parseStrictJson('{"amount":"1","amount":"1000"}')).toMatch(/Duplicate key 'amount'/);
    expect(parseStrictJson('{"d":{"x":1,"x":2}}')).toMatch(/Duplicate key 'x'/);
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH}, counting outside strings only`, () => {
    const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    expect(parseStrictJson(deep(MAX_JSON_DEPTH))).toHaveProperty('value');
    expect(parseStrictJson(deep(MAX_JSON_DEPTH + 1))).toMatch(/nested deeper/);
    expect(parseStrictJson(deep(2000))).toMatch(/nested deeper/);
    expect(parseStrictJson(`{"s":"${'{['.repeat(100)}\\"{"}`)).toHaveProperty('value');
  });

  it('refuses NUL in a value or a key, and a body that is not an object', () => {
    expect(parseStrictJson('{"remark":"a\\u0000b"}')).toMatch(/NUL/);
    expect(parseStrictJson('{"d":{"a\\u0000":"b"}}')).toMatch(/NUL/);
    expect(parseStrictJson('"text"')).toBe('body must be a JSON object');
    expect(parseStrictJson('{"a":')).toMatch(/not valid JSON/);
  });
});
