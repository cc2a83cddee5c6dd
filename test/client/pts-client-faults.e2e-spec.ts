import { createServer } from 'node:net';
import type { LoggerService } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isPtsOutcomeUnknown,
  PTS_ENVELOPE_CODES,
  PTS_SUCCESS_CODE,
  PtsGatewayError,
  PtsNetworkError,
  PtsProtocolError,
  PtsSignatureError,
  PtsTimeoutError,
  type PtsModuleOptions,
} from '../../src/pts/index.js';
import { quietFor } from '../support/waiting.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import {
  newOrderId,
  requestsFor,
  startClientApp,
  startSandboxHarness,
  type PtsClientApp,
  type PtsClientHarness,
} from './support/pts-client-harness.js';

/** Every line the module logs, to prove that no secret is ever among them. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private keep(level: string, message: unknown, rest: unknown[]) {
    this.lines.push(`${level} ${String(message)} ${rest.map((r) => String(r)).join(' ')}`);
  }
  log(message: unknown, ...rest: unknown[]) {
    this.keep('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.keep('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.keep('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.keep('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.keep('verbose', message, rest);
  }
}

const TIMEOUT_MS = 1000;

let db: TestDatabase;
let harness: PtsClientHarness;
let strict: PtsClientApp;
let warn: PtsClientApp;
const logger = new CapturingLogger();

function options(overrides: Partial<PtsModuleOptions> = {}): PtsModuleOptions {
  return {
    accounts: [harness.account('v2')],
    timeoutMs: TIMEOUT_MS,
    retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 50 },
    ...overrides,
  };
}

async function newPayment(app: PtsClientApp, amount = '40000'): Promise<string> {
  const orderId = newOrderId('F');
  await app.client.createPayment({ orderId, amount, currency: 'PHP', channel: 'QRPH' });
  return orderId;
}

function paymentRequest(orderId: string) {
  return { orderId, amount: '10', currency: 'PHP', channel: 'QRPH' };
}

/** Waits until the sandbox has finished with (recorded) the requests of an order. */
async function settledRequests(endpoint: string, orderId: string, count: number) {
  await harness.sandbox.waitForRequests(
    (all) => all.filter((r) => r.endpoint === endpoint && r.orderId === orderId).length >= count,
    5000,
  );
  // A moment more, to see an unwanted extra request if one were coming.
  await quietFor(100);
  return requestsFor(harness.sandbox, endpoint, orderId);
}

beforeAll(async () => {
  [db, harness] = await Promise.all([createTestDatabase('client_faults'), startSandboxHarness()]);
  [strict, warn] = await Promise.all([
    startClientApp(db, options(), logger),
    startClientApp(db, options({ verifyResponses: 'warn' }), logger),
  ]);
  // The sandbox makes its impostor key on first use (RSA key generation, up to a second on a
  // busy machine); make it now, so that no test below meets it under its short timeout.
  harness.sandbox.setFault({ kind: 'wrong-key', endpoint: 'balance', times: 1 });
  await warn.client.balance({}, { timeoutMs: 20_000 });
});

afterAll(async () => {
  await Promise.all([strict?.close(), warn?.close()]);
  await harness?.stop();
  await db?.drop();
});

describe('PTS envelope codes', () => {
  const codes = Object.keys(PTS_ENVELOPE_CODES).filter((c) => c !== PTS_SUCCESS_CODE);

  it.each(codes)('maps code %s to a PtsGatewayError with its meaning', async (code) => {
    harness.sandbox.setFault({ kind: 'error', code, endpoint: 'balance', times: 1 });
    const error = await strict.client.balance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PtsGatewayError);
    expect(error).toMatchObject({
      code: `gateway_${code}`,
      ptsCode: code,
      meaning: PTS_ENVELOPE_CODES[code],
    });
    expect(isPtsOutcomeUnknown(error)).toBe(false);
  });

  it('is not retried: an envelope code is an answer', async () => {
    const orderId = newOrderId('N');
    harness.sandbox.setFault({ kind: 'error', code: '9999', endpoint: 'paymentQuery', orderId });
    try {
      await expect(strict.client.queryPayment(orderId)).rejects.toMatchObject({ ptsCode: '9999' });
      expect(requestsFor(harness.sandbox, 'paymentQuery', orderId)).toHaveLength(1);
    } finally {
      harness.sandbox.clearFaults();
    }
  });
});

