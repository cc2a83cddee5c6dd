import { describe, expect, it } from 'vitest';
import { PtsMalformedMessageError } from '../errors/pts-error.js';
import { ptsMessageSpec } from './pts-fields.js';
import { LosslessNumber, parsePtsJsonObject } from './pts-json.js';
import {
  checkReceivedPtsMessage,
  checkVerifiedPtsMessage,
  decimalText,
  looseText,
  signedText,
  statusText,
  validatePtsMessage,
} from './pts-message.js';
import { thrown } from '../../../test/support/thrown.js';

function expectMalformed(fn: () => unknown, code: string, field?: string) {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(PtsMalformedMessageError);
  expect(error).toMatchObject({ code });
  // An error sets only the fields it was given: no `field` key when there is none.
  expect((error as PtsMalformedMessageError).field).toBe(field);
  if (field !== undefined) expect((error as Error).message).toContain(`\`${field}\``);
}

// The v2 payment callback of B 4.2 as PTS sends it: amounts as JSON numbers.
const CALLBACK =
  '{"user_id":"1","order_id":"20210521184906","transaction_id":"P12021052118495503889","channel":"QRPH","submit_currency":"PHP","submit_amount":1000.0000000000,"accept_currency":"PHP","accept_amount":1000,"exchange_rate":1,"status":"2000","timestamp":1621594195,"reference_number":"R1","sign":"x"}';

describe('validatePtsMessage', () => {
  const callbackSpec = ptsMessageSpec('v2', 'paymentCallback');

  it('accepts a well-formed callback with numeric amounts', () => {
    expect(() => validatePtsMessage(callbackSpec, parsePtsJsonObject(CALLBACK))).not.toThrow();
  });

  it('accepts amounts, status and user_id in the forms the v1 examples use', () => {
    const v1 = parsePtsJsonObject(
      '{"user_id":1,"order_id":"20210521184906","transaction_id":"P1","channel":"CNY2TRC","submit_currency":"CNY","submit_amount":"1000.0000000000","accept_currency":"USDT-TRC","accept_amount":"165.9181999999","exchange_rate":"0.1659182000","status":1000,"timestamp":"1621594195","sign":"x"}',
    );
    expect(() =>
      validatePtsMessage(ptsMessageSpec('v1', 'paymentQueryResponse'), v1),
    ).not.toThrow();
  });

  it.each(['user_id', 'order_id', 'submit_amount', 'status', 'timestamp', 'sign'])(
    'refuses a callback without %s with missing_field naming it',
    (field) => {
      const message = parsePtsJsonObject(CALLBACK);
      delete message[field];
      expectMalformed(() => validatePtsMessage(callbackSpec, message), 'missing_field', field);
    },
  );

  it('treats null and the empty string in a required field as missing', () => {
    for (const value of [null, '']) {
      const message = { ...parsePtsJsonObject(CALLBACK), order_id: value };
      expectMalformed(() => validatePtsMessage(callbackSpec, message), 'missing_field', 'order_id');
    }
  });

  it.each([
    ['submit_amount', 'a word', 'abc'],
    ['submit_amount', 'a negative number', new LosslessNumber('-1')],
    ['submit_amount', 'a negative string', '-1.00'],
    ['submit_amount', 'an exponent string', '1e3'],
    ['accept_amount', 'an object', { value: 1 }],
    ['timestamp', 'a word', 'soon'],
    ['timestamp', 'a fraction', new LosslessNumber('1621594195.5')],
    ['status', 'a word', 'PAID'],
    ['status', 'five digits', '20000'],
    ['order_id', 'a number', new LosslessNumber('20210521184906')],
    ['user_id', 'a boolean', true],
    ['reference_number', 'a number', new LosslessNumber('1')],
  ])('refuses %s given as %s with invalid_field naming it', (field, _what, value) => {
    const message = { ...parsePtsJsonObject(CALLBACK), [field]: value };
    expectMalformed(() => validatePtsMessage(callbackSpec, message), 'invalid_field', field);
  });

  it('accepts an absent (error_message) or null (reference_number) optional field', () => {
    const message: Record<string, unknown> = {
      ...parsePtsJsonObject(CALLBACK),
      reference_number: null,
    };
    expect(() => validatePtsMessage(callbackSpec, message)).not.toThrow();
  });

  it('refuses details that are not an object and a boolean that is not a boolean', () => {
    const request = {
      user_id: '1',
      order_id: 'O1',
      amount: '100.10',
      currency: 'PHP',
      channel: 'QRPH',
      timestamp: 1704067200,
      sign: 's',
    };
    const v2 = ptsMessageSpec('v2', 'withdrawRequest');
    expect(() =>
      validatePtsMessage(v2, { ...request, details: { phone: '09123456789' } }),
    ).not.toThrow();
    expectMalformed(
      () => validatePtsMessage(v2, { ...request, details: '09123456789' }),
      'invalid_field',
      'details',
    );
    const query = ptsMessageSpec('v1', 'paymentQueryRequest');
    expectMalformed(
      () =>
        validatePtsMessage(query, { user_id: '1', order_id: 'O1', sign: 's', return_hash: 'yes' }),
      'invalid_field',
      'return_hash',
    );
  });

  it('refuses a message that is not an object with not_an_object', () => {
    for (const value of [null, [], 'text', new LosslessNumber('1')]) {
      expectMalformed(() => validatePtsMessage(callbackSpec, value), 'not_an_object');
    }
  });
});

