import { createPrivateKey, createPublicKey, createVerify } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPts } from './run-pts.js';

const SAFECODE = '0123456789abcdef0123456789abcdef';
const PAYMENT_REQUEST = {
  user_id: '1',
  order_id: 'ORD20240101000001',
  amount: '100.00',
  currency: 'PHP',
  channel: 'QRPH',
  timestamp: 1704067200,
};
const SIGN_STRING = `amount=100.00&channel=QRPH&currency=PHP&order_id=ORD20240101000001&timestamp=1704067200&user_id=1&${SAFECODE}`;
// docs/protocol.md B2.5(b): the compact body with "sign":"SIG", AES-256-ECB under the 32-byte safecode.
const ENVELOPE_BODY = JSON.stringify({ ...PAYMENT_REQUEST, sign: 'SIG' });
const ENVELOPE_AES256 =
  'bd/cW09ZzkCrbAevn7SdnCZQPF2H2YtJaztQ0Vk4SEVNnM9HLxa1b/JU+9kakw6qR304JyhXdPQkYJhDbIbk4sSs7/aF9SOjfh5BvRjTu7/d8MvTXQzHrbkGrjwGpuucAxWuIkpWFoGyu9Wx6URYKO1/F/W90LLHJXfZDhaX0MQ6gv70SQGelNjCj3MeW440';

