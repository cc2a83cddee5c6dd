import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC instead of esbuild: Nest's dependency injection and TypeORM need decorator metadata,
// which esbuild does not emit.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  // The service imports the library as a host does (`pts-nest`, `pts-nest/protocol`,
  // `pts-nest/testing`); in tests those names are the sources (tsconfig.json `paths` for tsc).
  resolve: {
    alias: [
      {
        find: /^pts-nest$/,
        replacement: fileURLToPath(new URL('./src/pts/index.ts', import.meta.url)),
      },
      {
        find: /^pts-nest\/protocol$/,
        replacement: fileURLToPath(new URL('./src/pts/protocol/index.ts', import.meta.url)),
      },
      {
        find: /^pts-nest\/testing$/,
        replacement: fileURLToPath(new URL('./src/sandbox/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each file gets its own PostgreSQL schema, so files may run side by side.
    fileParallelism: true,
  },
});
