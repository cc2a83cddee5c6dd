import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { PtsMalformedMessageError } from '../pts/errors/pts-error.js';
import {
  PTS_API_VERSIONS,
  PTS_MESSAGES,
  type PtsApiVersion,
  type PtsMessageName,
  type PtsMessageSpec,
} from '../pts/protocol/pts-fields.js';
import { parsePtsJsonObject, type PtsJsonObject } from '../pts/protocol/pts-json.js';
import { parsePtsPrivateKey, parsePtsPublicKey } from '../pts/protocol/pts-keys.js';
import type { PtsCliArgs } from './args.js';
import { PtsCliError } from './error.js';
import type { PtsCliIo } from './io.js';

/** Text a command read, and where from (`stdin` or the file name), for error messages. */
export interface PtsCliText {
  readonly text: string;
  readonly source: string;
}

/** A secret and where it came from: the flag or variable name, never the value. */
export interface PtsCliSecret {
  readonly value: string;
  readonly source: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a file named on the command line; failures name the flag and the file. */
export async function readCliFile(io: PtsCliIo, path: string, label: string): Promise<Buffer> {
  try {
    return await readFile(resolve(io.cwd, path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : code === 'EACCES'
            ? 'cannot be read (permission denied)'
            : `cannot be read (${code ?? String(error)})`;
    throw PtsCliError.usage(`${label} \`${path}\` ${why}`, 'unreadable_file');
  }
}

function decodeText(bytes: Buffer, source: string): string {
  try {
    // Editors on Windows like to start files with a byte order mark; JSON must not.
    return utf8.decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw PtsCliError.usage(`${source} is not UTF-8 text`, 'not_utf8');
  }
}

/** The command's input: the FILE argument, `-` or piped stdin. */
export async function readInputText(
  args: PtsCliArgs,
  io: PtsCliIo,
  what: string,
): Promise<PtsCliText> {
  const file = args.positionals[0];
  let bytes: Buffer;
  let source: string;
  if (file === undefined || file === '-') {
    if (file === undefined && io.stdinIsTty) {
      throw PtsCliError.usage(
        `give the ${what} as a FILE argument, or pipe it on stdin (see pts ${args.command} --help)`,
        'missing_input',
      );
    }
    bytes = await io.readStdin();
    source = 'stdin';
  } else {
    bytes = await readCliFile(io, file, 'input file');
    source = file;
  }
  const text = decodeText(bytes, source);
  if (text.trim().length === 0) {
    throw PtsCliError.usage(`${source} is empty; expected the ${what}`, 'empty_input');
  }
  return { text, source };
}

/** The input as a JSON object, numbers kept as their exact text (A4). */
export async function readJsonObjectInput(
  args: PtsCliArgs,
  io: PtsCliIo,
  what: string,
): Promise<{ body: PtsJsonObject; source: string }> {
  const { text, source } = await readInputText(args, io, what);
  try {
    return { body: parsePtsJsonObject(text), source };
  } catch (error) {
    if (error instanceof PtsMalformedMessageError) {
      const detail =
        error.code === 'invalid_json' && error.cause instanceof Error
          ? `is not valid JSON: ${error.cause.message}`
          : error.message.replace(/^PTS message /, '');
      throw PtsCliError.usage(`${source} ${detail}`, error.code);
    }
    throw error;
  }
}

/** Reads `NAME` or `NAME_FILE` from the environment; both at once is a mistake worth naming. */
async function secretFromEnv(
  io: PtsCliIo,
  name: string,
): Promise<{ value: string | Buffer; source: string } | undefined> {
  const direct = io.env[name];
  const file = io.env[`${name}_FILE`];
  if (direct && file) {
    throw PtsCliError.usage(`set ${name} or ${name}_FILE, not both`, 'conflicting_env');
  }
  if (direct) {
    // A PEM squeezed into one line of a .env file keeps its newlines as the two characters \n.
    return { value: direct.replace(/\\n/g, '\n'), source: name };
  }
  if (file) {
    return {
      value: await readCliFile(io, file, `${name}_FILE`),
      source: `${name}_FILE (${file})`,
    };
  }
  return undefined;
}

function secretText(value: string | Buffer, source: string): string {
  const text = typeof value === 'string' ? value : decodeText(value, source);
  // A file written by `echo` ends with a newline that is not part of the secret.
  return text.replace(/\r?\n$/, '');
}

/** The safecode: `--safecode`, `--safecode-file`, `PTS_SAFECODE` or `PTS_SAFECODE_FILE`. */
export async function readSafecode(args: PtsCliArgs, io: PtsCliIo): Promise<PtsCliSecret> {
  args.exclusive('safecode', 'safecode-file');
  let found: { value: string | Buffer; source: string } | undefined;
  const flag = args.string('safecode');
  const file = args.string('safecode-file');
  if (flag !== undefined) found = { value: flag, source: '--safecode' };
  else if (file !== undefined) {
    found = {
      value: await readCliFile(io, file, '--safecode-file'),
      source: `--safecode-file ${file}`,
    };
  } else found = await secretFromEnv(io, 'PTS_SAFECODE');
  if (!found) {
    throw PtsCliError.usage(
      'no safecode: give --safecode, --safecode-file FILE, or set PTS_SAFECODE',
      'missing_safecode',
    );
  }
  const value = secretText(found.value, found.source);
  if (value.length === 0) {
    throw PtsCliError.usage(`the safecode from ${found.source} is empty`, 'missing_safecode');
  }
  return { value, source: found.source };
}

/** A plain secret such as the v2 transaction secret: `--<flag>` or the environment. */
export async function readSecret(
  args: PtsCliArgs,
  io: PtsCliIo,
  flag: string,
  env: string,
): Promise<PtsCliSecret> {
  const direct = args.string(flag);
  const found =
    direct !== undefined ? { value: direct, source: `--${flag}` } : await secretFromEnv(io, env);
  if (!found) {
    throw PtsCliError.usage(`option --${flag} is required (or set ${env})`, 'missing_option');
  }
  const value = secretText(found.value, found.source);
  if (value.length === 0) throw PtsCliError.usage(`the value of ${found.source} is empty`);
  return { value, source: found.source };
}

/** Key file bytes as text when they are PEM or base64, else as DER bytes. */
function keyMaterial(value: string | Buffer): string | Buffer {
  if (typeof value === 'string') return value;
  const text = value.toString('latin1');
  return text.includes('-----BEGIN') || /^[A-Za-z0-9+/=\s]+$/.test(text)
    ? value.toString('utf8')
    : value;
}

async function keySource(
  args: PtsCliArgs,
  io: PtsCliIo,
  flag: string,
  env: string | undefined,
  what: string,
): Promise<{ value: string | Buffer; source: string }> {
  const file = args.string(flag);
  if (file !== undefined) {
    return { value: await readCliFile(io, file, `--${flag}`), source: `--${flag} ${file}` };
  }
  const fromEnv = env ? await secretFromEnv(io, env) : undefined;
  if (!fromEnv) {
    throw PtsCliError.usage(
      `no ${what}: give --${flag} FILE${env ? ` or set ${env} (or ${env}_FILE)` : ''}`,
      'missing_key',
    );
  }
  return fromEnv;
}

/** An RSA private key from `--<flag> FILE` or `env` / `env_FILE`; errors name the source. */
export async function readPrivateKey(
  args: PtsCliArgs,
  io: PtsCliIo,
  flag: string,
  env: string | undefined,
  what: string,
): Promise<KeyObject> {
  const { value, source } = await keySource(args, io, flag, env, what);
  return parsePtsPrivateKey(keyMaterial(value), source);
}

/** An RSA public key from `--<flag> FILE` or `env` / `env_FILE`. */
export async function readPublicKey(
  args: PtsCliArgs,
  io: PtsCliIo,
  flag: string,
  env: string | undefined,
  what: string,
): Promise<{ key: KeyObject; source: string }> {
  const { value, source } = await keySource(args, io, flag, env, what);
  return { key: parsePtsPublicKey(keyMaterial(value), source), source };
}

/** `--api-version`, else `PTS_API_VERSION`, else v2 (A1). */
export function readApiVersion(args: PtsCliArgs, io: PtsCliIo): PtsApiVersion {
  const flag = args.string('api-version');
  const value = flag ?? io.env.PTS_API_VERSION ?? 'v2';
  if (!(PTS_API_VERSIONS as readonly string[]).includes(value)) {
    throw PtsCliError.usage(
      `${flag === undefined ? 'PTS_API_VERSION' : 'option --api-version'} must be v2 or v1, got \`${value}\``,
      'invalid_option',
    );
  }
  return value as PtsApiVersion;
}

/** The messages of a version that carry a `sign`. */
export function signedMessageNames(version: PtsApiVersion): PtsMessageName[] {
  return Object.values(PTS_MESSAGES[version])
    .filter((spec) => spec.hasSign)
    .map((spec) => spec.name);
}

/** `--message`, as `paymentCallback` or `payment-callback`. */
export function readMessageSpec(args: PtsCliArgs, version: PtsApiVersion): PtsMessageSpec {
  const names = signedMessageNames(version);
  const raw = args.required('message', `; one of: ${names.join(', ')}`);
  const name = raw.replace(/[-_]([a-z])/g, (_, c: string) => c.toUpperCase());
  const spec = PTS_MESSAGES[version][name as PtsMessageName];
  if (!spec || !spec.hasSign) {
    throw PtsCliError.usage(
      `option --message: ${version} has no signed message \`${raw}\`; one of: ${names.join(', ')}`,
      'invalid_option',
    );
  }
  return spec;
}
