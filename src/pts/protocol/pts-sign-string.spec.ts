import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PtsSignatureError } from '../errors/pts-error.js';
import { ptsMessageSpec } from './pts-fields.js';
import { LosslessNumber, parsePtsJsonObject } from './pts-json.js';
import {
  buildMessageSignString,
  buildSignString,
  compareBytes,
  redactSignString,
  renderSignValue,
} from './pts-sign-string.js';
import { thrown } from '../../../test/support/thrown.js';

const SAFECODE = '0123456789abcdef0123456789abcdef';

describe('buildMessageSignString known answers', () => {
  // docs/protocol.md B2.5(b)
  const payment = {
    user_id: '1',
    order_id: 'ORD20240101000001',
    amount: '100.00',
    currency: 'PHP',
    channel: 'QRPH',
    timestamp: 1704067200,
  };
  const expected =
    'amount=100.00&channel=QRPH&currency=PHP&order_id=ORD20240101000001&timestamp=1704067200&user_id=1&0123456789abcdef0123456789abcdef';

  it('builds the reference v2 payment sign string and its SHA-256', () => {
    const signString = buildMessageSignString(
      ptsMessageSpec('v2', 'paymentRequest'),
      payment,
      SAFECODE,
    );
    expect(signString).toBe(expected);
    expect(createHash('sha256').update(signString, 'utf8').digest('hex')).toBe(
      '8b680a78d6f7e87562cc3c49ceac9520fa38e22dc5a5d75cbc104f7542504dd5',
    );
  });

  it('leaves the unsigned v2 fields out: URLs, details, remark, sign', () => {
    const signString = buildMessageSignString(
      ptsMessageSpec('v2', 'paymentRequest'),
      {
        ...payment,
        callback_url: 'https://merchant.example/callback',
        redirect_url: 'https://merchant.example/return',
        error_url: 'https://merchant.example/error',
        details: { phone: '09123456789' },
        remark: 'hello',
        sign: 'SIG',
        unknown_extra: 'x',
      },
      SAFECODE,
    );
    expect(signString).toBe(expected);
  });

  it('changes with any single signed value', () => {
    const spec = ptsMessageSpec('v2', 'paymentRequest');
    for (const key of Object.keys(payment)) {
      const changed = { ...payment, [key]: key === 'timestamp' ? 1704067201 : 'changed' };
      expect(buildMessageSignString(spec, changed, SAFECODE)).not.toBe(expected);
    }
    expect(buildMessageSignString(spec, payment, 'another-safecode')).not.toBe(expected);
  });

  it('builds the B 2.5(a) withdraw query sign string from JSON whose amounts are numbers', () => {
    const data = parsePtsJsonObject(
      '{"user_id":"1","order_id":"20210521181858","transaction_id":"W12021052118190115910","channel":"QRPH_INSTAPAY","submit_currency":"PHP","submit_amount":40000,"accept_currency":"PHP","accept_amount":40000,"exchange_rate":1,"status":"1000","timestamp":1621592342,"sign":"OKmzL8zt5w10YLu4scOmQ6R0yOXKo+/XLdAo7ZbAyz"}',
    );
    expect(
      buildMessageSignString(ptsMessageSpec('v2', 'withdrawQueryResponse'), data, SAFECODE),
    ).toBe(
      `accept_amount=40000&accept_currency=PHP&channel=QRPH_INSTAPAY&exchange_rate=1&order_id=20210521181858&status=1000&submit_amount=40000&submit_currency=PHP&timestamp=1621592342&transaction_id=W12021052118190115910&user_id=1&${SAFECODE}`,
    );
  });

  it('renders the v1 ten-decimal amounts verbatim, or PHP-style when asked', () => {
    const data = parsePtsJsonObject(
      '{"user_id":1,"order_id":"20210521181858","transaction_id":"W12021052118190115910","channel":"CNY2ERC","submit_currency":"CNY","submit_amount":"40000.0000000000","accept_currency":"USDT-ERC","accept_amount":6644.0000000000,"exchange_rate":0.1661000000,"status":"1000","timestamp":1621592342,"sign":"x"}',
    );
    const spec = ptsMessageSpec('v1', 'withdrawQueryResponse');
    expect(buildMessageSignString(spec, data, SAFECODE)).toBe(
      `accept_amount=6644.0000000000&accept_currency=USDT-ERC&channel=CNY2ERC&exchange_rate=0.1661000000&order_id=20210521181858&status=1000&submit_amount=40000.0000000000&submit_currency=CNY&timestamp=1621592342&transaction_id=W12021052118190115910&user_id=1&${SAFECODE}`,
    );
    // Amount fields go through PHP's float rendering whether quoted or not (v1 quotes them);
    // other numbers (timestamp) and strings stay as they are.
    expect(buildMessageSignString(spec, data, SAFECODE, { numberRendering: 'php-float' })).toBe(
      `accept_amount=6644&accept_currency=USDT-ERC&channel=CNY2ERC&exchange_rate=0.1661&order_id=20210521181858&status=1000&submit_amount=40000&submit_currency=CNY&timestamp=1621592342&transaction_id=W12021052118190115910&user_id=1&${SAFECODE}`,
    );
  });
});

