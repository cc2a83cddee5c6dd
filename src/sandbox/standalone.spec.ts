import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSandboxCredentials } from './credentials.js';
import { PTS_SANDBOX_DEFAULT_PORT, ptsSandboxSetupFromEnv } from './standalone.js';

describe('ptsSandboxSetupFromEnv', () => {
  const c = generateSandboxCredentials();
  const log = () => undefined;
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'pts-sandbox-env-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('takes the merchant from PTS_SANDBOX_* settings, keys inline with escaped newlines', async () => {
    const setup = await ptsSandboxSetupFromEnv(
      {
        PTS_SANDBOX_USER_ID: c.userId,
        PTS_SANDBOX_SAFECODE: c.safecode,
        PTS_SANDBOX_GUID: c.guid,
        PTS_SANDBOX_TRANSACTION_SECRET: c.transactionSecret,
        PTS_SANDBOX_MERCHANT_PUBLIC_KEY: c.merchantPublicKeyPem.replace(/\n/g, '\\n'),
        PTS_SANDBOX_GATEWAY_PRIVATE_KEY: c.gatewayPrivateKeyPem,
        PTS_SANDBOX_WITHDRAW_CONFIRM_URL: 'http://127.0.0.1:3000/pts/withdraw/confirm',
        PTS_SANDBOX_WITHDRAW_DELAY_MS: '250',
        PTS_SANDBOX_STATE_FILE: 'memory',
        PTS_SANDBOX_DATA_DIR: directory,
      },
      log,
    );
    expect(setup.options).toMatchObject({
      port: PTS_SANDBOX_DEFAULT_PORT,
      host: '127.0.0.1',
      withdrawDelayMs: 250,
      stateFile: undefined,
      gatewayPrivateKey: c.gatewayPrivateKeyPem,
      merchants: [
        {
          userId: c.userId,
          guid: c.guid,
          merchantPublicKey: c.merchantPublicKeyPem,
          withdrawConfirmUrl: 'http://127.0.0.1:3000/pts/withdraw/confirm',
        },
      ],
    });
    const banner = setup.banner('http://127.0.0.1:4010').join('\n');
    expect(banner).toContain(`user_id=${c.userId}`);
    expect(banner).not.toContain(c.safecode);
  });

  it('keeps state under the data directory unless told otherwise', async () => {
    const setup = await ptsSandboxSetupFromEnv(
      { PTS_SANDBOX_DATA_DIR: directory, PTS_SANDBOX_PORT: '0' },
      log,
    );
    expect(setup.options.port).toBe(0);
    expect(setup.options.stateFile).toBe(join(directory, 'state.json'));
  });

  it('reports a bad port and a missing key file together', async () => {
    await expect(
      ptsSandboxSetupFromEnv(
        {
          PTS_SANDBOX_PORT: 'eighty',
          PTS_SANDBOX_USER_ID: '1',
          PTS_SANDBOX_SAFECODE: c.safecode,
          PTS_SANDBOX_GUID: 'g',
          PTS_SANDBOX_TRANSACTION_SECRET: 's',
          PTS_SANDBOX_MERCHANT_PUBLIC_KEY_FILE: join(directory, 'missing.pem'),
          PTS_SANDBOX_GATEWAY_PRIVATE_KEY: c.gatewayPrivateKeyPem,
        },
        log,
      ),
    ).rejects.toThrow(
      /PTS_SANDBOX_PORT is "eighty"; it must be a whole number[\s\S]*PTS_SANDBOX_MERCHANT_PUBLIC_KEY_FILE .* cannot be read/,
    );
  });

  it("refuses numbers out of the sandbox options' ranges, naming the variables", async () => {
    await expect(
      ptsSandboxSetupFromEnv(
        {
          PTS_SANDBOX_DATA_DIR: directory,
          PTS_SANDBOX_PORT: '70000',
          PTS_SANDBOX_WITHDRAW_DELAY_MS: '-1',
        },
        log,
      ),
    ).rejects.toThrow(
      /PTS_SANDBOX_PORT is 70000; it must be a whole number of port from 0 to 65535[\s\S]*PTS_SANDBOX_WITHDRAW_DELAY_MS is "-1"; it must be a whole number of milliseconds from 0 to 86400000/,
    );
  });
});
