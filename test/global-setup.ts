import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import {
  startEmbeddedPostgres,
  type EmbeddedPostgresHandle,
} from '../src/app/database/embedded-postgres.js';

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
  let server: EmbeddedPostgresHandle;
  try {
    server = await startEmbeddedPostgres({ dataDir, persistent: false });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    // One line that says what went wrong and what to do, not a stack from deep inside a spawn.
    const reason = error instanceof Error ? error.message : String(error);
    const oneLine = new Error(
      `The tests need PostgreSQL: ${reason}. Or set DATABASE_URL to an existing server.`,
    );
    oneLine.stack = oneLine.message;
    throw oneLine;
  }
  project.provide('databaseUrl', server.url);
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