describe('null rendering of signed fields (A3)', () => {
  const spec = ptsMessageSpec('v1', 'paymentRequest');
  const payment = {
    user_id: '1',
    order_id: 'O1',
    amount: '10',
    currency: 'CNY',
    channel: 'alipay',
    callback_url: 'http://my.service/callback',
    redirect_url: 'https://my.service/redirect',
    timestamp: 1612245402,
  };
  const tail = `callback_url=http://my.service/callback&channel=alipay&currency=CNY&order_id=O1&redirect_url=https://my.service/redirect&timestamp=1612245402&user_id=1&${SAFECODE}`;

  it('renders an absent optional signed field as `key=` by default', () => {
    expect(buildMessageSignString(spec, payment, SAFECODE)).toBe(`amount=10&bank_code=&${tail}`);
  });

  it('renders a null optional signed field as `key=` by default', () => {
    expect(buildMessageSignString(spec, { ...payment, bank_code: null }, SAFECODE)).toBe(
      `amount=10&bank_code=&${tail}`,
    );
  });

  it('renders absent and null as `key=null` with nullRendering null', () => {
    const options = { nullRendering: 'null' } as const;
    expect(buildMessageSignString(spec, payment, SAFECODE, options)).toBe(
      `amount=10&bank_code=null&${tail}`,
    );
    expect(buildMessageSignString(spec, { ...payment, bank_code: null }, SAFECODE, options)).toBe(
      `amount=10&bank_code=null&${tail}`,
    );
  });

  it('renders an empty string as `key=` in both modes (it is a value, not a null)', () => {
    for (const nullRendering of ['empty', 'null'] as const) {
      expect(
        buildMessageSignString(spec, { ...payment, bank_code: '' }, SAFECODE, { nullRendering }),
      ).toBe(`amount=10&bank_code=&${tail}`);
    }
  });

  it('renders a present optional signed field verbatim', () => {
    expect(buildMessageSignString(spec, { ...payment, bank_code: 'ICBC' }, SAFECODE)).toBe(
      `amount=10&bank_code=ICBC&${tail}`,
    );
  });

  it('refuses a message whose required signed field is missing with missing_signed_field', () => {
    const withoutAmount: Record<string, unknown> = { ...payment };
    delete withoutAmount.amount;
    const error = thrown(() => buildMessageSignString(spec, withoutAmount, SAFECODE));
    expect(error).toBeInstanceOf(PtsSignatureError);
    expect(error).toMatchObject({ code: 'missing_signed_field', field: 'amount' });
  });

  it('renders an absent required signed field as `key=` when told it verifies a received message', () => {
    const withoutAmount: Record<string, unknown> = { ...payment };
    delete withoutAmount.amount;
    expect(buildMessageSignString(spec, withoutAmount, SAFECODE, { absentRequired: 'empty' })).toBe(
      buildMessageSignString(spec, { ...payment, amount: null }, SAFECODE),
    );
  });

  it('applies the PHP-float rendering to an amount only where it is the same decimal', () => {
    const php = { numberRendering: 'php-float' as const };
    expect(
      buildMessageSignString(spec, { ...payment, amount: '10.0000000000' }, SAFECODE, php),
    ).toContain('amount=10&');
    expect(
      buildMessageSignString(spec, { ...payment, amount: '10.00000000000001' }, SAFECODE, php),
    ).toContain('amount=10.00000000000001&');
    expect(renderSignValue('k', new LosslessNumber('10.00000000000001'), php)).toBe(
      '10.00000000000001',
    );
  });

  it('treats every name of a plain string list as required', () => {
    const error = thrown(() => buildSignString({ a: '1' }, ['a', 'b'], SAFECODE));
    expect(error).toBeInstanceOf(PtsSignatureError);
    expect(error).toMatchObject({ code: 'missing_signed_field', field: 'b' });
  });
});

