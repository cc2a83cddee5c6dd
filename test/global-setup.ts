import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../src/app/database/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * One PostgreSQL for the whole run: DATABASE_URL when set (CI), otherwise a real embedded
 * server in a temporary directory, stopped and removed at the end. Test files isolate
 * themselves in schemas of their own (test/support/test-database.ts).
 */
export default async function setup(project: TestProject) {
  const configured = process.env.DATABASE_URL;
  if (configured) {
    project.provide('databaseUrl', configured);
    return;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'pts-test-pg-'));
  const server = await startEmbeddedPostgres({ dataDir, persistent: false });
  project.provide('databaseUrl', server.url);
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
