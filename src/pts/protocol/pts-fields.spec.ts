import { describe, expect, it } from 'vitest';
import {
  PTS_API_VERSIONS,
  PTS_ENDPOINTS,
  PTS_MESSAGES,
  ptsEndpointPath,
  ptsEndpointSpec,
  ptsMessageSpec,
  signedFieldNames,
  type PtsApiVersion,
  type PtsEndpointName,
  type PtsMessageName,
  type PtsMessageSpec,
} from './pts-fields.js';

const sorted = (names: readonly string[]) => [...names].sort();

/** Every message spec of both versions. */
const ALL_SPECS: PtsMessageSpec[] = PTS_API_VERSIONS.flatMap((v) =>
  Object.values(PTS_MESSAGES[v]).filter((s): s is PtsMessageSpec => s !== undefined),
);

// docs/protocol.md B2.2: the whitelists of PTS's own serialize_sign.
const TRANSACTION = [
  'user_id',
  'order_id',
  'transaction_id',
  'channel',
  'submit_currency',
  'submit_amount',
  'accept_currency',
  'accept_amount',
  'exchange_rate',
];
const WHITELISTS: [PtsApiVersion, PtsMessageName, string, string[]][] = [
  [
    'v2',
    'paymentRequest',
    'payment_v2',
    ['user_id', 'order_id', 'amount', 'currency', 'channel', 'timestamp'],
  ],
  [
    'v2',
    'withdrawRequest',
    'withdraw_v2',
    ['user_id', 'order_id', 'amount', 'currency', 'channel', 'timestamp'],
  ],
  ['v2', 'paymentQueryRequest', 'payment_query_v2', ['user_id', 'order_id', 'timestamp']],
  ['v2', 'withdrawQueryRequest', 'withdraw_query_v2', ['user_id', 'order_id', 'timestamp']],
  ['v2', 'balanceRequest', 'balance_v2', ['user_id', 'timestamp']],
  ['v2', 'paymentResponse', 'payment_response', [...TRANSACTION, 'pay_url']],
  ['v2', 'withdrawResponse', 'withdraw_response', TRANSACTION],
  [
    'v1',
    'paymentRequest',
    'payment',
    [
      'user_id',
      'order_id',
      'amount',
      'currency',
      'channel',
      'bank_code',
      'callback_url',
      'redirect_url',
      'timestamp',
    ],
  ],
  [
    'v1',
    'withdrawRequest',
    'withdraw',
    [
      'user_id',
      'order_id',
      'amount',
      'currency',
      'channel',
      'card_no',
      'card_name',
      'card_type',
      'bank_code',
      'bank_name',
      'bank_branch',
      'bank_province',
      'bank_city',
      'cnaps_code',
      'callback_url',
      'timestamp',
    ],
  ],
  ['v1', 'paymentQueryRequest', 'payment_order', ['user_id', 'order_id']],
  ['v1', 'withdrawQueryRequest', 'withdraw_order', ['user_id', 'order_id']],
];

// docs/protocol.md B4: the "Sign yes" columns where B2.2 has no whitelist.
const SIGN_COLUMNS: [PtsApiVersion, PtsMessageName, string[]][] = [
  ...PTS_API_VERSIONS.flatMap((v): [PtsApiVersion, PtsMessageName, string[]][] => [
    [v, 'paymentCallback', [...TRANSACTION, 'status', 'timestamp']],
    [v, 'withdrawCallback', [...TRANSACTION, 'status', 'timestamp']],
    [v, 'paymentQueryResponse', [...TRANSACTION, 'status', 'timestamp']],
    [v, 'withdrawQueryResponse', [...TRANSACTION, 'status', 'timestamp']],
    [v, 'withdrawConfirmRequest', ['user_id', 'order_id', 'amount', 'timestamp']],
    [v, 'withdrawConfirmResponse', ['user_id', 'order_id', 'confirm']],
    [v, 'balanceResponse', ['user_id']],
  ]),
  ['v1', 'paymentResponse', [...TRANSACTION, 'pay_url']],
  ['v1', 'withdrawResponse', TRANSACTION],
  ['v1', 'balanceRequest', ['user_id']],
  ['v2', 'supportChannelRequest', ['user_id', 'currency', 'timestamp']],
  ['v2', 'supportChannelResponse', ['user_id']],
  // B4.9 and B4.11 (docs/subscriptions.md for the parts the pages cut short).
  ['v1', 'exchangeRateRequest', ['user_id', 'trade_currency']],
  ['v1', 'exchangeRateResponse', ['user_id', 'trade_currency']],
  [
    'v2',
    'subscribeRequest',
    [
      'user_id',
      'order_id',
      'amount',
      'currency',
      'channel',
      'card_number',
      'card_exp_month',
      'card_exp_year',
      'card_cvc',
      'first_name',
      'last_name',
      'period_count',
      'period_unit',
      'timestamp',
    ],
  ],
  ['v2', 'subscribeResponse', TRANSACTION],
  ['v2', 'subscribeDisableRequest', ['user_id', 'order_id', 'timestamp']],
  ['v2', 'subscribeDisableResponse', ['user_id', 'order_id', 'transaction_id', 'enabled']],
  [
    'v2',
    'subscribeCallback',
    [
      ...TRANSACTION,
      'payment_transaction_id',
      'payment_status',
      'enabled',
      'period_count',
      'period_unit',
      'subscribe_at',
      'last_payment_at',
      'next_payment_at',
      'timestamp',
    ],
  ],
];

