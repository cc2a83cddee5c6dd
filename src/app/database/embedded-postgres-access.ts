import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { EmbeddedPostgresError } from './embedded-postgres-error.js';

const exec = promisify(execFile);

export interface PosixIdentity {
  uid: number;
  gid: number;
}

/**
 * Who the embedded PostgreSQL runs as: nobody else when we are not root (it runs as us); as
 * root, the `postgres` user, created when missing (PostgreSQL refuses to run as root).
 */
export async function postgresIdentity(): Promise<PosixIdentity | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const existing = await lookup();
  if (existing) return existing;
  try {
    await exec('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await exec('useradd', [
      '--system',
      '--gid',
      'postgres',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ]);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: running as root, and the user postgres it must run as could not be created (${reason}); create it, or set DATABASE_URL`,
    );
  }
  const created = await lookup();
  if (!created) {
    throw new EmbeddedPostgresError(
      'embedded PostgreSQL: the user postgres was created but cannot be found',
    );
  }
  return created;
}

async function lookup(): Promise<PosixIdentity | undefined> {
  try {
    const [uid, gid] = await Promise.all([
      exec('id', ['-u', 'postgres']),
      exec('id', ['-g', 'postgres']),
    ]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/**
 * Whether `identity` can reach `path` (execute a file, enter a directory), asked of the kernel
 * by a process running as that user: it answers for modes, groups and ACLs alike, where reading
 * mode bits ourselves would not.
 */
export function reachableBy(identity: PosixIdentity, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', 'test -x "$1"', 'sh', path], {
      ...identity,
      stdio: 'ignore',
    });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}
