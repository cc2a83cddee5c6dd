import { execFile } from 'node:child_process';
import { cp, mkdtemp, readlink, rm, stat, unlink } from 'node:fs/promises';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { hydrateLibraryLinks } from './embedded-postgres-binaries.js';

const exec = promisify(execFile);

describe('hydrateLibraryLinks', () => {
  const scratch: string[] = [];
  afterAll(async () => {
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  });

  it('restores the library links an install without scripts leaves out, so initdb can load', async () => {
    const packaged = dirname(
      fileURLToPath(import.meta.resolve(`@embedded-postgres/${platform()}-${arch()}`)),
    );
    const copy = await mkdtemp(join(tmpdir(), 'pts-pg-links-'));
    scratch.push(copy);
    await cp(join(packaged, '..', 'native'), join(copy, 'native'), {
      recursive: true,
      verbatimSymlinks: true,
    });
    // As after `npm ci` with the postinstall held back: the version links are missing.
    const link = join(copy, 'native/lib/libicuuc.so.60');
    await unlink(link);
    await expect(exec(join(copy, 'native/bin/initdb'), ['--version'])).rejects.toThrow(/libicuuc/);

    await hydrateLibraryLinks(join(copy, 'native'));

    expect(await readlink(link)).toBe('libicuuc.so.60.2');
    expect((await stat(link)).isFile()).toBe(true);
    const { stdout } = await exec(join(copy, 'native/bin/initdb'), ['--version']);
    expect(stdout).toMatch(/initdb \(PostgreSQL\) \d+/);
    // Links that exist are left as they are (a second run changes nothing).
    await hydrateLibraryLinks(join(copy, 'native'));
    expect(await readlink(link)).toBe('libicuuc.so.60.2');
  });
});
