/**
 * The field tables of docs/protocol.md B4, as data: for every message of every
 * endpoint and version, which fields exist, which are required and which are signed.
 * Client, callback side and sandbox all read these tables; nothing else decides what is signed.
 */

export type PtsApiVersion = 'v1' | 'v2';

export const PTS_API_VERSIONS: readonly PtsApiVersion[] = ['v1', 'v2'];

/**
 * - `id`: a string; some v1 examples send `user_id` as a JSON integer, which is accepted.
 * - `integer`: an integer, as a JSON number or a string of digits (the docs' example sends
 *   `"timestamp": "1612245402"`).
 * - `amount`: a non-negative decimal, as a string or a JSON number (kept as text).
 * - `status`: a transaction status (B 5.1), string or integer.
 */
export type PtsFieldType =
  'string' | 'id' | 'integer' | 'amount' | 'status' | 'boolean' | 'url' | 'object' | 'array';

export interface PtsFieldSpec {
  readonly name: string;
  readonly type: PtsFieldType;
  readonly required: boolean;
  readonly signed: boolean;
}

export interface PtsMessageSpec {
  readonly name: PtsMessageName;
  readonly version: PtsApiVersion;
  readonly fields: readonly PtsFieldSpec[];
  /** True when the message carries a `sign` field (B 2). */
  readonly hasSign: boolean;
  /** Balance answers carry one object per currency under keys not known in advance. */
  readonly openKeys: boolean;
}

export type PtsMessageName =
  | 'paymentRequest'
  | 'paymentResponse'
  | 'paymentCallback'
  | 'paymentQueryRequest'
  | 'paymentQueryResponse'
  | 'withdrawRequest'
  | 'withdrawResponse'
  | 'withdrawCallback'
  | 'withdrawQueryRequest'
  | 'withdrawQueryResponse'
  | 'balanceRequest'
  | 'balanceResponse'
  | 'supportChannelRequest'
  | 'supportChannelResponse'
  | 'withdrawConfirmRequest'
  | 'withdrawConfirmResponse'
  | 'randomCodeRequest'
  | 'randomCodeResponse'
  | 'tokenRequest'
  | 'tokenResponse'
  | 'exchangeRateRequest'
  | 'exchangeRateResponse'
  | 'subscribeRequest'
  | 'subscribeResponse'
  | 'subscribeDisableRequest'
  | 'subscribeDisableResponse'
  | 'subscribeCallback';

/** Required and signed. */
const rs = (name: string, type: PtsFieldType = 'string'): PtsFieldSpec => ({
  name,
  type,
  required: true,
  signed: true,
});
/** Optional and signed (rendered `key=` when absent, A3). */
const os = (name: string, type: PtsFieldType = 'string'): PtsFieldSpec => ({
  name,
  type,
  required: false,
  signed: true,
});
/** Required, not signed. */
const r = (name: string, type: PtsFieldType = 'string'): PtsFieldSpec => ({
  name,
  type,
  required: true,
  signed: false,
});
/** Optional, not signed. */
const o = (name: string, type: PtsFieldType = 'string'): PtsFieldSpec => ({
  name,
  type,
  required: false,
  signed: false,
});

const SIGN = r('sign');

/** The signed core every payment/withdraw answer, callback and query answer shares. */
const TRANSACTION_CORE = [
  rs('user_id', 'id'),
  rs('order_id'),
  rs('transaction_id'),
  rs('channel'),
  rs('submit_currency'),
  rs('submit_amount', 'amount'),
  rs('accept_currency'),
  rs('accept_amount', 'amount'),
  rs('exchange_rate', 'amount'),
];

const STATUS_CORE = [...TRANSACTION_CORE, rs('status', 'status'), rs('timestamp', 'integer')];

