import { createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPts } from './run-pts.js';

/** `pts sign` / `pts verify` know the exchange rate and subscribe messages (B4.9, B4.11). */
const SAFECODE = '0123456789abcdef0123456789abcdef';
const CARD = '4000056655665556';

const SUBSCRIBE = {
  user_id: '1',
  order_id: 'SUB1',
  amount: '499.00',
  currency: 'PHP',
  channel: 'CARD',
  card_number: CARD,
  card_exp_month: '07',
  card_exp_year: '2031',
  card_cvc: '9417',
  first_name: 'Juan',
  last_name: 'Dela Cruz',
  period_count: 1,
  period_unit: 2,
  timestamp: 1704067200,
  remark: 'not signed',
};
const SUBSCRIBE_SIGN_STRING =
  `amount=499.00&card_cvc=9417&card_exp_month=07&card_exp_year=2031&card_number=${CARD}` +
  `&channel=CARD&currency=PHP&first_name=Juan&last_name=Dela Cruz&order_id=SUB1&period_count=1` +
  `&period_unit=2&timestamp=1704067200&user_id=1&${SAFECODE}`;

describe('pts sign / verify with the new messages (as a process)', () => {
  let dir: string;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pts-cli-subs-'));
    await writeFile(join(dir, 'private.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await writeFile(join(dir, 'public.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('signs a subscribeRequest over the card fields but prints only the last four digits', async () => {
    const sign = await runPts(['sign', '--message', 'subscribe-request', '--key', 'private.pem'], {
      cwd: dir,
      env: { PTS_SAFECODE: SAFECODE },
      input: JSON.stringify(SUBSCRIBE),
    });
    expect(sign.stderr).toBe('');
    expect(sign.code).toBe(0);
    expect(sign.stdout).not.toContain(CARD);
    expect(sign.stdout).not.toContain('9417');
    expect(sign.stdout).toContain('card_number=…5556');
    expect(sign.stdout).toContain('card_cvc=***');
    const signature = /^sign: (\S+)$/m.exec(sign.stdout)?.[1] ?? '';
    const verified = createVerify('sha256')
      .update(SUBSCRIBE_SIGN_STRING, 'utf8')
      .verify(publicKey, signature, 'base64');
    expect(verified).toBe(true);
  });

  it('verifies a subscribeCallback, boolean `enabled` included, and refuses a changed one', async () => {
    const callback = {
      user_id: '1',
      order_id: 'SUB1',
      transaction_id: 'S1',
      channel: 'CARD',
      submit_currency: 'PHP',
      submit_amount: '499.00',
      accept_currency: 'PHP',
      accept_amount: '499.00',
      exchange_rate: '1',
      payment_transaction_id: 'S1-001',
      payment_status: '2000',
      enabled: true,
      period_count: 1,
      period_unit: 2,
      subscribe_at: 1704067200,
      last_payment_at: 1704067200,
      next_payment_at: 1706745600,
      timestamp: 1704067201,
    };
    const signString =
      'accept_amount=499.00&accept_currency=PHP&channel=CARD&enabled=true&exchange_rate=1' +
      '&last_payment_at=1704067200&next_payment_at=1706745600&order_id=SUB1&payment_status=2000' +
      '&payment_transaction_id=S1-001&period_count=1&period_unit=2&submit_amount=499.00' +
      '&submit_currency=PHP&subscribe_at=1704067200&timestamp=1704067201&transaction_id=S1' +
      `&user_id=1&${SAFECODE}`;
    const sign = createSign('sha256').update(signString, 'utf8').sign(privateKey, 'base64');
    const ok = await runPts(
      ['verify', '--message', 'subscribeCallback', '--public-key', 'public.pem'],
      { cwd: dir, env: { PTS_SAFECODE: SAFECODE }, input: JSON.stringify({ ...callback, sign }) },
    );
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe('OK (rendering raw)\n');
    const bad = await runPts(
      ['verify', '--message', 'subscribeCallback', '--public-key', 'public.pem'],
      {
        cwd: dir,
        env: { PTS_SAFECODE: SAFECODE },
        input: JSON.stringify({ ...callback, enabled: false, sign }),
      },
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('enabled=false');
  });

  it('knows the v1 exchange rate messages and refuses them for v2', async () => {
    const sign = await runPts(
      ['sign', '--message', 'exchangeRateRequest', '--api-version', 'v1', '--key', 'private.pem'],
      {
        cwd: dir,
        env: { PTS_SAFECODE: SAFECODE },
        input: JSON.stringify({ user_id: '1', trade_currency: 'PHP' }),
      },
    );
    expect(sign.code).toBe(0);
    expect(sign.stdout).toContain('sign string: trade_currency=PHP&user_id=1&<safecode>');
    const v2 = await runPts(['sign', '--message', 'exchangeRateRequest', '--key', 'private.pem'], {
      cwd: dir,
      env: { PTS_SAFECODE: SAFECODE },
      input: JSON.stringify({ user_id: '1', trade_currency: 'PHP' }),
    });
    expect(v2.code).not.toBe(0);
    expect(v2.stderr).toContain('subscribeRequest');
  });
});
