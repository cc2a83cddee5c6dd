import { createHash } from 'node:crypto';
import {
  chmod,
  chown,
  cp,
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  utimes,
} from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { PosixIdentity } from './embedded-postgres-access.js';
import { EmbeddedPostgresError } from './embedded-postgres-error.js';

/**
 * Root's own directory for what the `postgres` user must reach when the project cannot be
 * reached: the binaries copy and relocated data directories. /var/tmp survives reboots (the
 * data must) and is on every Linux machine.
 */
export const PRIVATE_ROOT = '/var/tmp/pts-embedded-postgres';

/** A copy unused this long is removed by the next start that uses another one. */
const STALE_AFTER_MS = 30 * 24 * 3600 * 1000;
/** A half-made copy this old was left by a start that died. */
const ABANDONED_AFTER_MS = 3600 * 1000;

/**
 * Creates PRIVATE_ROOT (0755, root's) or checks the one that exists: /var/tmp is writable by
 * everyone, and a directory someone else planted there must not decide what PostgreSQL runs.
 */
export async function ensurePrivateRoot(): Promise<string> {
  await mkdir(PRIVATE_ROOT, { recursive: true, mode: 0o755 });
  const info = await lstat(PRIVATE_ROOT);
  if (!info.isDirectory() || info.uid !== 0 || (info.mode & 0o022) !== 0) {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: ${PRIVATE_ROOT} must be a directory owned by root and writable by nobody else; remove it and start again`,
    );
  }
  return PRIVATE_ROOT;
}

/**
 * A copy of the PostgreSQL installation (`bin`, `lib`, `share`) that user postgres can run,
 * made once per binaries version and reused across starts and projects. Owned by root, group
 * postgres, mode 0750: readable by postgres, by no other user, writable by root alone. Made under
 * a temporary name and renamed into place, so a start that dies leaves no half copy in use.
 */
export async function privateBinariesCopy(
  installation: string,
  identity: PosixIdentity,
): Promise<string> {
  const root = await ensurePrivateRoot();
  const name = `bin-${await versionTag(installation)}`;
  const target = join(root, name);
  if (!(await isOurs(target))) {
    const scratch = join(root, `${name}.tmp-${process.pid}-${Date.now()}`);
    try {
      await cp(installation, scratch, {
        recursive: true,
        verbatimSymlinks: true,
        preserveTimestamps: true,
      });
      await chown(scratch, 0, identity.gid);
      await chmod(scratch, 0o750);
      await rename(scratch, target);
    } catch (error) {
      await rm(scratch, { recursive: true, force: true });
      // Another start made the same copy first: use that one.
      if (!(await isOurs(target))) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new EmbeddedPostgresError(
          `embedded PostgreSQL: could not copy its binaries to ${target} (${reason})`,
        );
      }
    }
  }
  const now = new Date();
  await utimes(target, now, now);
  await removeStale(root, name);
  return target;
}

/** The binaries package's version, or a hash of the installation path when it has none. */
async function versionTag(installation: string): Promise<string> {
  try {
    const manifest = JSON.parse(
      await readFile(join(installation, '..', 'package.json'), 'utf8'),
    ) as {
      version?: unknown;
    };
    if (typeof manifest.version === 'string' && /^[\w.-]+$/.test(manifest.version)) {
      return manifest.version;
    }
  } catch {
    // fall through
  }
  return createHash('sha256').update(installation).digest('hex').slice(0, 16);
}

async function isOurs(path: string): Promise<boolean> {
  try {
    const info = await lstat(path);
    return info.isDirectory() && info.uid === 0 && (info.mode & 0o027) === 0;
  } catch {
    return false;
  }
}

/** Copies of other versions unused for a month, and scratch copies a dead start left behind. */
async function removeStale(root: string, keep: string): Promise<void> {
  const now = Date.now();
  for (const entry of await readdir(root)) {
    if (!entry.startsWith('bin-') || entry === keep) continue;
    const path = join(root, entry);
    const age = now - (await lstat(path)).mtimeMs;
    const limit = entry.includes('.tmp-') ? ABANDONED_AFTER_MS : STALE_AFTER_MS;
    if (age > limit) await rm(path, { recursive: true, force: true });
  }
}

/**
 * The binaries package ships its shared libraries' version links (`libicuuc.so.60` ->
 * `libicuuc.so.60.2`) as a list that its postinstall script turns into links. npm 11 holds
 * install scripts back until approved, and without the links `initdb` cannot load its
 * libraries; so we make the missing ones ourselves, as that script would.
 */
export async function hydrateLibraryLinks(installation: string): Promise<void> {
  const packageRoot = dirname(installation);
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(
      await readFile(join(installation, 'pg-symlinks.json'), 'utf8'),
    ) as typeof links;
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const to = join(packageRoot, target);
    try {
      await lstat(to);
    } catch {
      await symlink(relative(dirname(to), join(packageRoot, source)), to).catch(() => undefined);
    }
  }
}