function message(
  version: PtsApiVersion,
  name: PtsMessageName,
  fields: PtsFieldSpec[],
  extra: { hasSign?: boolean; openKeys?: boolean } = {},
): PtsMessageSpec {
  const hasSign = extra.hasSign ?? true;
  return {
    name,
    version,
    fields: hasSign ? [...fields, SIGN] : fields,
    hasSign,
    openKeys: extra.openKeys ?? false,
  };
}

function table(version: PtsApiVersion, messages: PtsMessageSpec[]) {
  return Object.fromEntries(messages.map((m) => [m.name, m])) as Partial<
    Record<PtsMessageName, PtsMessageSpec>
  >;
}

const WITHDRAW_CONFIRM = (v: PtsApiVersion) => [
  message(v, 'withdrawConfirmRequest', [
    rs('user_id', 'id'),
    rs('order_id'),
    rs('amount', 'amount'),
    rs('timestamp', 'integer'),
  ]),
  message(v, 'withdrawConfirmResponse', [rs('user_id', 'id'), rs('order_id'), rs('confirm')]),
];

const V2 = table('v2', [
  message('v2', 'paymentRequest', [
    rs('user_id', 'id'),
    rs('order_id'),
    rs('amount', 'amount'),
    rs('currency'),
    rs('channel'),
    rs('timestamp', 'integer'),
    o('details', 'object'),
    o('callback_url', 'url'),
    o('redirect_url', 'url'),
    o('error_url', 'url'),
    o('remark'),
  ]),
  message('v2', 'paymentResponse', [...TRANSACTION_CORE, rs('pay_url', 'url'), o('qr_code')]),
  message('v2', 'paymentCallback', [
    ...STATUS_CORE,
    o('submit_promo', 'amount'),
    o('accept_promo', 'amount'),
    o('payment_address'),
    o('receiving_address'),
    o('error_message'),
    o('reference_number'),
  ]),
  message('v2', 'paymentQueryRequest', [
    rs('user_id', 'id'),
    rs('order_id'),
    rs('timestamp', 'integer'),
  ]),
  message('v2', 'paymentQueryResponse', [
    ...STATUS_CORE,
    o('submit_promo', 'amount'),
    o('accept_promo', 'amount'),
    o('hash'),
    o('payment_address'),
    o('receiving_address'),
    o('error_message'),
    o('reference_number'),
  ]),
  message('v2', 'withdrawRequest', [
    rs('user_id', 'id'),
    rs('order_id'),
    rs('amount', 'amount'),
    rs('currency'),
    rs('channel'),
    rs('timestamp', 'integer'),
    // Required on the /2.0.x page, optional on the newest root page (B 8.11).
    o('details', 'object'),
    o('callback_url', 'url'),
    o('remark'),
  ]),
  message('v2', 'withdrawResponse', [...TRANSACTION_CORE]),
  message('v2', 'withdrawCallback', [
    ...STATUS_CORE,
    o('error_message'),
    o('reference_number'),
    o('details_url', 'url'),
  ]),
  message('v2', 'withdrawQueryRequest', [
    rs('user_id', 'id'),
    rs('order_id'),
    rs('timestamp', 'integer'),
  ]),
  message('v2', 'withdrawQueryResponse', [
    ...STATUS_CORE,
    o('hash'),
    o('error_message'),
    o('reference_number'),
    o('details_url', 'url'),
  ]),
  message('v2', 'balanceRequest', [
    rs('user_id', 'id'),
    o('balance_mode', 'integer'),
    rs('timestamp', 'integer'),
  ]),
  message('v2', 'balanceResponse', [rs('user_id', 'id')], { openKeys: true }),
  message('v2', 'supportChannelRequest', [
    rs('user_id', 'id'),
    rs('currency'),
    rs('timestamp', 'integer'),
  ]),
  message('v2', 'supportChannelResponse', [rs('user_id', 'id'), r('items', 'array')]),
  ...WITHDRAW_CONFIRM('v2'),
]);

