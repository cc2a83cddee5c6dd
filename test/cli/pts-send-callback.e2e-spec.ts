import { createVerify, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLosslessNumber, parse } from 'lossless-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPts } from './run-pts.js';

const SAFECODE = '0123456789abcdef0123456789abcdef';
// docs/protocol.md B4.2 / B4.5: the "Sign yes" fields of both callbacks, written out here so that
// the receiver checks the command against the table, not against our own field code.
const CALLBACK_SIGNED = [
  'accept_amount',
  'accept_currency',
  'channel',
  'exchange_rate',
  'order_id',
  'status',
  'submit_amount',
  'submit_currency',
  'timestamp',
  'transaction_id',
  'user_id',
];

interface Received {
  path: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
  verified: boolean;
}

function text(value: unknown): string {
  return isLosslessNumber(value) ? value.value : String(value);
}

describe('pts send-callback (against a receiver that checks the signature with node:crypto)', () => {
  const gateway = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const gatewayPublicPem = gateway.publicKey.export({ type: 'spki', format: 'pem' });
  let dir: string;
  let server: Server;
  let baseUrl: string;
  const received: Received[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pts-cli-callback-'));
    await writeFile(
      join(dir, 'gateway-private.pem'),
      gateway.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      { mode: 0o600 },
    );
    server = createServer((req: IncomingMessage, res) => {
      let raw = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
      req.on('end', () => {
        if (req.url === '/silent') return; // never answers: the command must time out
        const body = parse(raw) as Record<string, unknown>;
        const signString = [...CALLBACK_SIGNED.map((k) => `${k}=${text(body[k])}`), SAFECODE].join(
          '&',
        );
        const verified = createVerify('sha256')
          .update(signString, 'utf8')
          .verify(gatewayPublicPem, Buffer.from(String(body.sign), 'base64'));
        received.push({
          path: req.url ?? '',
          contentType: req.headers['content-type'],
          body,
          verified,
        });
        const ok = verified && req.url !== '/refuse';
        res.writeHead(ok ? 200 : 400, { 'content-type': 'text/plain' });
        res.end(ok ? 'SUCCESS' : 'FAILED');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const common = [
    '--key',
    'gateway-private.pem',
    '--user-id',
    '1',
    '--order-id',
    'ORD-7',
    '--amount',
    '100.10',
  ];

  it('posts a signed payment callback that verifies and exits 0 on SUCCESS', async () => {
    received.length = 0;
    const run = await runPts(
      [
        'send-callback',
        '--url',
        `${baseUrl}/pts/callback/payment`,
        '--kind',
        'payment',
        ...common,
        '--transaction-id',
        'P123',
        '--timestamp',
        '1704067200',
      ],
      { cwd: dir, env: { PTS_SAFECODE: SAFECODE } },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('\nHTTP 200\nSUCCESS\n');
    expect(run.stdout).toContain(
      'sign string: accept_amount=100.10&accept_currency=PHP&channel=QRPH&exchange_rate=1&order_id=ORD-7&status=2000&submit_amount=100.10&submit_currency=PHP&timestamp=1704067200&transaction_id=P123&user_id=1&<safecode>\n',
    );
    expect(run.stdout).not.toContain(SAFECODE);
    expect(received).toHaveLength(1);
    const [callback] = received;
    expect(callback.verified).toBe(true);
    expect(callback.path).toBe('/pts/callback/payment');
    expect(callback.contentType).toBe('application/json');
    expect(text(callback.body.submit_amount)).toBe('100.10');
    expect(isLosslessNumber(callback.body.submit_amount)).toBe(true);
    expect(callback.body.status).toBe('2000');
  });

  it('exits 1 when the receiver answers FAILED, when nobody listens, and when nobody answers in time', async () => {
    received.length = 0;
    const env = { PTS_SAFECODE: SAFECODE };
    const [refused, wrongSafecode, unreachable, silent] = await Promise.all([
      runPts(
        [
          'send-callback',
          '--url',
          `${baseUrl}/refuse`,
          '--kind',
          'withdraw',
          '--status',
          'failed',
          ...common,
        ],
        { cwd: dir, env },
      ),
      runPts(
        [
          'send-callback',
          '--url',
          `${baseUrl}/w`,
          '--kind',
          'withdraw',
          '--safecode',
          'another-safecode',
          ...common,
        ],
        { cwd: dir },
      ),
      runPts(['send-callback', '--url', 'http://127.0.0.1:1/', '--kind', 'payment', ...common], {
        cwd: dir,
        env,
      }),
      runPts(
        [
          'send-callback',
          '--url',
          `${baseUrl}/silent`,
          '--kind',
          'payment',
          '--timeout',
          '0.5',
          ...common,
        ],
        { cwd: dir, env },
      ),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('HTTP 400\nFAILED\n');
    expect(refused.stderr).toBe(
      'pts send-callback: the receiver answered `FAILED` with HTTP 400, not SUCCESS\n',
    );
    expect(received.find((r) => r.path === '/refuse')).toMatchObject({
      verified: true,
      body: { status: '3000' },
    });
    expect(wrongSafecode.code).toBe(1);
    expect(received.find((r) => r.path === '/w')?.verified).toBe(false);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /^pts send-callback: could not reach http:\/\/127\.0\.0\.1:1\/: .*ECONNREFUSED/,
    );
    expect(silent.code).toBe(1);
    expect(silent.stderr).toBe(
      `pts send-callback: no answer from ${baseUrl}/silent within 0.5 s (--timeout)\n`,
    );
  });
});
