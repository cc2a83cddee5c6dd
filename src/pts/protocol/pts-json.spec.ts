import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PtsMalformedMessageError } from '../errors/pts-error.js';
import {
  isLosslessNumber,
  isPtsJsonObject,
  LosslessNumber,
  parsePtsJson,
  parsePtsJsonObject,
  renderPhpFloat,
  renderPhpFloatIfSameDecimal,
  stringifyPtsJson,
} from './pts-json.js';
import { thrown } from '../../../test/support/thrown.js';

/** Runs `fn` and returns what it threw (fails the test when it throws nothing). */

/** JSON number grammar (RFC 8259): -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
const jsonNumberText = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9]\d{0,40}$/)),
    fc.option(fc.stringMatching(/^\d{1,20}$/), { nil: undefined }),
    fc.option(fc.stringMatching(/^[eE][+-]?\d{1,3}$/), { nil: undefined }),
  )
  .map(
    ([negative, int, frac, exp]) =>
      `${negative ? '-' : ''}${int}${frac === undefined ? '' : `.${frac}`}${exp ?? ''}`,
  );

describe('parsePtsJsonObject and stringifyPtsJson', () => {
  it('keeps the exact text of the amounts PTS sends', () => {
    const text =
      '{"submit_amount":40000.0000000000,"exchange_rate":0.1661000000,"accept_amount":165.9181999999,"big":9007199254740993,"tiny":1E-7,"huge":1e400}';
    const parsed = parsePtsJsonObject(text);

    expect(parsed.submit_amount).toBeInstanceOf(LosslessNumber);
    expect((parsed.submit_amount as LosslessNumber).value).toBe('40000.0000000000');
    expect((parsed.exchange_rate as LosslessNumber).value).toBe('0.1661000000');
    expect((parsed.big as LosslessNumber).value).toBe('9007199254740993');
    expect(stringifyPtsJson(parsed)).toBe(text);
  });

  it('keeps strings as strings, so a quoted amount stays a quoted amount', () => {
    const text = '{"amount":"100.10","timestamp":"1612245402","bank_code":"","ok":true,"x":null}';
    const parsed = parsePtsJsonObject(text);

    expect(parsed.amount).toBe('100.10');
    expect(parsed.bank_code).toBe('');
    expect(parsed.x).toBeNull();
    expect(stringifyPtsJson(parsed)).toBe(text);
  });

  it('gives back any JSON number text unchanged after parse and serialise', () => {
    fc.assert(
      fc.property(jsonNumberText, (numberText) => {
        const parsed = parsePtsJsonObject(`{"n":${numberText},"list":[${numberText}]}`);
        expect(isLosslessNumber(parsed.n)).toBe(true);
        expect(stringifyPtsJson(parsed)).toBe(`{"n":${numberText},"list":[${numberText}]}`);
      }),
      {
        numRuns: 100,
        examples: [
          ['40000.0000000000'],
          ['0.1661000000'],
          ['123456789012345678901234567890'],
          ['-0'],
          ['1e400'],
          ['6.02E+23'],
        ],
      },
    );
  });

  it('keeps number text inside nested objects and arrays', () => {
    const text = '{"data":{"PHP":{"MAYA":{"total":68888.50,"available":58888.000}}},"l":[1.10,2]}';
    expect(stringifyPtsJson(parsePtsJsonObject(text))).toBe(text);
  });

  it('refuses text that is not JSON with invalid_json', () => {
    const error = thrown(() => parsePtsJsonObject('{"code":"1000",'));
    expect(error).toBeInstanceOf(PtsMalformedMessageError);
    expect(error).toMatchObject({ code: 'invalid_json' });
  });

  it('refuses an object with a duplicate key with invalid_json', () => {
    // A forger's trick: a parser that keeps the first value and one that keeps the last disagree.
    const error = thrown(() => parsePtsJsonObject('{"amount":"1","amount":"1000000"}'));
    expect(error).toBeInstanceOf(PtsMalformedMessageError);
    expect(error).toMatchObject({ code: 'invalid_json' });
  });

  it('refuses a JSON array with not_an_object', () => {
    const error = thrown(() => parsePtsJsonObject('[{"code":"1000"}]'));
    expect(error).toBeInstanceOf(PtsMalformedMessageError);
    expect(error).toMatchObject({ code: 'not_an_object' });
    expect((error as Error).message).toContain('an array');
  });

  it('refuses JSON scalars with not_an_object', () => {
    for (const text of ['"SUCCESS"', '1000', 'null', 'true']) {
      const error = thrown(() => parsePtsJsonObject(text));
      expect(error).toBeInstanceOf(PtsMalformedMessageError);
      expect(error).toMatchObject({ code: 'not_an_object' });
    }
  });

  it('parses any JSON value with parsePtsJson, numbers as LosslessNumber', () => {
    expect(parsePtsJson('[1.50,"a"]')).toEqual([new LosslessNumber('1.50'), 'a']);
    expect(isPtsJsonObject(parsePtsJson('{}'))).toBe(true);
    expect(isPtsJsonObject(new LosslessNumber('1'))).toBe(false);
    expect(isPtsJsonObject([])).toBe(false);
  });
});

describe('renderPhpFloat', () => {
  it.each([
    // docs/protocol.md A4 and the v1 examples of B4.3 and 4.6
    ['40000.0000000000', '40000'],
    ['6644.0000000000', '6644'],
    ['0.1661000000', '0.1661'],
    ['1000.0000000000', '1000'],
    ['165.9181999999', '165.9181999999'],
    ['0.1659182000', '0.1659182'],
    ['40000', '40000'],
    ['1', '1'],
    ['0', '0'],
    ['0.0000000000', '0'],
    ['-0.0', '-0'],
    ['-1.50', '-1.5'],
    // precision 14: at most 14 significant digits
    ['1.23456789012345678', '1.2345678901235'],
    ['123456789012345678', '1.2345678901235E+17'],
    ['9223372036854775807', '9.2233720368548E+18'],
    ['0.30000000000000004', '0.3'],
    // php_gcvt switches to exponent form when decpt > 14 or decpt < -3
    ['10000000000000', '10000000000000'],
    ['99999999999999', '99999999999999'],
    ['100000000000000', '1.0E+14'],
    ['1e25', '1.0E+25'],
    ['0.0001', '0.0001'],
    ['0.00001', '1.0E-5'],
    ['0.000001', '1.0E-6'],
    ['1.5e-7', '1.5E-7'],
    // PHP rounds the double, not the decimal text, and rounds exact ties to even
    ['100000.123456785', '100000.12345679'],
    ['2.00000000000005', '2.0000000000001'],
    ['100000000000005', '1.0E+14'],
    ['100000000000015', '1.0000000000002E+14'],
    ['1e400', 'INF'],
  ])('renders %s as PHP prints it: %s', (input, expected) => {
    expect(renderPhpFloat(input)).toBe(expected);
  });

  it('leaves text that is not a number alone', () => {
    expect(renderPhpFloat('abc')).toBe('abc');
    expect(renderPhpFloat('')).toBe('');
  });
});

describe('renderPhpFloatIfSameDecimal (A4 fallback, bounded)', () => {
  it.each([
    ['40000.0000000000', '40000'],
    ['0.1661000000', '0.1661'],
    ['1.50', '1.5'],
    ['100', '100'],
  ])('renders %s as PHP does (%s): only zeros were dropped', (input, expected) => {
    expect(renderPhpFloatIfSameDecimal(input)).toBe(expected);
  });

  it.each(['100.00000000000001', '165.918199999999999', '100000.123456785'])(
    'keeps %s as received: PHP would print another number',
    (input) => {
      expect(renderPhpFloat(input)).not.toBe(input);
      expect(renderPhpFloatIfSameDecimal(input)).toBe(input);
    },
  );
});