const V1 = table('v1', [
  message('v1', 'paymentRequest', [
    rs('user_id', 'id'),
    rs('order_id'),
    rs('amount', 'amount'),
    rs('currency'),
    rs('channel'),
    o('email'),
    o('phone'),
    os('bank_code'),
    o('real_name'),
    rs('callback_url', 'url'),
    rs('redirect_url', 'url'),
    o('error_url', 'url'),
    rs('timestamp', 'integer'),
    o('remark'),
  ]),
  message('v1', 'paymentResponse', [...TRANSACTION_CORE, rs('pay_url', 'url'), o('qr_code')]),
  message('v1', 'paymentCallback', [
    ...STATUS_CORE,
    o('submit_promo', 'amount'),
    o('accept_promo', 'amount'),
    o('payment_address'),
    o('receiving_address'),
    o('error_message'),
  ]),
  message('v1', 'paymentQueryRequest', [
    rs('user_id', 'id'),
    rs('order_id'),
    o('return_hash', 'boolean'),
  ]),
  message('v1', 'paymentQueryResponse', [
    ...STATUS_CORE,
    o('submit_promo', 'amount'),
    o('accept_promo', 'amount'),
    o('hash'),
    o('payment_address'),
    o('receiving_address'),
    o('error_message'),
  ]),
  message('v1', 'withdrawRequest', [
    rs('user_id', 'id'),
    rs('order_id'),
    rs('amount', 'amount'),
    rs('currency'),
    rs('channel'),
    rs('card_no'),
    rs('card_name'),
    rs('card_type', 'integer'),
    rs('bank_code'),
    rs('bank_name'),
    rs('bank_branch'),
    rs('bank_province'),
    rs('bank_city'),
    // Mandatory only for card_type 2 (public accounts); signed as `cnaps_code=` otherwise.
    os('cnaps_code'),
    r('email'),
    r('phone'),
    o('first_name'),
    o('middle_name'),
    o('last_name'),
    rs('callback_url', 'url'),
    rs('timestamp', 'integer'),
    o('remark'),
  ]),
  message('v1', 'withdrawResponse', [...TRANSACTION_CORE]),
  message('v1', 'withdrawCallback', [...STATUS_CORE, o('error_message')]),
  message('v1', 'withdrawQueryRequest', [
    rs('user_id', 'id'),
    rs('order_id'),
    o('return_hash', 'boolean'),
  ]),
  message('v1', 'withdrawQueryResponse', [...STATUS_CORE, o('hash'), o('error_message')]),
  message('v1', 'balanceRequest', [rs('user_id', 'id'), o('type', 'integer')]),
  message('v1', 'balanceResponse', [rs('user_id', 'id')], { openKeys: true }),
  message('v1', 'randomCodeRequest', [r('user_id', 'id')], { hasSign: false }),
  message(
    'v1',
    'randomCodeResponse',
    [r('code'), o('expires_in', 'integer'), o('expires_at', 'integer')],
    { hasSign: false },
  ),
  message('v1', 'tokenRequest', [r('user_id', 'id'), r('hash')], { hasSign: false }),
  message(
    'v1',
    'tokenResponse',
    [r('token_type'), r('access_token'), o('expires_in', 'integer'), o('expires_at', 'integer')],
    { hasSign: false },
  ),
  ...WITHDRAW_CONFIRM('v1'),
]);

export const PTS_MESSAGES: Readonly<
  Record<PtsApiVersion, Partial<Record<PtsMessageName, PtsMessageSpec>>>
> = { v1: { ...V1, ...v1ExtraMessages() }, v2: { ...V2, ...v2ExtraMessages() } };

/** The spec of one message; throws for a message the version does not have (v1 has no channels). */
export function ptsMessageSpec(version: PtsApiVersion, name: PtsMessageName): PtsMessageSpec {
  const spec = PTS_MESSAGES[version][name];
  if (!spec) {
    throw new Error(`PTS ${version} has no message ${name}`);
  }
  return spec;
}

