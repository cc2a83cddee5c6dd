import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PtsSandbox,
  sandboxMerchantFromCredentials,
  type PtsSandboxCredentials,
  type PtsSandboxOptions,
} from '../../src/sandbox/index.js';
import { CallbackReceiver } from './support/callback-receiver.js';
import {
  handSeal,
  handTokenHash,
  now,
  send,
  SIGNED_FIELDS,
  V1_PATHS,
  v2Url,
  type HandMerchant,
} from '../support/hand-made-pts.js';
import { createPaymentV2, createWithdrawalV2 } from './support/merchant-calls.js';
import { handMerchant, testCredentials } from './support/sandbox-fixture.js';

describe('sandbox control API', () => {
  let credentials: PtsSandboxCredentials;
  let merchant: HandMerchant;
  let sandbox: PtsSandbox;
  const control = (path: string, init?: RequestInit) =>
    fetch(`${sandbox.url}/sandbox/control${path}`, init);
  const postJson = (path: string, body: unknown) =>
    control(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    credentials = testCredentials();
    merchant = handMerchant(credentials);
    sandbox = await PtsSandbox.start({
      gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
      merchants: [sandboxMerchantFromCredentials(credentials)],
    });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it('lists its routes', async () => {
    const answer = await control('');
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { routes: string[] }).routes.join('\n')).toContain('/settle');
  });

  it('shows merchants by identifiers only, never a secret', async () => {
    const text = await (await control('/merchants')).text();
    expect(JSON.parse(text)).toEqual([
      { userId: merchant.userId, guid: merchant.guid, currencies: ['PHP'] },
    ]);
    expect(text).not.toContain(merchant.safecode);
    expect(text).not.toContain(merchant.transactionSecret);
  });

  it('shows orders, requests and settles an order like the checkout page', async () => {
    const { orderId } = await createPaymentV2(sandbox.url, merchant);
    const order = await (await control(`/orders/${merchant.userId}/${orderId}`)).json();
    expect(order).toMatchObject({ orderId, status: '0000', amount: '100.10', kind: 'payment' });
    const list = (await (await control(`/orders?userId=${merchant.userId}`)).json()) as unknown[];
    expect(list).toContainEqual(expect.objectContaining({ orderId }));
    const requests = (await (await control('/requests')).json()) as {
      orderId?: string;
      code: string;
    }[];
    expect(requests.find((r) => r.orderId === orderId)).toMatchObject({ code: '1000' });

    const settled = await postJson(`/orders/${merchant.userId}/${orderId}/settle`, {
      outcome: 'pay',
    });
    expect(settled.status).toBe(200);
    expect(await settled.json()).toMatchObject({ status: '2000' });
    const again = await postJson(`/orders/${merchant.userId}/${orderId}/settle`, {
      outcome: 'fail',
    });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'order_final' });
  });

  it('answers 400 for an unknown outcome and 404 for an unknown order or route', async () => {
    const { orderId } = await createPaymentV2(sandbox.url, merchant);
    expect(
      (await postJson(`/orders/${merchant.userId}/${orderId}/settle`, { outcome: 'refund' }))
        .status,
    ).toBe(400);
    expect(
      (await postJson(`/orders/${merchant.userId}/NOPE/settle`, { outcome: 'pay' })).status,
    ).toBe(404);
    expect((await control(`/orders/${merchant.userId}/NOPE`)).status).toBe(404);
    expect((await control('/nothing')).status).toBe(404);
    expect((await postJson('/faults', 'not an object')).status).toBe(400);
  });

  it('expires v1 tokens on request', async () => {
    const json = (body: unknown) => ({
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    });
    const random = await send(
      `${sandbox.url}/merchant/random_code`,
      json({ user_id: merchant.userId }),
    );
    const token = await send(
      `${sandbox.url}/merchant/token`,
      json({
        user_id: merchant.userId,
        hash: handTokenHash(random.json!.data!.code as string, merchant.userId, merchant.safecode),
      }),
    );
    const balance = () =>
      send(
        `${sandbox.url}${V1_PATHS.balance}`,
        handSeal({ user_id: merchant.userId }, SIGNED_FIELDS.v1.balance, merchant, {
          hmac: false,
          authorization: `Bearer ${String(token.json!.data!.access_token)}`,
        }),
      );
    expect((await balance()).json?.code).toBe('1000');
    expect((await control('/tokens/expire', { method: 'POST' })).status).toBe(204);
    expect((await balance()).json?.code).toBe('1016');
  });

  it('serves an index page at the root', async () => {
    const page = await (await fetch(`${sandbox.url}/`)).text();
    expect(page).toContain('PTS sandbox gateway');
    expect(page).toContain(merchant.guid);
  });
});

describe('stopping the sandbox', () => {
  it('is prompt even with a callback in its retry backoff and an answer held by a delay fault', async () => {
    const credentials = testCredentials();
    const merchant = handMerchant(credentials);
    const receiver = await CallbackReceiver.start();
    receiver.reply = () => ({ status: 503, body: 'FAILED' });
    const sandbox = await PtsSandbox.start({
      gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
      merchants: [sandboxMerchantFromCredentials(credentials)],
      callbackRetry: { attempts: 5, baseDelayMs: 10_000 },
    });
    try {
      const { orderId } = await createPaymentV2(sandbox.url, merchant, {
        callback_url: `${receiver.url}/cb`,
      });
      await sandbox.settle(merchant.userId, orderId, 'fail');
      await sandbox.waitForDeliveries((ds) => ds.length === 1);
      sandbox.setFault({ kind: 'delay', ms: 10_000, endpoint: 'balance' });
      const pending = send(
        v2Url(sandbox.url, merchant.guid, 'balance'),
        handSeal(
          { user_id: merchant.userId, timestamp: now() },
          SIGNED_FIELDS.v2.balance,
          merchant,
        ),
      ).then(
        () => 'answered',
        () => 'connection closed',
      );
      await sandbox.waitForRequests((rs) => rs.some((r) => r.code === 'delayed'));
      const started = Date.now();
      await sandbox.stop();
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await pending).toBe('connection closed');
      expect(sandbox.deliveries).toHaveLength(1);
      await expect(fetch(`${sandbox.url}/`)).rejects.toThrow();
    } finally {
      await sandbox.stop();
      await receiver.stop();
    }
  });
});