describe('checkReceivedPtsMessage (A5, before verification)', () => {
  const callbackSpec = ptsMessageSpec('v2', 'paymentCallback');

  it('lets signed fields be null, "" or absent: they sign as `key=`', () => {
    for (const value of [null, '', undefined]) {
      const message: Record<string, unknown> = {
        ...parsePtsJsonObject(CALLBACK),
        accept_amount: value,
        transaction_id: value,
        order_id: value,
      };
      expect(() => checkReceivedPtsMessage(callbackSpec, message)).not.toThrow();
    }
  });

  it('still refuses a signed field whose value is of the wrong type', () => {
    for (const [field, value] of [
      ['submit_amount', '-5'],
      ['status', 'PAID'],
      ['order_id', new LosslessNumber('12')],
    ] as const) {
      const message = { ...parsePtsJsonObject(CALLBACK), [field]: value };
      expectMalformed(() => checkReceivedPtsMessage(callbackSpec, message), 'invalid_field', field);
    }
  });

  it('never fails on an unsigned optional field, whatever its type', () => {
    const message = {
      ...parsePtsJsonObject(CALLBACK),
      reference_number: new LosslessNumber('20240101123456'),
      submit_promo: '-5.00',
      accept_promo: { odd: true },
      error_message: null,
      payment_address: new LosslessNumber('12'),
    };
    expect(() => checkReceivedPtsMessage(callbackSpec, message)).not.toThrow();
  });

  it('still needs the unsigned required `sign`', () => {
    const message: Record<string, unknown> = parsePtsJsonObject(CALLBACK);
    delete message.sign;
    expectMalformed(() => checkReceivedPtsMessage(callbackSpec, message), 'missing_field', 'sign');
  });
});

describe('checkVerifiedPtsMessage (A5, after verification)', () => {
  const callbackSpec = ptsMessageSpec('v2', 'paymentCallback');
  const failed = {
    ...parsePtsJsonObject(CALLBACK),
    status: '3000',
    accept_amount: null,
    accept_currency: '',
    exchange_rate: null,
  };

  it('lets a failed payment leave what was accepted null', () => {
    expect(() => checkVerifiedPtsMessage(callbackSpec, failed)).not.toThrow();
  });

  it.each([
    'transaction_id',
    'submit_amount',
    'submit_currency',
    'accept_amount',
    'accept_currency',
  ])('needs %s in a success', (field) => {
    const message = { ...parsePtsJsonObject(CALLBACK), status: '2000', [field]: null };
    expectMalformed(() => checkVerifiedPtsMessage(callbackSpec, message), 'missing_field', field);
  });

  it('always needs the order and the status', () => {
    for (const field of ['order_id', 'status', 'user_id']) {
      const message = { ...failed, [field]: '' };
      expectMalformed(() => checkVerifiedPtsMessage(callbackSpec, message), 'missing_field', field);
    }
  });

  it('lets a payment answer leave pay_url null (QR-only; the client needs one of the two)', () => {
    const answer = { user_id: '1', order_id: 'O', pay_url: null, qr_code: 'QR', sign: 's' };
    expect(() =>
      checkVerifiedPtsMessage(ptsMessageSpec('v2', 'paymentResponse'), answer),
    ).not.toThrow();
  });
});

describe('looseText and signedText', () => {
  it('reads unsigned fields leniently: numbers as their text, nothing else throws', () => {
    expect(looseText(new LosslessNumber('20240101123456'))).toBe('20240101123456');
    expect(looseText('R1')).toBe('R1');
    expect(looseText(true)).toBe('true');
    for (const value of [null, '', undefined, { a: 1 }, []]) {
      expect(looseText(value)).toBeUndefined();
    }
  });

  it('gives null for a signed field PTS sent as null or ""', () => {
    expect(signedText(null)).toBeNull();
    expect(signedText('')).toBeNull();
    expect(signedText(undefined)).toBeNull();
    expect(signedText('P1')).toBe('P1');
    expect(signedText(new LosslessNumber('100.0'))).toBe('100.0');
  });
});

describe('decimalText', () => {
  it('gives the exact text of decimal strings and JSON numbers', () => {
    expect(decimalText('100.10')).toBe('100.10');
    expect(decimalText('40000')).toBe('40000');
    expect(decimalText(new LosslessNumber('40000.0000000000'))).toBe('40000.0000000000');
    expect(decimalText(new LosslessNumber('1e3'))).toBe('1e3');
  });

  it('gives undefined for what is not a non-negative decimal', () => {
    for (const value of [
      '',
      'abc',
      '-1',
      '1.',
      '.5',
      '1e3',
      ' 1',
      new LosslessNumber('-0.5'),
      1,
      null,
    ]) {
      expect(decimalText(value)).toBeUndefined();
    }
  });
});

describe('statusText', () => {
  it('gives the four-character status of strings and numbers', () => {
    expect(statusText('2000')).toBe('2000');
    expect(statusText(new LosslessNumber('1000'))).toBe('1000');
    expect(statusText(new LosslessNumber('0'))).toBe('0000');
    expect(statusText('0')).toBe('0000');
  });

  it('gives undefined for what is not a status', () => {
    for (const value of ['PAID', '20000', '', '-1', new LosslessNumber('2000.5'), null]) {
      expect(statusText(value)).toBeUndefined();
    }
  });
});
