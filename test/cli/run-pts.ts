import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

export interface PtsRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the `pts` command as a real process, from its TypeScript entry through tsx. The
 * environment is minimal on purpose: nothing of the test runner's (DATABASE_URL, PTS_*) leaks
 * in unless a test passes it.
 */
export function runPts(
  args: readonly string[],
  options: { input?: string; env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<PtsRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
      cwd: options.cwd ?? REPO,
      env: {
        PATH: process.env.PATH ?? '',
        // tsx reads decorator settings from tsconfig.json, which it would not find from a temp cwd.
        TSX_TSCONFIG_PATH: `${REPO}tsconfig.json`,
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
