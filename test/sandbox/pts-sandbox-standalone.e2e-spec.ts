import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePtsPublicKey } from '../../src/pts/protocol/index.js';
import type { PtsSandboxCredentials } from '../../src/sandbox/index.js';
import { send } from '../support/hand-made-pts.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** Runs `src/sandbox/main.ts` as `npm run sandbox` does (through tsx instead of a build). */
function startStandalone(env: Record<string, string>) {
  const child = spawn(TSX, [join(ROOT, 'src/sandbox/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<string>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner in time:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const url = /control API: (http:\/\/127\.0\.0\.1:\d+)\/sandbox\/control/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolveReady(url);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
  return { child, ready, exited, output: () => output };
}

describe('npm run sandbox (standalone entry)', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pts-sandbox-main-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('generates credentials into the data directory, prints paths not secrets, serves, and stops on SIGTERM', async () => {
    const run = startStandalone({ PTS_SANDBOX_PORT: '0', PTS_SANDBOX_DATA_DIR: dataDir });
    try {
      const url = await run.ready;
      const credentials = JSON.parse(
        await readFile(join(dataDir, 'credentials.json'), 'utf8'),
      ) as PtsSandboxCredentials;
      const banner = run.output();
      expect(banner).toContain(`PTS_USER_ID=${credentials.userId}`);
      expect(banner).toContain(
        `PTS_MERCHANT_PRIVATE_KEY=<the PEM in ${join(dataDir, 'merchant-private.pem')}, on one line`,
      );
      // No PTS_*_FILE lines: PtsModule takes key text, and this line parses as it stands.
      expect(banner).not.toMatch(/PTS_\w+_FILE=/);
      const publicKeyLine = /PTS_GATEWAY_PUBLIC_KEY=(.*)/.exec(banner)![1];
      expect(
        parsePtsPublicKey(publicKeyLine).equals(parsePtsPublicKey(credentials.gatewayPublicKeyPem)),
      ).toBe(true);
      expect(banner).not.toContain(credentials.safecode);
      expect(banner).not.toContain(credentials.transactionSecret);
      expect(banner).not.toContain('PRIVATE KEY-----');

      const answer = await send(`${url}/merchant/random_code`, {
        body: JSON.stringify({ user_id: credentials.userId }),
        headers: { 'Content-Type': 'application/json' },
      });
      expect(answer.json?.code).toBe('1000');
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
  });

  it('refuses to start when the merchant settings are only partly given, naming each missing one', async () => {
    const run = startStandalone({
      PTS_SANDBOX_PORT: '0',
      PTS_SANDBOX_DATA_DIR: dataDir,
      PTS_SANDBOX_USER_ID: '1',
    });
    await expect(run.ready).rejects.toThrow(/PTS_SANDBOX_SAFECODE is missing/);
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain(
      'PTS_SANDBOX_GATEWAY_PRIVATE_KEY or PTS_SANDBOX_GATEWAY_PRIVATE_KEY_FILE is missing',
    );
  });
});