/** The "Sign yes" fields of a message, in table order. */
export function signedFieldNames(spec: PtsMessageSpec): string[] {
  return spec.fields.filter((f) => f.signed).map((f) => f.name);
}

export type PtsEndpointName =
  | 'payment'
  | 'paymentQuery'
  | 'withdraw'
  | 'withdrawQuery'
  | 'balance'
  | 'supportChannel'
  | 'randomCode'
  | 'token'
  | 'exchangeRate'
  | 'subscribe'
  | 'subscribeDisable';

export interface PtsEndpointSpec {
  readonly endpoint: PtsEndpointName;
  readonly version: PtsApiVersion;
  readonly request: PtsMessageName;
  readonly response: PtsMessageName;
  /** `{guid}` stands for the v2 merchant GUID. */
  readonly pathTemplate: string;
  /** false for the v1 token calls, which are plain JSON (B 3). */
  readonly encrypted: boolean;
}

function endpoint(
  version: PtsApiVersion,
  name: PtsEndpointName,
  pathTemplate: string,
  request: PtsMessageName,
  response: PtsMessageName,
  encrypted = true,
): PtsEndpointSpec {
  return { endpoint: name, version, request, response, pathTemplate, encrypted };
}

export const PTS_ENDPOINTS: Readonly<
  Record<PtsApiVersion, Partial<Record<PtsEndpointName, PtsEndpointSpec>>>
> = {
  v2: {
    payment: endpoint(
      'v2',
      'payment',
      '/merchant/v2/{guid}/payment',
      'paymentRequest',
      'paymentResponse',
    ),
    paymentQuery: endpoint(
      'v2',
      'paymentQuery',
      '/merchant/v2/{guid}/payment/query',
      'paymentQueryRequest',
      'paymentQueryResponse',
    ),
    withdraw: endpoint(
      'v2',
      'withdraw',
      '/merchant/v2/{guid}/withdraw',
      'withdrawRequest',
      'withdrawResponse',
    ),
    withdrawQuery: endpoint(
      'v2',
      'withdrawQuery',
      '/merchant/v2/{guid}/withdraw/query',
      'withdrawQueryRequest',
      'withdrawQueryResponse',
    ),
    balance: endpoint(
      'v2',
      'balance',
      '/merchant/v2/{guid}/balance',
      'balanceRequest',
      'balanceResponse',
    ),
    supportChannel: endpoint(
      'v2',
      'supportChannel',
      '/merchant/v2/{guid}/support-channel',
      'supportChannelRequest',
      'supportChannelResponse',
    ),
    ...v2ExtraEndpoints(),
  },
  v1: {
    payment: endpoint('v1', 'payment', '/merchant/payment', 'paymentRequest', 'paymentResponse'),
    paymentQuery: endpoint(
      'v1',
      'paymentQuery',
      '/merchant/order/payment',
      'paymentQueryRequest',
      'paymentQueryResponse',
    ),
    withdraw: endpoint(
      'v1',
      'withdraw',
      '/merchant/withdraw',
      'withdrawRequest',
      'withdrawResponse',
    ),
    withdrawQuery: endpoint(
      'v1',
      'withdrawQuery',
      '/merchant/order/withdraw',
      'withdrawQueryRequest',
      'withdrawQueryResponse',
    ),
    balance: endpoint('v1', 'balance', '/merchant/balance', 'balanceRequest', 'balanceResponse'),
    randomCode: endpoint(
      'v1',
      'randomCode',
      '/merchant/random_code',
      'randomCodeRequest',
      'randomCodeResponse',
      false,
    ),
    token: endpoint('v1', 'token', '/merchant/token', 'tokenRequest', 'tokenResponse', false),
    ...v1ExtraEndpoints(),
  },
};

export function ptsEndpointSpec(version: PtsApiVersion, name: PtsEndpointName): PtsEndpointSpec {
  const spec = PTS_ENDPOINTS[version][name];
  if (!spec) {
    throw new Error(`PTS ${version} has no endpoint ${name}`);
  }
  return spec;
}

