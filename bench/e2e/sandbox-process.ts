import { join, resolve } from 'node:path';
import {
  loadOrCreateSandboxCredentials,
  type PtsSandboxCredentials,
} from '../../src/sandbox/index.js';
import { freePort, NodeProcess } from './node-process.js';

/**
 * The built sandbox (`node dist/src/sandbox/main.js`) as a process of its own, its data and log
 * under `dir`; resolves once it answers, with its URL and the credentials it generated.
 */
export async function startSandboxProcess(
  dir: string,
): Promise<{ process: NodeProcess; url: string; credentials: PtsSandboxCredentials }> {
  const port = await freePort();
  const dataDir = join(dir, 'sandbox');
  const process_ = NodeProcess.start(
    resolve('dist/src/sandbox/main.js'),
    { PTS_SANDBOX_PORT: String(port), PTS_SANDBOX_DATA_DIR: dataDir },
    join(dir, 'sandbox.log'),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await process_.waitForHttp(`${url}/sandbox/control`);
  } catch (error) {
    await process_.stop();
    throw error;
  }
  // The file it wrote before answering, read and checked as the sandbox itself reads it.
  const { credentials } = await loadOrCreateSandboxCredentials(dataDir);
  return { process: process_, url, credentials };
}
