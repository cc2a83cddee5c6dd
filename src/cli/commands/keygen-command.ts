import { generateKeyPair } from 'node:crypto';
import { access, chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { PtsCliCommand } from '../command.js';
import { PtsCliError } from '../error.js';

const generateKeyPairAsync = promisify(generateKeyPair);

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export const ptsKeygenCommand: PtsCliCommand = {
  name: 'keygen',
  summary: 'generate an RSA key pair (PKCS#8 private, SPKI public PEM)',
  maxPositionals: 0,
  options: {
    bits: { type: 'string' },
    out: { type: 'string' },
    prefix: { type: 'string' },
    stdout: { type: 'boolean' },
    force: { type: 'boolean' },
  },
  help: `Usage: pts keygen [--bits 2048] [--out DIR] [--prefix merchant] [--force]
       pts keygen --stdout [--bits 2048]

Generates an RSA key pair for PTS signatures (SHA256withRSA): the private key as PKCS#8 PEM,
the public key as SPKI PEM. Upload the public key to the PTS merchant back office; keep the
private key on the server (PTS_MERCHANT_PRIVATE_KEY_FILE).

Options:
  --bits N        modulus length, 2048 to 8192 (default 2048)
  --out DIR       where to write <prefix>-private.pem (mode 0600) and <prefix>-public.pem;
                  created when missing (default: the current directory). The public key is
                  printed too; the private key never is.
  --prefix NAME   file name prefix (default merchant; e.g. gateway for a test gateway pair)
  --force         overwrite existing files
  --stdout        write no files: print the private key, then the public key

Example:
  pts keygen --out ./keys
`,
  async run(args, io) {
    const bits = args.integer('bits', { min: 2048, max: 8192, fallback: 2048 });
    args.exclusive('stdout', 'out');
    const prefix = args.string('prefix') ?? 'merchant';
    if (!/^[A-Za-z0-9._-]+$/.test(prefix)) {
      throw PtsCliError.usage(
        `option --prefix may hold letters, digits, '.', '_' and '-' only, got \`${prefix}\``,
      );
    }
    const generate = () =>
      generateKeyPairAsync('rsa', {
        modulusLength: bits,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      });
    if (args.flag('stdout')) {
      const { privateKey, publicKey } = await generate();
      io.stdout(privateKey + publicKey);
      return 0;
    }
    const dir = resolve(io.cwd, args.string('out') ?? '.');
    const privatePath = join(dir, `${prefix}-private.pem`);
    const publicPath = join(dir, `${prefix}-public.pem`);
    const shown = (path: string) => relative(io.cwd, path) || path;
    if (!args.flag('force')) {
      for (const path of [privatePath, publicPath]) {
        if (await exists(path)) {
          throw PtsCliError.usage(
            `${shown(path)} already exists; use --force to overwrite it, or another --out / --prefix`,
            'file_exists',
          );
        }
      }
    }
    // Checked before the (slow) key generation, so that a wrong --out fails at once.
    const cannotWrite = (error: unknown) =>
      PtsCliError.usage(
        `cannot write the key files into --out ${shown(dir)}: ${(error as Error).message}`,
        'unwritable_file',
      );
    await mkdir(dir, { recursive: true }).catch((error: unknown) => {
      throw cannotWrite(error);
    });
    const { privateKey, publicKey } = await generate();
    try {
      await writeFile(privatePath, privateKey, { mode: 0o600 });
      // writeFile keeps the mode of a file it overwrites (--force); the key must not stay readable.
      await chmod(privatePath, 0o600);
      await writeFile(publicPath, publicKey, { mode: 0o644 });
    } catch (error) {
      throw cannotWrite(error);
    }
    io.stdout(
      `wrote ${shown(privatePath)} (private key, mode 0600: keep it secret)\n` +
        `wrote ${shown(publicPath)} (public key: upload it to the PTS merchant back office)\n\n` +
        publicKey,
    );
    return 0;
  },
};