describe('pts command (as a process)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pts-cli-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates a key pair that node:crypto reads, then signs and verifies with it through the command', async () => {
    const keygen = await runPts(['keygen', '--out', 'keys'], { cwd: dir });
    expect(keygen.stderr).toBe('');
    expect(keygen.code).toBe(0);
    const privatePem = await readFile(join(dir, 'keys/merchant-private.pem'), 'utf8');
    const publicPem = await readFile(join(dir, 'keys/merchant-public.pem'), 'utf8');
    expect(privatePem).toMatch(/^-----BEGIN PRIVATE[ ]KEY-----\n/);
    expect(publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(createPrivateKey(privatePem).asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(createPublicKey(publicPem).asymmetricKeyType).toBe('rsa');
    expect((await stat(join(dir, 'keys/merchant-private.pem'))).mode & 0o777).toBe(0o600);
    expect(keygen.stdout).toContain(publicPem);
    expect(keygen.stdout).not.toContain('PRIVATE KEY-----');

    const env = { PTS_SAFECODE: SAFECODE };
    const sign = await runPts(
      ['sign', '--message', 'paymentRequest', '--key', 'keys/merchant-private.pem'],
      { cwd: dir, env, input: JSON.stringify(PAYMENT_REQUEST) },
    );
    expect(sign.stderr).toBe('');
    expect(sign.code).toBe(0);
    expect(sign.stdout).toContain(`sign string: ${SIGN_STRING.replace(SAFECODE, '<safecode>')}\n`);
    expect(sign.stdout).not.toContain(SAFECODE);
    const signature = /^sign: (\S+)$/m.exec(sign.stdout)?.[1] ?? '';
    const independent = createVerify('sha256').update(SIGN_STRING, 'utf8');
    expect(independent.verify(publicPem, Buffer.from(signature, 'base64'))).toBe(true);

    const json = await runPts(
      ['sign', '--json', '--message', 'payment-request', '--key', 'keys/merchant-private.pem', '-'],
      { cwd: dir, env, input: JSON.stringify(PAYMENT_REQUEST) },
    );
    expect(json.code).toBe(0);
    const signed = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(signed).toEqual({ ...PAYMENT_REQUEST, sign: signature });
    await writeFile(join(dir, 'signed.json'), json.stdout);
    await writeFile(join(dir, 'tampered.json'), JSON.stringify({ ...signed, amount: '1000.00' }));

    const [good, bad] = await Promise.all([
      runPts(
        [
          'verify',
          '--message',
          'paymentRequest',
          '--public-key',
          'keys/merchant-public.pem',
          'signed.json',
        ],
        { cwd: dir, env },
      ),
      runPts(
        [
          'verify',
          '--message',
          'paymentRequest',
          '--public-key',
          'keys/merchant-public.pem',
          'tampered.json',
        ],
        { cwd: dir, env },
      ),
    ]);
    expect(good).toEqual({ code: 0, stdout: 'OK (rendering raw)\n', stderr: '' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(
      'amount=1000.00&channel=QRPH&currency=PHP&order_id=ORD20240101000001&timestamp=1704067200&user_id=1&<safecode>',
    );
    expect(bad.stderr).toBe(
      'pts verify: the `sign` of this v2 paymentRequest does not verify with --public-key keys/merchant-public.pem\n',
    );
    expect(bad.stdout + bad.stderr).not.toContain(SAFECODE);
  });

  it('encrypts to the known answer of docs/protocol.md B2.5(b) and names the cause when decryption fails', async () => {
    const env = { PTS_SAFECODE: SAFECODE };
    const [encrypted, garbage, wrongSafecode] = await Promise.all([
      runPts(['encrypt'], { env, input: `${ENVELOPE_BODY}\n` }),
      runPts(['decrypt'], { env, input: 'this is not an envelope' }),
      runPts(['decrypt', '--safecode', 'fedcba9876543210fedcba9876543210'], {
        input: ENVELOPE_AES256,
      }),
    ]);
    expect(encrypted).toEqual({ code: 0, stdout: `${ENVELOPE_AES256}\n`, stderr: '' });
    expect(garbage.code).toBe(2);
    expect(garbage.stdout).toBe('');
    expect(garbage.stderr).toMatch(
      /^pts decrypt: stdin: the envelope is not standard base64 \(invalid_base64\)/,
    );
    expect(garbage.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrongSafecode.code).toBe(1);
    expect(wrongSafecode.stderr).toContain('(bad_padding)');
  });

  it('computes the v1 token hash known answer and refuses a call without a safecode', async () => {
    const args = [
      'token-hash',
      '--random-code',
      'VL4hrMLmM3THd2iQDNOoa45cGZhx2zH7',
      '--user-id',
      '1',
    ];
    const [hash, missing] = await Promise.all([
      runPts([...args, '--safecode', SAFECODE]),
      runPts(args),
    ]);
    expect(hash).toEqual({
      code: 0,
      stdout: '103a120a96e6fac45061f5bfc66fba84b5158d96ccd2376eb1255261a989b3cf\n',
      stderr: '',
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      'pts token-hash: no safecode: give --safecode, --safecode-file FILE, or set PTS_SAFECODE; see `pts token-hash --help`\n',
    );
  });

  it('prints the overview with exit 0 for --help, and exits 2 with one line for an unknown command', async () => {
    const [overview, unknown] = await Promise.all([runPts(['--help']), runPts(['frobnicate'])]);
    expect(overview.code).toBe(0);
    for (const name of [
      'keygen',
      'sign',
      'verify',
      'encrypt',
      'decrypt',
      'token-hash',
      'send-callback',
      'migrate',
    ]) {
      expect(overview.stdout).toContain(`\n  ${name} `);
    }
    expect(unknown).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'pts: unknown command `frobnicate`; commands: keygen, sign, verify, encrypt, decrypt, token-hash, hmac, send-callback, migrate\n',
    });
  });

  it('bin/pts.js asks for a build when dist is missing, and runs the compiled entry when present', async () => {
    const bin = fileURLToPath(new URL('../../bin/pts.js', import.meta.url));
    const copy = join(dir, 'package');
    await mkdir(join(copy, 'bin'), { recursive: true });
    await copyFile(bin, join(copy, 'bin/pts.js'));
    await writeFile(join(copy, 'package.json'), '{"type":"module"}');
    const missing = spawnSync(process.execPath, [join(copy, 'bin/pts.js'), '--help'], {
      encoding: 'utf8',
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('pts: the command is not built yet: run `npm run build` first\n');

    await mkdir(join(copy, 'dist/src/cli'), { recursive: true });
    await writeFile(
      join(copy, 'dist/src/cli/main.js'),
      'process.stdout.write(JSON.stringify(process.argv.slice(2)));\n',
    );
    const built = spawnSync(process.execPath, [join(copy, 'bin/pts.js'), 'sign', '--help'], {
      encoding: 'utf8',
    });
    expect(built.status).toBe(0);
    expect(built.stdout).toBe('["sign","--help"]');
  });
});