describe('sandbox state file', () => {
  let directory: string;
  let credentials: PtsSandboxCredentials;
  let merchant: HandMerchant;
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'pts-sandbox-state-'));
    credentials = testCredentials();
    merchant = handMerchant(credentials);
    receiver = await CallbackReceiver.start();
  });

  afterAll(async () => {
    await receiver?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  const options = (
    stateFile: string,
    extra: Partial<PtsSandboxOptions> = {},
  ): PtsSandboxOptions => ({
    gatewayPrivateKey: credentials.gatewayPrivateKeyPem,
    merchants: [sandboxMerchantFromCredentials(credentials)],
    stateFile,
    withdrawDelayMs: 30,
    ...extra,
  });

  it('keeps orders and v1 tokens across a restart, and holds no usable token', async () => {
    const stateFile = join(directory, 'keep', 'state.json');
    const first = await PtsSandbox.start(options(stateFile));
    const { orderId } = await createPaymentV2(first.url, merchant);
    const json = (body: unknown) => ({
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    });
    const random = await send(
      `${first.url}/merchant/random_code`,
      json({ user_id: merchant.userId }),
    );
    const token = await send(
      `${first.url}/merchant/token`,
      json({
        user_id: merchant.userId,
        hash: handTokenHash(random.json!.data!.code as string, merchant.userId, merchant.safecode),
      }),
    );
    const accessToken = String(token.json!.data!.access_token);
    await first.settle(merchant.userId, orderId, 'fail');
    await first.stop();
    expect(await readFile(stateFile, 'utf8')).not.toContain(accessToken);

    const second = await PtsSandbox.start(options(stateFile));
    try {
      expect(second.order(merchant.userId, orderId)).toMatchObject({ status: '3000' });
      const queried = await send(
        v2Url(second.url, merchant.guid, 'paymentQuery'),
        handSeal(
          { user_id: merchant.userId, order_id: orderId, timestamp: now() },
          SIGNED_FIELDS.v2.paymentQuery,
          merchant,
        ),
      );
      expect(queried.json!.data).toMatchObject({ order_id: orderId, status: '3000' });
      const again = await createPaymentV2(second.url, merchant, { order_id: orderId });
      expect(again.code).toBe('1003');
      const balance = await send(
        `${second.url}${V1_PATHS.balance}`,
        handSeal({ user_id: merchant.userId }, SIGNED_FIELDS.v1.balance, merchant, {
          hmac: false,
          authorization: `Bearer ${accessToken}`,
        }),
      );
      expect(balance.json?.code).toBe('1000');
    } finally {
      await second.stop();
    }
  });

  it('listens on the port of its last run, so the pay URLs it handed out keep working', async () => {
    const stateFile = join(directory, 'port', 'state.json');
    const first = await PtsSandbox.start(options(stateFile));
    const { data } = await createPaymentV2(first.url, merchant);
    const payUrl = String(data.pay_url);
    expect(payUrl.startsWith(first.url)).toBe(true);
    await first.stop();
    expect(JSON.parse(await readFile(stateFile, 'utf8'))).toMatchObject({
      port: Number(new URL(first.url).port),
    });

    const second = await PtsSandbox.start(options(stateFile));
    try {
      expect(second.url).toBe(first.url);
      const page = await fetch(payUrl);
      expect(page.status).toBe(200);
    } finally {
      await second.stop();
    }

    // Taken by something else meanwhile: a free port, and the log says the old links break.
    const squatter = createServer();
    await new Promise<void>((done) =>
      squatter.listen(Number(new URL(first.url).port), '127.0.0.1', done),
    );
    const lines: string[] = [];
    const third = await PtsSandbox.start({ ...options(stateFile), log: (l) => lines.push(l) });
    try {
      expect(third.url).not.toBe(first.url);
      expect(lines.join('\n')).toContain('is taken');
    } finally {
      await third.stop();
      await new Promise((done) => squatter.close(done));
    }
  });

  it('resumes a withdrawal that was on its way when the sandbox stopped', async () => {
    const stateFile = join(directory, 'resume.json');
    const first = await PtsSandbox.start(options(stateFile, { autoSettleWithdrawals: false }));
    const { orderId } = await createWithdrawalV2(first.url, merchant, {
      callback_url: `${receiver.url}/cb`,
    });
    await first.stop();
    const second = await PtsSandbox.start(options(stateFile));
    try {
      await receiver.waitFor(() => receiver.for(orderId).length === 2);
      expect(receiver.for(orderId).map((c) => c.json.status)).toEqual(['1000', '2000']);
    } finally {
      await second.stop();
    }
  });

  it('refuses to start on a state file that is not its own, saying what to do', async () => {
    const stateFile = join(directory, 'foreign.json');
    await writeFile(stateFile, '{"hello":"world"}');
    await expect(PtsSandbox.start(options(stateFile))).rejects.toThrow(
      /not a sandbox state file.*Move it away/,
    );
  });
});