describe('verifying data.sign', () => {
  it.each(['tamper-amount', 'wrong-key'] as const)(
    'refuses an answer with %s in strict mode and accepts it in warn mode',
    async (kind) => {
      const orderId = await newPayment(strict);
      harness.sandbox.setFault({ kind, endpoint: 'paymentQuery', orderId, times: 1 });
      const error = await strict.client.queryPayment(orderId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PtsSignatureError);
      expect(error).toMatchObject({ code: 'signature_mismatch' });

      harness.sandbox.setFault({ kind, endpoint: 'paymentQuery', orderId, times: 1 });
      const accepted = await warn.client.queryPayment(orderId);
      expect(accepted.verification).toBe('unverified');
      expect(logger.lines.join('\n')).toMatch(/failed signature verification.*'warn'/);
    },
  );

  it('treats a create whose answer does not verify as outcome unknown', async () => {
    const orderId = newOrderId('S');
    harness.sandbox.setFault({ kind: 'wrong-key', endpoint: 'payment', orderId, times: 1 });
    const error = await strict.client
      .createPayment(paymentRequest(orderId))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PtsSignatureError);
    expect(isPtsOutcomeUnknown(error)).toBe(true);
  });

  it('verifies amounts sent with trailing zeros as received', async () => {
    const orderId = await newPayment(strict, '40000');
    harness.sandbox.setFault({
      kind: 'amount-format',
      format: 'trailing-zeros',
      endpoint: 'paymentQuery',
      orderId,
      times: 1,
    });
    const answer = await strict.client.queryPayment(orderId);
    expect(answer.submitAmount).toBe('40000.0000000000');
    expect(answer.verification).toBe('raw');
  });

  it('verifies amounts with trailing zeros signed the PHP-float way, and says so', async () => {
    const orderId = await newPayment(strict, '40000.50');
    harness.sandbox.setFault({
      kind: 'amount-format',
      format: 'trailing-zeros',
      signAs: 'php-float',
      endpoint: 'paymentQuery',
      orderId,
      times: 1,
    });
    const answer = await strict.client.queryPayment(orderId);
    expect(answer.submitAmount).toBe('40000.5000000000');
    expect(answer.verification).toBe('php-float');
  });

  it('keeps the exact text of amounts sent as JSON numbers', async () => {
    const orderId = await newPayment(strict, '123.450');
    harness.sandbox.setFault({
      kind: 'amount-format',
      format: 'number',
      endpoint: 'paymentQuery',
      orderId,
      times: 1,
    });
    const answer = await strict.client.queryPayment(orderId);
    expect(answer.submitAmount).toBe('123.450');
    expect(answer.verification).toBe('raw');
  });
});