export function ptsEndpointPath(spec: PtsEndpointSpec, guid?: string): string {
  if (!spec.pathTemplate.includes('{guid}')) return spec.pathTemplate;
  if (!guid) throw new Error(`PTS ${spec.version} ${spec.endpoint} needs the merchant GUID`);
  return spec.pathTemplate.replace('{guid}', encodeURIComponent(guid));
}

// ---- Exchange rate (v1) and the v2.1 subscribe family (docs/protocol.md B4.9, B4.11)

/**
 * B4.9: the answer carries one object `{payment, withdraw}` per other currency, under keys not
 * known in advance (like balance).
 */
function v1ExtraMessages() {
  return table('v1', [
    message('v1', 'exchangeRateRequest', [rs('user_id', 'id'), rs('trade_currency')]),
    message('v1', 'exchangeRateResponse', [rs('user_id', 'id'), rs('trade_currency')], {
      openKeys: true,
    }),
  ]);
}

/**
 * B4.11. The pages list the subscribe request in full; the disable request, the disable answer
 * and the callback are cut short ("…") in every stored copy. What we decided for the missing
 * parts is in docs/subscriptions.md: the disable request is user_id, order_id, timestamp (like
 * every v2 query); its answer is signed over user_id, order_id, transaction_id and `enabled`,
 * with the unsigned list `payments`; the callback's payment fields are signed but optional (a
 * callback that only reports `enabled: false` has no payment).
 */
function v2ExtraMessages() {
  return table('v2', [
    message('v2', 'subscribeRequest', [
      rs('user_id', 'id'),
      rs('order_id'),
      rs('amount', 'amount'),
      rs('currency'),
      rs('channel'),
      rs('card_number'),
      rs('card_exp_month'),
      rs('card_exp_year'),
      rs('card_cvc'),
      rs('first_name'),
      rs('last_name'),
      rs('period_count', 'integer'),
      rs('period_unit', 'integer'),
      rs('timestamp', 'integer'),
      o('middle_name'),
      o('details', 'object'),
      o('callback_url', 'url'),
      o('remark'),
    ]),
    message('v2', 'subscribeResponse', [...TRANSACTION_CORE]),
    message('v2', 'subscribeDisableRequest', [
      rs('user_id', 'id'),
      rs('order_id'),
      rs('timestamp', 'integer'),
    ]),
    message('v2', 'subscribeDisableResponse', [
      rs('user_id', 'id'),
      rs('order_id'),
      rs('transaction_id'),
      rs('enabled', 'boolean'),
      o('payments', 'array'),
    ]),
    message('v2', 'subscribeCallback', [
      ...TRANSACTION_CORE,
      os('payment_transaction_id'),
      os('payment_status', 'status'),
      rs('enabled', 'boolean'),
      rs('period_count', 'integer'),
      rs('period_unit', 'integer'),
      rs('subscribe_at', 'integer'),
      os('last_payment_at', 'integer'),
      os('next_payment_at', 'integer'),
      rs('timestamp', 'integer'),
      o('error_message'),
    ]),
  ]);
}

function v1ExtraEndpoints() {
  return {
    exchangeRate: endpoint(
      'v1',
      'exchangeRate',
      '/merchant/rate',
      'exchangeRateRequest',
      'exchangeRateResponse',
    ),
  };
}

function v2ExtraEndpoints() {
  return {
    subscribe: endpoint(
      'v2',
      'subscribe',
      '/merchant/v2.1/{guid}/subscribe',
      'subscribeRequest',
      'subscribeResponse',
    ),
    subscribeDisable: endpoint(
      'v2',
      'subscribeDisable',
      '/merchant/v2.1/{guid}/subscribe/disable',
      'subscribeDisableRequest',
      'subscribeDisableResponse',
    ),
  };
}