describe('signed fields equal the PTS whitelists (B 2.2)', () => {
  it.each(WHITELISTS)('%s %s signs exactly the %s whitelist', (version, name, _type, whitelist) => {
    expect(sorted(signedFieldNames(ptsMessageSpec(version, name)))).toEqual(sorted(whitelist));
  });

  it.each(SIGN_COLUMNS)('%s %s signs exactly its "Sign yes" column', (version, name, column) => {
    expect(sorted(signedFieldNames(ptsMessageSpec(version, name)))).toEqual(sorted(column));
  });

  it('has a signed-field check for every message that carries a sign', () => {
    const checked = new Set([
      ...WHITELISTS.map(([v, n]) => `${v} ${n}`),
      ...SIGN_COLUMNS.map(([v, n]) => `${v} ${n}`),
    ]);
    for (const spec of ALL_SPECS.filter((s) => s.hasSign)) {
      expect(checked.has(`${spec.version} ${spec.name}`), `${spec.version} ${spec.name}`).toBe(
        true,
      );
    }
  });

  it('signs the v1 optional bank_code and cnaps_code as `key=` when absent (optional, signed)', () => {
    const payment = ptsMessageSpec('v1', 'paymentRequest').fields.find(
      (f) => f.name === 'bank_code',
    );
    const withdraw = ptsMessageSpec('v1', 'withdrawRequest').fields.find(
      (f) => f.name === 'cnaps_code',
    );
    expect(payment).toMatchObject({ required: false, signed: true });
    expect(withdraw).toMatchObject({ required: false, signed: true });
  });
});

describe('fields that are never signed (A3)', () => {
  it.each(ALL_SPECS.map((s) => [s.version, s.name, s] as const))(
    '%s %s signs neither sign, remark nor details',
    (_v, _n, spec) => {
      const signed = signedFieldNames(spec);
      expect(signed).not.toContain('sign');
      expect(signed).not.toContain('remark');
      expect(signed).not.toContain('details');
    },
  );

  it('signs no URL in any v2 request, callback or confirmation', () => {
    const v2 = ALL_SPECS.filter((s) => s.version === 'v2');
    for (const spec of v2) {
      for (const url of ['callback_url', 'redirect_url', 'error_url', 'details_url']) {
        expect(signedFieldNames(spec), `${spec.name} ${url}`).not.toContain(url);
      }
    }
    for (const spec of v2.filter((s) => s.name.endsWith('Request'))) {
      expect(spec.fields.filter((f) => f.type === 'url' && f.signed)).toEqual([]);
    }
  });

  it('keeps `pay_url` signed in the payment response, as PTS whitelist payment_response does', () => {
    expect(signedFieldNames(ptsMessageSpec('v2', 'paymentResponse'))).toContain('pay_url');
  });

  it('gives every signed message a required, unsigned `sign` field, and the token calls none', () => {
    for (const spec of ALL_SPECS) {
      const sign = spec.fields.find((f) => f.name === 'sign');
      if (spec.hasSign) {
        expect(sign, `${spec.version} ${spec.name}`).toEqual({
          name: 'sign',
          type: 'string',
          required: true,
          signed: false,
        });
      } else {
        expect(sign, `${spec.version} ${spec.name}`).toBeUndefined();
      }
    }
    for (const name of [
      'randomCodeRequest',
      'randomCodeResponse',
      'tokenRequest',
      'tokenResponse',
    ] as const) {
      expect(ptsMessageSpec('v1', name).hasSign).toBe(false);
    }
  });

  it('lists each field of a message once', () => {
    for (const spec of ALL_SPECS) {
      const names = spec.fields.map((f) => f.name);
      expect(new Set(names).size, `${spec.version} ${spec.name}`).toBe(names.length);
    }
  });

  it('marks every signed amount as an amount, so it never goes through a float', () => {
    for (const spec of ALL_SPECS) {
      for (const f of spec.fields.filter((x) => /amount|exchange_rate/.test(x.name))) {
        expect(f.type, `${spec.version} ${spec.name} ${f.name}`).toBe('amount');
      }
    }
  });
});