describe('payment answers in the HTML style (B 1.3)', () => {
  it('hands the HTML to the caller verbatim', async () => {
    const orderId = newOrderId('H');
    const html =
      '<form action="https://pay.example/checkout" method="post"><input name="t" value="1"></form><script>document.forms[0].submit()</script>';
    harness.sandbox.setFault({
      kind: 'http-status',
      status: 200,
      body: html,
      endpoint: 'payment',
      orderId,
      times: 1,
    });
    await expect(strict.client.createPayment(paymentRequest(orderId))).resolves.toEqual({
      kind: 'html',
      html,
    });
  });

  it('hands a 3xx redirect back as kind redirect, and a QR-only answer with payUrl null', async () => {
    const redirected = newOrderId('R');
    harness.sandbox.setFault({
      kind: 'payment-answer',
      style: 'redirect',
      status: 307,
      orderId: redirected,
    });
    const location = await strict.client.createPayment(paymentRequest(redirected));
    expect(location).toEqual({
      kind: 'redirect',
      location: harness.sandbox.order(harness.credentials.userId, redirected)?.payUrl,
    });
    const qrOnly = newOrderId('Q');
    harness.sandbox.setFault({ kind: 'payment-answer', style: 'qr-only', orderId: qrOnly });
    await expect(strict.client.createPayment(paymentRequest(qrOnly))).resolves.toMatchObject({
      kind: 'json',
      payUrl: null,
      qrCode: expect.stringMatching(/^000201/),
      verification: 'raw',
    });
  });

  it('refuses a JSON payment answer with neither pay_url nor qr_code, outcome unknown', async () => {
    const orderId = newOrderId('N');
    harness.sandbox.setFault({
      kind: 'null-fields',
      fields: ['pay_url', 'qr_code'],
      endpoint: 'payment',
      orderId,
    });
    const error = await strict.client
      .createPayment(paymentRequest(orderId))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PtsMalformedMessageError', field: 'pay_url' });
    expect(isPtsOutcomeUnknown(error)).toBe(true);
  });

  it('refuses HTML where only JSON may come', async () => {
    harness.sandbox.setFault({
      kind: 'http-status',
      status: 200,
      body: '<html></html>',
      endpoint: 'balance',
      times: 1,
    });
    await expect(strict.client.balance()).rejects.toMatchObject({
      name: 'PtsProtocolError',
      code: 'unexpected_html',
    });
  });
});

