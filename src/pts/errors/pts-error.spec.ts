import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PtsCipher } from '../protocol/pts-cipher.js';
import { parsePtsPrivateKey } from '../protocol/pts-keys.js';
import { thrown } from '../../../test/support/thrown.js';
import {
  isPtsOutcomeUnknown,
  isPtsTokenRejection,
  PtsConfigurationError,
  PtsConfigurationErrors,
  PtsDecryptionError,
  PtsError,
  PtsGatewayError,
  PtsInvalidRequestError,
  PtsKeyError,
  PtsMalformedMessageError,
  PtsNetworkError,
  PtsProtocolError,
  PtsSignatureError,
  PtsTimeoutError,
  PtsUnknownAccountError,
} from './pts-error.js';
import { ptsHttpErrorBody } from './pts-exception.filter.js';
import {
  PtsCallbackNotFoundError,
  PtsDuplicateOrderError,
  PtsIdempotencyConflictError,
  PtsOrderNotFoundError,
} from './pts-order-errors.js';

const CLASSES = [
  PtsError,
  PtsConfigurationError,
  PtsConfigurationErrors,
  PtsKeyError,
  PtsDecryptionError,
  PtsMalformedMessageError,
  PtsSignatureError,
  PtsGatewayError,
  PtsProtocolError,
  PtsTimeoutError,
  PtsNetworkError,
  PtsInvalidRequestError,
  PtsUnknownAccountError,
  PtsOrderNotFoundError,
  PtsCallbackNotFoundError,
  PtsDuplicateOrderError,
  PtsIdempotencyConflictError,
];

describe('PtsError', () => {
  it.each(CLASSES.map((c) => [c.name, c] as const))(
    'names a %s after its class and keeps it in the hierarchy',
    (name, Class) => {
      const error = new Class({ code: 'some_code', message: 'what went wrong' });
      expect(error.name).toBe(name);
      expect(error).toBeInstanceOf(PtsError);
      expect(error).toBeInstanceOf(Error);
      expect(String(error)).toBe(`${name}: what went wrong`);
    },
  );

  it('keeps the code, the message, the cause and the fields it was given', () => {
    const cause = new Error('lower');
    const error = new PtsKeyError({
      code: 'key_unparseable',
      message: 'PTS: option `privateKey` is not a key',
      option: 'privateKey',
      cause,
    });
    expect(error).toBeInstanceOf(PtsConfigurationError);
    expect(error).toMatchObject({ code: 'key_unparseable', option: 'privateKey' });
    expect(error.message).toBe('PTS: option `privateKey` is not a key');
    expect(error.cause).toBe(cause);
  });

  it('sets no property for a field it was not given', () => {
    const error = new PtsInvalidRequestError({
      code: 'invalid_field',
      message: 'm',
      field: undefined,
    });
    expect(Object.keys(error).sort()).toEqual(['code', 'name']);
    expect('cause' in error).toBe(false);
  });
});

describe('PtsError.fromGatewayAnswer', () => {
  it('carries the PTS code, what the gateway said, what the code means and the HTTP status', () => {
    const error = PtsError.fromGatewayAnswer({ code: '1003', message: 'order exists' }, 200);
    expect(error).toBeInstanceOf(PtsGatewayError);
    expect(error).toMatchObject({
      name: 'PtsGatewayError',
      code: 'gateway_1003',
      ptsCode: '1003',
      ptsMessage: 'order exists',
      meaning: 'Duplicate order id',
      httpStatus: 200,
    });
    expect(error.message).toBe('PTS answered 1003 (Duplicate order id): order exists');
  });

  it('does not repeat a gateway message that only restates the meaning', () => {
    const error = PtsError.fromGatewayAnswer({ code: '1002', message: 'Transaction not found' });
    expect(error.message).toBe('PTS answered 1002 (Transaction not found)');
    expect('httpStatus' in error).toBe(false);
  });

  it('says so for a code the table does not know rather than guess', () => {
    const error = PtsError.fromGatewayAnswer({ code: '7777', message: '' });
    expect(error.meaning).toBe('Unknown PTS code 7777');
    expect(error.message).toBe('PTS answered 7777 (Unknown PTS code 7777)');
  });

  it('tells a refused v1 token (1012, 1016) from other refusals', () => {
    expect(isPtsTokenRejection(PtsError.fromGatewayAnswer({ code: '1016', message: '' }))).toBe(
      true,
    );
    expect(isPtsTokenRejection(PtsError.fromGatewayAnswer({ code: '1001', message: '' }))).toBe(
      false,
    );
  });
});

