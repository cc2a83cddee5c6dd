import { createPrivateKey, createPublicKey, createSign, createVerify } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPtsCli } from '../cli.js';
import { bufferedCliIo } from '../io.js';

const dir = mkdtempSync(join(tmpdir(), 'pts-cli-keygen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function pts(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferedCliIo({ cwd: dir });
  const code = await runPtsCli(args, io);
  return { code, out: io.out, err: io.err };
}

function pair(privatePem: string, publicPem: string): boolean {
  const signature = createSign('sha256').update('probe').sign(createPrivateKey(privatePem));
  return createVerify('sha256').update('probe').verify(createPublicKey(publicPem), signature);
}

describe('pts keygen', () => {
  it('prints a matching PKCS#8 / SPKI pair with --stdout and writes no file', async () => {
    const run = await pts(['keygen', '--stdout']);
    expect(run.code).toBe(0);
    const [privatePem, publicPem] = run.out.split(/(?=-----BEGIN PUBLIC KEY-----)/);
    expect(privatePem).toMatch(
      /^-----BEGIN PRIVATE[ ]KEY-----\n[\s\S]+\n-----END PRIVATE[ ]KEY-----\n$/,
    );
    expect(publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    expect(pair(privatePem, publicPem)).toBe(true);
  });

  it('writes the pair with the private key at mode 0600, refuses to overwrite, and overwrites with --force', async () => {
    const first = await pts(['keygen', '--out', 'keys', '--prefix', 'gateway']);
    expect(first.code).toBe(0);
    const privatePath = join(dir, 'keys/gateway-private.pem');
    const publicPath = join(dir, 'keys/gateway-public.pem');
    const publicPem = readFileSync(publicPath, 'utf8');
    expect(first.out).toBe(
      'wrote keys/gateway-private.pem (private key, mode 0600: keep it secret)\n' +
        'wrote keys/gateway-public.pem (public key: upload it to the PTS merchant back office)\n\n' +
        publicPem,
    );
    expect(statSync(privatePath).mode & 0o777).toBe(0o600);
    expect(pair(readFileSync(privatePath, 'utf8'), publicPem)).toBe(true);

    const again = await pts(['keygen', '--out', 'keys', '--prefix', 'gateway']);
    expect(again.code).toBe(2);
    expect(again.err).toBe(
      'pts keygen: keys/gateway-private.pem already exists; use --force to overwrite it, or another --out / --prefix; see `pts keygen --help`\n',
    );
    expect(readFileSync(publicPath, 'utf8')).toBe(publicPem);

    chmodSync(privatePath, 0o644);
    const forced = await pts(['keygen', '--out', 'keys', '--prefix', 'gateway', '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(publicPath, 'utf8')).not.toBe(publicPem);
    expect(statSync(privatePath).mode & 0o777).toBe(0o600);
  });

  it('refuses a bad --bits, --prefix or --out with exit 2 and names the option', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    const cases: [string[], string][] = [
      [
        ['keygen', '--bits', '1024', '--stdout'],
        'pts keygen: option --bits must be a whole number from 2048 to 8192, got `1024`',
      ],
      [
        ['keygen', '--bits', 'many', '--stdout'],
        'pts keygen: option --bits must be a whole number from 2048 to 8192, got `many`',
      ],
      [
        ['keygen', '--stdout', '--out', 'x'],
        'pts keygen: options --stdout and --out exclude each other; give one',
      ],
      [
        ['keygen', '--prefix', '../up'],
        "pts keygen: option --prefix may hold letters, digits, '.', '_' and '-' only, got `../up`",
      ],
      [['keygen', '--out', 'a-file'], 'pts keygen: cannot write the key files into --out a-file:'],
    ];
    for (const [args, message] of cases) {
      const run = await pts(args);
      expect({ args, code: run.code, out: run.out }).toEqual({ args, code: 2, out: '' });
      expect(run.err.startsWith(message), `${run.err} should start with ${message}`).toBe(true);
    }
  });
});
