/** Envelope codes, docs/protocol.md B5.2. "1000" is the only success. */
export const PTS_SUCCESS_CODE = '1000';

export const PTS_ENVELOPE_CODES: Readonly<Record<string, string>> = {
  '1000': 'Request accepted',
  '1001': 'Request field not valid',
  '1002': 'Transaction not found',
  '1003': 'Duplicate order id',
  '1004': 'Payment exceed quota limit',
  '1005': 'Withdraw amount too large',
  '1006': 'Withdraw amount too small',
  '1007': 'Not enough balance',
  '1008': 'Not supported currency',
  '1009': 'Unauthorized request',
  '1010': 'Signature check failed',
  '1011': 'This service does not supported',
  '1012': 'Token verify failed',
  '1013': 'Insufficient balance for withdrawal',
  '1014': 'Insufficient balance for exchange',
  '1015': 'Currency does not match the channel configuration',
  '1016': 'API token expired',
  '1017': 'Request data decryption failed',
  '1018': 'Whitelist not allow this IP',
  '1019': 'Withdraw confirm failed',
  '1020': 'Request not valid',
  '1021': 'Payee not found',
  '1100': 'Invalid account or password',
  '4001': 'Upstream request failed',
  '4002': 'Upstream return unsuccessful',
  '4003': 'Upstream response check failed',
  '4004': 'Upstream does not support this bank',
  '4005': 'Upsteam require cnaps code',
  '8001': 'Service not available',
  '8002': 'Gateway not available',
  '8003': 'Exceed quota limit',
  '8004': 'Below quota limit',
  '8005': 'Upstream API not ready',
  '8006': 'Payment return type not support',
  '8007': 'Request IP not allowed',
  '8008': 'Exchange rate not available',
  '8010': 'Balance hold failed',
  '8011': "Couldn't find merchant info",
  '8012': "Couldn't find admin info",
  '8013': 'Request validation failed',
  '8101': 'Gateway not configured',
  '8102': 'Gateway not enabled',
  '8103': 'User gateway not configured',
  '8104': 'User gateway not enabled',
  '8105': 'Upstream not enabled',
  '8106': 'Cannot get user safecode',
  '8107': 'Cannot get user public key',
  '8108': 'Gateway not found',
  '9000': 'Upstream api not ready',
  '9001': 'Request rule invalid',
  '9002': 'Response decode failed',
  '9003': 'Callback rule invalid',
  '9004': 'Can not get user balance',
  '9005': 'Gateway not found',
  '9006': 'Service config not ready',
  '9007': 'Gateway request error',
  '9008': 'System private key not ready',
  '9009': 'Return data not valid',
  '9999': 'Unrecognized server error',
};

/** What an envelope code means; unknown codes say so rather than guess. */
export function ptsCodeMeaning(code: string): string {
  return PTS_ENVELOPE_CODES[code] ?? `Unknown PTS code ${code}`;
}

/** Transaction status codes, B 5.1 (a different namespace from envelope codes). */
export const PTS_TRANSACTION_STATUSES = {
  '0000': 'waiting',
  '1000': 'processing',
  '2000': 'success',
  '3000': 'failed',
  '4000': 'error',
  '5000': 'expired',
} as const;

export type PtsTransactionStatusCode = keyof typeof PTS_TRANSACTION_STATUSES;

export function isPtsTransactionStatusCode(value: string): value is PtsTransactionStatusCode {
  return Object.prototype.hasOwnProperty.call(PTS_TRANSACTION_STATUSES, value);
}
