/**
 * Whether an error means PostgreSQL could not be reached or did not answer in time (a fault a
 * retry may cure: 503), as opposed to a query the database refused.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    if (!(e instanceof Error)) return false;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      // 08: connection exception; 57014: statement_timeout; 57P0x: shutdown; 53300: too many
      // connections; 25P03: idle_in_transaction_session_timeout.
      if (/^08|^57014$|^57P0\d$|^53300$|^25P03$/.test(code)) return true;
      if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND)$/.test(code)) {
        return true;
      }
    }
    if (UNAVAILABLE_MESSAGES.some((m) => e instanceof Error && e.message.includes(m))) return true;
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? e.cause;
  }
  return false;
}

const UNAVAILABLE_MESSAGES = [
  'Query read timeout',
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'Connection is not established',
];

/**
 * Whether PostgreSQL refused a value as data (22xxx: too long, out of range, bad syntax, NUL in
 * text) or hit its stack depth limit (54001): bad input that validation let through, a 400
 * rather than a 500.
 */
export function isDatabaseDataError(error: unknown): boolean {
  const driver = (error as { driverError?: { code?: unknown } } | undefined)?.driverError;
  const code = driver?.code ?? (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (/^22/.test(code) || code === '54001');
}
