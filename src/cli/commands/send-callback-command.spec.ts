import { createVerify, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPtsCli } from '../cli.js';
import { bufferedCliIo } from '../io.js';

// A test gateway key, generated once for this file.
const gateway = generateKeyPairSync('rsa', { modulusLength: 2048 });
const SAFECODE = '0123456789abcdef0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'pts-cli-send-'));
writeFileSync(
  join(dir, 'gateway-private.pem'),
  gateway.privateKey.export({ type: 'pkcs8', format: 'pem' }),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function pts(args: string[], env: Record<string, string> = {}) {
  const io = bufferedCliIo({ cwd: dir, env: { PTS_SAFECODE: SAFECODE, ...env } });
  const code = await runPtsCli(args, io);
  return { code, out: io.out, err: io.err };
}

const DRY = [
  'send-callback',
  '--dry-run',
  '--key',
  'gateway-private.pem',
  '--order-id',
  'W-1',
  '--user-id',
  '7',
];

describe('pts send-callback --dry-run', () => {
  it('prints a withdraw callback whose sign covers the B 4.5 fields with the values as sent', async () => {
    const run = await pts([
      ...DRY,
      '--kind',
      'withdraw',
      '--amount',
      '500.000000',
      '--accept-amount',
      '9.35',
      '--accept-currency',
      'USDT',
      '--exchange-rate',
      '0.0187',
      '--status',
      'processing',
      '--timestamp',
      '1621592342',
      '--transaction-id',
      'W2021',
      '--channel',
      'QRPH_INSTAPAY',
      '--error-message',
      'none',
    ]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const sign = /"sign":"([^"]+)"/.exec(run.out)?.[1] ?? '';
    expect(run.out).toBe(
      `{"user_id":"7","order_id":"W-1","transaction_id":"W2021","channel":"QRPH_INSTAPAY","submit_currency":"PHP","submit_amount":500.000000,"accept_currency":"USDT","accept_amount":9.35,"exchange_rate":0.0187,"status":"1000","timestamp":1621592342,"error_message":"none","sign":"${sign}"}\n`,
    );
    const signString = `accept_amount=9.35&accept_currency=USDT&channel=QRPH_INSTAPAY&exchange_rate=0.0187&order_id=W-1&status=1000&submit_amount=500.000000&submit_currency=PHP&timestamp=1621592342&transaction_id=W2021&user_id=7&${SAFECODE}`;
    expect(
      createVerify('sha256')
        .update(signString)
        .verify(gateway.publicKey, Buffer.from(sign, 'base64')),
    ).toBe(true);
  });

  it('takes the user id from PTS_USER_ID and the key from PTS_GATEWAY_PRIVATE_KEY_FILE', async () => {
    const run = await pts(
      ['send-callback', '--dry-run', '--kind', 'payment', '--order-id', 'P-1', '--amount', '1'],
      { PTS_USER_ID: '42', PTS_GATEWAY_PRIVATE_KEY_FILE: 'gateway-private.pem' },
    );
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^\{"user_id":"42","order_id":"P-1","transaction_id":"P\d+",/);
  });

  it('names the flag at fault', async () => {
    const cases: [string[], string][] = [
      [['send-callback', '--kind', 'payment'], 'pts send-callback: option --url is required'],
      [
        ['send-callback', '--url', 'ftp://x/', '--kind', 'payment'],
        'pts send-callback: option --url must be http:// or https://, got `ftp:`',
      ],
      [
        ['send-callback', '--url', 'not a url', '--kind', 'payment'],
        'pts send-callback: option --url is not a URL: `not a url`',
      ],
      [
        [...DRY, '--kind', 'refund'],
        'pts send-callback: option --kind must be one of payment, withdraw, got `refund`',
      ],
      [[...DRY, '--kind', 'payment'], 'pts send-callback: option --amount is required'],
      [
        [...DRY, '--kind', 'payment', '--amount=-1'],
        'pts send-callback: option --amount must be a decimal such as 100.00, got `-1`',
      ],
      [
        [...DRY, '--kind', 'payment', '--amount', '1', '--exchange-rate', 'one'],
        'pts send-callback: option --exchange-rate must be a decimal such as 100.00, got `one`',
      ],
      [
        [...DRY, '--kind', 'payment', '--amount', '1', '--status', '2500'],
        'pts send-callback: option --status must be one of 0000 (waiting), 1000 (processing), 2000 (success), 3000 (failed), 4000 (error), 5000 (expired), got `2500`',
      ],
      [
        [...DRY, '--kind', 'payment', '--amount', '1', '--timestamp', 'now'],
        'pts send-callback: option --timestamp must be Unix seconds, got `now`',
      ],
      [
        [...DRY, '--kind', 'payment', '--amount', '1', '--timeout', '0'],
        'pts send-callback: option --timeout must be a number of seconds above 0 and at most 3600, got `0`',
      ],
      [
        [
          'send-callback',
          '--dry-run',
          '--kind',
          'payment',
          '--order-id',
          'A',
          '--amount',
          '1',
          '--key',
          'gateway-private.pem',
        ],
        'pts send-callback: option --user-id is required (or set PTS_USER_ID)',
      ],
      [
        [
          'send-callback',
          '--dry-run',
          '--kind',
          'payment',
          '--order-id',
          'A',
          '--amount',
          '1',
          '--user-id',
          '1',
        ],
        'pts send-callback: no gateway private key to sign the callback with: give --key FILE or set PTS_GATEWAY_PRIVATE_KEY (or PTS_GATEWAY_PRIVATE_KEY_FILE)',
      ],
    ];
    for (const [args, message] of cases) {
      const run = await pts(args);
      expect({ args, code: run.code, out: run.out }).toEqual({ args, code: 2, out: '' });
      expect(run.err.startsWith(message), `${run.err} should start with ${message}`).toBe(true);
    }
  });
});