describe('endpoints (B 4, B 7)', () => {
  const GUID = '6f1c2d3e-aaaa-bbbb-cccc-0123456789ab';
  const PATHS: [PtsApiVersion, PtsEndpointName, string][] = [
    ['v2', 'payment', `/merchant/v2/${GUID}/payment`],
    ['v2', 'paymentQuery', `/merchant/v2/${GUID}/payment/query`],
    ['v2', 'withdraw', `/merchant/v2/${GUID}/withdraw`],
    ['v2', 'withdrawQuery', `/merchant/v2/${GUID}/withdraw/query`],
    ['v2', 'balance', `/merchant/v2/${GUID}/balance`],
    ['v2', 'supportChannel', `/merchant/v2/${GUID}/support-channel`],
    ['v1', 'payment', '/merchant/payment'],
    ['v1', 'paymentQuery', '/merchant/order/payment'],
    ['v1', 'withdraw', '/merchant/withdraw'],
    ['v1', 'withdrawQuery', '/merchant/order/withdraw'],
    ['v1', 'balance', '/merchant/balance'],
    ['v1', 'randomCode', '/merchant/random_code'],
    ['v1', 'token', '/merchant/token'],
    ['v1', 'exchangeRate', '/merchant/rate'],
    ['v2', 'subscribe', `/merchant/v2.1/${GUID}/subscribe`],
    ['v2', 'subscribeDisable', `/merchant/v2.1/${GUID}/subscribe/disable`],
  ];

  it.each(PATHS)('%s %s posts to %s', (version, name, path) => {
    expect(ptsEndpointPath(ptsEndpointSpec(version, name), GUID)).toBe(path);
  });

  it('lists exactly those endpoints', () => {
    for (const version of PTS_API_VERSIONS) {
      expect(sorted(Object.keys(PTS_ENDPOINTS[version]))).toEqual(
        sorted(PATHS.filter(([v]) => v === version).map(([, n]) => n)),
      );
    }
  });

  it('encodes the GUID as one path segment', () => {
    expect(ptsEndpointPath(ptsEndpointSpec('v2', 'balance'), 'a/b c')).toBe(
      '/merchant/v2/a%2Fb%20c/balance',
    );
  });

  it('ignores the GUID for v1 paths', () => {
    expect(ptsEndpointPath(ptsEndpointSpec('v1', 'balance'), GUID)).toBe('/merchant/balance');
    expect(ptsEndpointPath(ptsEndpointSpec('v1', 'balance'))).toBe('/merchant/balance');
  });

  it('refuses a v2 path without a GUID', () => {
    expect(() => ptsEndpointPath(ptsEndpointSpec('v2', 'payment'))).toThrow(/GUID/);
    expect(() => ptsEndpointPath(ptsEndpointSpec('v2', 'payment'), '')).toThrow(/GUID/);
  });

  it('encrypts every call except the v1 token calls', () => {
    for (const version of PTS_API_VERSIONS) {
      for (const spec of Object.values(PTS_ENDPOINTS[version])) {
        const plain = spec.endpoint === 'randomCode' || spec.endpoint === 'token';
        expect(spec.encrypted, `${version} ${spec.endpoint}`).toBe(!plain);
      }
    }
  });

  it('names request and response messages that exist in the same version', () => {
    for (const version of PTS_API_VERSIONS) {
      for (const spec of Object.values(PTS_ENDPOINTS[version])) {
        expect(ptsMessageSpec(version, spec.request).version).toBe(version);
        expect(ptsMessageSpec(version, spec.response).version).toBe(version);
      }
    }
  });

  it('has no support channel, random code or token where the version has none', () => {
    expect(() => ptsEndpointSpec('v1', 'supportChannel')).toThrow(/v1 has no endpoint/);
    expect(() => ptsEndpointSpec('v2', 'token')).toThrow(/v2 has no endpoint/);
    expect(() => ptsMessageSpec('v1', 'supportChannelRequest')).toThrow(/v1 has no message/);
    expect(() => ptsMessageSpec('v2', 'randomCodeRequest')).toThrow(/v2 has no message/);
  });
});