describe('timeouts and retries', () => {
  it('fails a create that gets no answer in time within timeout + 1 s, outcome unknown, sent once', async () => {
    const orderId = newOrderId('T');
    harness.sandbox.setFault({ kind: 'delay', ms: 2500, endpoint: 'payment', orderId, times: 1 });
    const started = Date.now();
    const error = await strict.client
      .createPayment(paymentRequest(orderId))
      .catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(PtsTimeoutError);
    expect(error).toMatchObject({ code: 'timeout', outcomeUnknown: true });
    expect(isPtsOutcomeUnknown(error)).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1000);
    expect(await settledRequests('payment', orderId, 1)).toHaveLength(1);
  });

  it('honours a per-call timeout', async () => {
    const orderId = await newPayment(strict);
    harness.sandbox.setFault({ kind: 'delay', ms: 1500, endpoint: 'paymentQuery', orderId });
    try {
      const started = Date.now();
      const error = await strict.client
        .queryPayment(orderId, { timeoutMs: 200 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PtsTimeoutError);
      expect(error).toMatchObject({ outcomeUnknown: false });
      // Three attempts of 200 ms plus two short backoffs.
      expect(Date.now() - started).toBeLessThan(3 * 200 + 2 * 50 + 1000);
      expect(await settledRequests('paymentQuery', orderId, 3)).toHaveLength(3);
    } finally {
      harness.sandbox.clearFaults();
    }
  });

  it('fails a create whose connection drops after sending, outcome unknown, sent once', async () => {
    const orderId = newOrderId('D');
    harness.sandbox.setFault({ kind: 'drop', endpoint: 'payment', orderId, times: 1 });
    const error = await strict.client
      .createPayment(paymentRequest(orderId))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PtsNetworkError);
    expect(error).toMatchObject({ code: 'network', outcomeUnknown: true });
    expect(await settledRequests('payment', orderId, 1)).toHaveLength(1);
    // The sandbox did take the order: exactly why the outcome is unknown, not failed.
    expect(harness.sandbox.order(harness.credentials.userId, orderId)).toBeDefined();
  });

  it('does not retry a withdrawal either', async () => {
    const orderId = newOrderId('D');
    harness.sandbox.setFault({ kind: 'drop', endpoint: 'withdraw', orderId, times: 1 });
    const error = await strict.client
      .createWithdraw({ orderId, amount: '1', currency: 'PHP', channel: 'QRPH_INSTAPAY' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PtsNetworkError', outcomeUnknown: true });
    expect(await settledRequests('withdraw', orderId, 1)).toHaveLength(1);
  });

  it('retries a query whose connection dropped once, and succeeds', async () => {
    const orderId = await newPayment(strict);
    harness.sandbox.setFault({ kind: 'drop', endpoint: 'paymentQuery', orderId, times: 1 });
    const answer = await strict.client.queryPayment(orderId);
    expect(answer.orderId).toBe(orderId);
    expect(requestsFor(harness.sandbox, 'paymentQuery', orderId).map((r) => r.code)).toEqual([
      'dropped',
      '1000',
    ]);
  });

  it('retries a query that timed out once, and succeeds', async () => {
    const orderId = await newPayment(strict);
    harness.sandbox.setFault({
      kind: 'delay',
      ms: 1500,
      endpoint: 'paymentQuery',
      orderId,
      times: 1,
    });
    const started = Date.now();
    await expect(strict.client.queryPayment(orderId)).resolves.toMatchObject({ orderId });
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
  });

  it('retries a query answered with a bare HTTP 503, and succeeds', async () => {
    const orderId = await newPayment(strict);
    harness.sandbox.setFault({
      kind: 'http-status',
      status: 503,
      body: '<html>Service Unavailable</html>',
      endpoint: 'paymentQuery',
      orderId,
      times: 1,
    });
    await expect(strict.client.queryPayment(orderId)).resolves.toMatchObject({ orderId });
    expect(requestsFor(harness.sandbox, 'paymentQuery', orderId)).toHaveLength(2);
  });

  it('gives up after the configured attempts', async () => {
    harness.sandbox.setFault({ kind: 'drop', endpoint: 'balance', times: 3 });
    const before = requestsFor(harness.sandbox, 'balance').length;
    const error = await strict.client.balance().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PtsNetworkError', outcomeUnknown: false });
    expect(requestsFor(harness.sandbox, 'balance').length - before).toBe(3);
  });

  it('reports a non-envelope 5xx to a create as a protocol error with its status, not retried', async () => {
    const orderId = newOrderId('H');
    harness.sandbox.setFault({
      kind: 'http-status',
      status: 502,
      body: 'Bad Gateway',
      endpoint: 'payment',
      orderId,
      times: 1,
    });
    const error = await strict.client
      .createPayment(paymentRequest(orderId))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PtsProtocolError);
    expect(error).toMatchObject({ httpStatus: 502 });
    expect(requestsFor(harness.sandbox, 'payment', orderId)).toHaveLength(1);
  });

  it('says a create was never sent when the connection is refused', async () => {
    const port = await closedPort();
    const app = await startClientApp(
      db,
      options({ accounts: [harness.account('v2', { baseUrl: `http://127.0.0.1:${port}` })] }),
    );
    try {
      const error = await app.client
        .createPayment(paymentRequest(newOrderId('C')))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PtsNetworkError);
      expect(error).toMatchObject({ outcomeUnknown: false });
      expect(isPtsOutcomeUnknown(error)).toBe(false);
    } finally {
      await app.close();
    }
  });
});

describe('secrets', () => {
  it('never appear in what the module logged', () => {
    const text = logger.lines.join('\n');
    expect(logger.lines.length).toBeGreaterThan(10);
    const { safecode, transactionSecret, merchantPrivateKeyPem } = harness.credentials;
    expect(text).not.toContain(safecode);
    expect(text).not.toContain(transactionSecret);
    expect(text).not.toContain(merchantPrivateKeyPem.split('\n')[1]);
    expect(text).not.toMatch(/"sign"\s*:\s*"[A-Za-z0-9+/]{40,}/);
  });
});

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