describe('byte-order sorting of signed keys (A3)', () => {
  it('sorts uppercase before underscore before lowercase, prefixes first', () => {
    const keys = ['ab', 'a_b', 'a', 'B', '_x', 'Ab', 'A_', 'a1', 'ba'];
    const fields = Object.fromEntries(keys.map((k) => [k, k.toUpperCase()]));
    expect(buildSignString(fields, keys, 'S')).toBe(
      'A_=A_&Ab=AB&B=B&_x=_X&a=A&a1=A1&a_b=A_B&ab=AB&ba=BA&S',
    );
  });

  it('does not sort like localeCompare, which folds case', () => {
    expect(['b', 'B', 'a', 'A'].sort(compareBytes)).toEqual(['A', 'B', 'a', 'b']);
    expect(['b', 'B', 'a', 'A'].sort((x, y) => x.localeCompare(y))).not.toEqual([
      'A',
      'B',
      'a',
      'b',
    ]);
  });

  it('sorts the PTS field names the way PHP ksort does', () => {
    const keys = ['order_id', 'orderid', 'order', 'user_id', 'submit_amount', 'submitamount'];
    expect([...keys].sort(compareBytes)).toEqual([
      'order',
      'order_id',
      'orderid',
      'submit_amount',
      'submitamount',
      'user_id',
    ]);
  });

  it('gives the same string whatever order the field object has (property)', () => {
    const spec = ptsMessageSpec('v2', 'paymentCallback');
    const entries: [string, string][] = spec.fields
      .filter((f) => f.name !== 'sign')
      .map((f) => [f.name, `${f.name}-value`]);
    const reference = buildMessageSignString(spec, Object.fromEntries(entries), SAFECODE);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }),
        (shuffled) => {
          expect(buildMessageSignString(spec, Object.fromEntries(shuffled), SAFECODE)).toBe(
            reference,
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('renderSignValue', () => {
  it('renders strings verbatim, integers in decimal, booleans as words', () => {
    expect(renderSignValue('k', 'a b&c=d')).toBe('a b&c=d');
    expect(renderSignValue('k', 1704067200)).toBe('1704067200');
    expect(renderSignValue('k', 0)).toBe('0');
    expect(renderSignValue('k', 12345678901234567890n)).toBe('12345678901234567890');
    expect(renderSignValue('k', true)).toBe('true');
    expect(renderSignValue('k', false)).toBe('false');
    expect(renderSignValue('k', new LosslessNumber('1.50'))).toBe('1.50');
    expect(renderSignValue('k', new LosslessNumber('1.50'), { numberRendering: 'php-float' })).toBe(
      '1.5',
    );
  });

  it('refuses a float, which means an amount lost its text, with unsignable_value', () => {
    const error = thrown(() => renderSignValue('amount', 100.1));
    expect(error).toBeInstanceOf(PtsSignatureError);
    expect(error).toMatchObject({ code: 'unsignable_value', field: 'amount' });
    expect(thrown(() => renderSignValue('amount', 2 ** 53))).toMatchObject({
      code: 'unsignable_value',
    });
  });

  it('refuses objects and arrays with unsignable_value', () => {
    for (const value of [{ phone: '1' }, ['a']]) {
      const error = thrown(() => renderSignValue('details', value));
      expect(error).toBeInstanceOf(PtsSignatureError);
      expect(error).toMatchObject({ code: 'unsignable_value', field: 'details' });
    }
  });
});

describe('redactSignString', () => {
  it('cuts the safecode off the end of a sign string', () => {
    expect(redactSignString(`a=1&b=2&${SAFECODE}`, SAFECODE)).toBe('a=1&b=2&<safecode>');
  });

  it('leaves a string that does not end with the safecode alone', () => {
    expect(redactSignString('a=1&b=2&other', SAFECODE)).toBe('a=1&b=2&other');
  });
});