describe('the factories of errors made from something', () => {
  it('lists every configuration problem in one error', () => {
    const problems = [
      new PtsConfigurationError({ code: 'a', message: 'PTS: first', option: 'x' }),
      new PtsConfigurationError({ code: 'b', message: 'PTS: second', option: 'y' }),
    ];
    const error = PtsConfigurationErrors.fromProblems(problems);
    expect(error.code).toBe('invalid_configuration');
    expect(error.problems).toBe(problems);
    expect(error.message).toBe('PTS: 2 configuration problem(s):\n  - PTS: first\n  - PTS: second');
  });

  it('words the lookups as before', () => {
    expect(PtsUnknownAccountError.forAccount('eu')).toMatchObject({
      code: 'unknown_account',
      message: 'PTS: no merchant account named "eu" is configured',
      account: 'eu',
    });
    expect(PtsOrderNotFoundError.forOrder('o1', 'main')).toMatchObject({
      code: 'order_not_found',
      message: 'no order "o1" for account "main"',
      orderId: 'o1',
      account: 'main',
    });
    expect(PtsCallbackNotFoundError.forCallback('42')).toMatchObject({
      code: 'callback_not_found',
      message: 'no stored callback 42',
      callbackId: '42',
    });
    expect(PtsDuplicateOrderError.forOrder('o1', 'main')).toMatchObject({
      code: 'duplicate_order',
      message: 'order id "o1" is already used for account "main"',
    });
    expect(PtsIdempotencyConflictError.forKey('k1', 'o1')).toMatchObject({
      code: 'idempotency_conflict',
      message:
        'Idempotency-Key was already used for order "o1" with a different request; use a new key for a new order',
      idempotencyKey: 'k1',
      orderId: 'o1',
    });
  });
});

describe('order context', () => {
  const context = { orderId: 'o1', account: 'main', status: 'unknown' };

  it('is a property of the same error, and reaches the HTTP body', () => {
    const error = new PtsTimeoutError({ code: 'timeout', message: 'slow', outcomeUnknown: true });
    expect(error.withOrder(context)).toBe(error);
    expect(error.order).toEqual(context);
    expect(ptsHttpErrorBody(error)).toEqual({
      statusCode: 504,
      error: 'Gateway Timeout',
      message: 'slow',
      order: context,
    });
  });

  it('is absent from an error that has none', () => {
    const error = PtsError.fromGatewayAnswer({ code: '1003', message: '' });
    expect(error.order).toBeUndefined();
    expect(ptsHttpErrorBody(error)).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'PTS answered 1003 (Duplicate order id)',
      code: '1003',
    });
  });
});

describe('outcome of a failed create', () => {
  it('is known for a gateway refusal and unknown for a timeout that may have been sent', () => {
    expect(isPtsOutcomeUnknown(PtsError.fromGatewayAnswer({ code: '1001', message: '' }))).toBe(
      false,
    );
    const timeout = (outcomeUnknown?: boolean) =>
      new PtsTimeoutError({ code: 'timeout', message: 't', outcomeUnknown });
    expect(isPtsOutcomeUnknown(timeout(true))).toBe(true);
    expect(isPtsOutcomeUnknown(timeout(false))).toBe(false);
    // Not saying is the unsafe case.
    expect(isPtsOutcomeUnknown(timeout())).toBe(true);
    expect(
      isPtsOutcomeUnknown(
        new PtsNetworkError({ code: 'network', message: 'n', outcomeUnknown: false }),
      ),
    ).toBe(false);
    expect(
      isPtsOutcomeUnknown(new PtsProtocolError({ code: 'not_an_envelope', message: 'x' })),
    ).toBe(true);
  });
});

describe('JSON and inspect of an error', () => {
  const shown = (error: unknown) => `${JSON.stringify(error)}\n${inspect(error, { depth: 5 })}`;

  it('keep only the code and message of a gateway answer, not its sign or data', () => {
    const answer = {
      code: '1001',
      message: 'bad field',
      sign: 'SIGNATURE-SECRET-abc123',
      data: { token: 'TOKEN-SECRET-xyz' },
    };
    const text = shown(
      PtsError.fromGatewayAnswer(answer, 200).withOrder({
        orderId: 'o1',
        account: 'main',
        status: 'rejected',
      }),
    );
    expect(text).toContain('gateway_1001');
    expect(text).toContain('"order":{"orderId":"o1"');
    expect(text).not.toContain('SECRET');
  });

  it('show no safecode for an envelope that does not decrypt', () => {
    const safecode = 'SAFECODE-SECRET!';
    const error = thrown(() =>
      new PtsCipher({ safecode }).decrypt(
        new PtsCipher({ safecode: 'x'.repeat(16) }).encrypt('{}'),
      ),
    );
    expect(error).toBeInstanceOf(PtsDecryptionError);
    expect(shown(error)).not.toContain('SECRET');
  });

  it('show no key material for a key that does not parse', () => {
    const body = Buffer.from('KEY-SECRET-KEY-SECRET-KEY-SECRET').toString('base64');
    // Not a key: garbage in PEM armour (the label is assembled so no scanner takes it for one).
    const label = ['PRIVATE', 'KEY'].join(' ');
    const error = thrown(() =>
      parsePtsPrivateKey(`-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`, 'privateKey'),
    );
    expect(error).toBeInstanceOf(PtsKeyError);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'PtsKeyError',
      code: 'key_unparseable',
      option: 'privateKey',
    });
    expect(shown(error)).not.toContain(body);
    expect(shown(error)).not.toContain('SECRET');
  });
});
