import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/app/database/embedded-postgres.js';
import { eventually } from '../support/waiting.js';
import {
  bannerAdminKey,
  payOnCheckout,
  runService,
  SERVICE_ENTRY as ENTRY,
  stopService,
  type ServiceRun as Run,
} from '../support/service-process.js';

describe('npm start on a fresh machine (built entry, empty directory, no configuration)', () => {
  let dir: string;
  let port: number;
  let first: Run | undefined;
  let second: Run | undefined;

  beforeAll(async () => {
    if (!existsSync(ENTRY)) {
      throw new Error(`${ENTRY} is missing: run \`npm run build\` first (npm test does it)`);
    }
    dir = await mkdtemp(join(tmpdir(), 'pts-start-'));
    // As root the embedded PostgreSQL runs as user postgres, which must enter this directory.
    await chmod(dir, 0o755);
    port = await freePort();
  });

  afterAll(async () => {
    for (const run of [first, second]) {
      if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('starts everything, takes a payment through the checkout page, stops cleanly, and keeps data across a restart', async () => {
    const url = `http://127.0.0.1:${port}`;
    first = runService(dir, { PORT: String(port) });
    const run = first;
    const adminKey = await bannerAdminKey(run);
    expect(run.stdout()).toContain(`curl -s -X POST ${url}/admin/payments`);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    // The console's files, as `nest build` copied them into dist.
    expect(run.stdout()).toContain(`${url}/console`);
    for (const path of [
      '/console',
      '/console/assets/main.js',
      '/console/vendor/chart.umd.min.js',
    ]) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(200);
    }
    const auth = { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' };

    const order = await payOnCheckout(url, adminKey, '100.00', 10_000);

    // Logs are JSON lines; none of them carries a secret.
    const credentials = JSON.parse(
      await readFile(join(dir, '.data/sandbox/credentials.json'), 'utf8'),
    ) as Record<string, string>;
    const logLines = run
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(10);
    for (const line of logLines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    const logs = logLines.join('\n');
    const keyLine = (pem: string) => pem.split('\n')[3];
    for (const secret of [
      credentials.safecode,
      credentials.transactionSecret,
      keyLine(credentials.merchantPrivateKeyPem),
      keyLine(credentials.gatewayPrivateKeyPem),
      adminKey,
    ]) {
      expect(secret.length).toBeGreaterThan(10);
      expect(logs).not.toContain(secret);
    }
    expect(logs).toContain('"requestId"');

    expect(await stopService(run)).toBe(0);
    expect(run.stderr()).toBe('');

    second = runService(dir, { PORT: String(port) });
    const again = second;
    const sameKey = await eventually(
      () => /admin key\s+(\S+)/.exec(again.stdout())?.[1],
      60_000,
      `the banner after restart (stderr: ${again.stderr()})`,
    );
    expect(sameKey).toBe(adminKey);
    const kept = await fetch(`${url}/admin/orders/${order.orderId}`, { headers: auth });
    expect(kept.status).toBe(200);
    expect(((await kept.json()) as { status: string }).status).toBe('success');
    const sameCredentials = JSON.parse(
      await readFile(join(dir, '.data/sandbox/credentials.json'), 'utf8'),
    ) as Record<string, string>;
    expect(sameCredentials.userId).toBe(credentials.userId);
    expect(await stopService(again)).toBe(0);
  }, 150_000);

  it('exits 1 and lists every missing or malformed variable of a production configuration', async () => {
    const run = runService(dir, {
      PTS_BASE_URL: 'https://pts.example.com',
      PTS_SAFECODE: 'too-short',
      PTS_API_VERSION: 'v2',
      PORT: 'eighty',
    });
    expect(await run.exited).toBe(1);
    const text = run.stderr();
    for (const name of [
      'PORT',
      'PTS_USER_ID',
      'PTS_SAFECODE',
      'PTS_GUID',
      'PTS_TRANSACTION_SECRET',
      'PTS_MERCHANT_PRIVATE_KEY',
      'PTS_GATEWAY_PUBLIC_KEY',
      'ADMIN_API_KEYS',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).not.toContain('too-short');
  }, 30_000);

  it('reads its configuration from a .env file in the working directory', async () => {
    const envDir = await mkdtemp(join(tmpdir(), 'pts-dotenv-'));
    try {
      await writeFile(
        join(envDir, '.env'),
        'PTS_BASE_URL=https://pts.example.com\nPTS_USER_ID=42\nPTS_SAFECODE=0123456789abcdef\n',
      );
      const run = runService(envDir, {});
      expect(await run.exited).toBe(1);
      const text = run.stderr();
      // What .env set is accepted; what it left out is listed.
      expect(text).not.toContain('PTS_USER_ID');
      expect(text).not.toContain('PTS_SAFECODE');
      expect(text).toContain('PTS_MERCHANT_PRIVATE_KEY');
      expect(text).toContain('ADMIN_API_KEYS');
    } finally {
      await rm(envDir, { recursive: true, force: true });
    }
  }, 30_000);
});
