import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { processCpuMs } from './cpu-ledger.js';

/**
 * The node arguments `npm start` gives the service (package.json `config.serviceNodeArgs`: the
 * heap cap, README "Memory"), so the benchmarks run it as `npm start` does.
 */
export const SERVICE_NODE_ARGS: string[] = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    config: { serviceNodeArgs: string };
  }
).config.serviceNodeArgs
  .split(' ')
  .filter(Boolean);

/**
 * A built entry point of this repository (`dist/src/main.js`, `dist/src/sandbox/main.js`) run
 * as a child process, as `npm start` runs it: the benchmarks measure it from outside and never
 * import it. Its output goes to a log file, so that reading it costs the bench nothing.
 */
export class NodeProcess {
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** `nodeArgs`: e.g. `['--import', 'tsx']` for a TypeScript entry of bench/. */
  static start(
    entry: string,
    env: Record<string, string>,
    logFile: string,
    nodeArgs: string[] = [],
  ): NodeProcess {
    const fd = openSync(logFile, 'a');
    const child = spawn(process.execPath, [...nodeArgs, entry], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    return new NodeProcess(child, logFile);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Polls `url` until it answers 200; fails with the log's tail if the process ends first. */
  async waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.exited.then(() => (ended = true));
    while (Date.now() < deadline) {
      if (ended) throw new Error(`${this.describe()} exited before answering:\n${this.tail()}`);
      try {
        const res = await fetch(url);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(
      `${this.describe()} did not answer ${url} within ${timeoutMs} ms:\n${this.tail()}`,
    );
  }

  /** SIGINT (as Ctrl-C), then SIGKILL after 20 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** `VmRSS` and `VmHWM` (the kernel's high-water mark of the RSS) in MB, from /proc. */
  memory(): { rssMb: number; hwmMb: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  }

  /** CPU time (user + system) the process has used so far, in ms, from /proc. */
  cpuMs(): number {
    return processCpuMs(this.pid);
  }

  tail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private describe(): string {
    return `${this.child.spawnargs.slice(1).join(' ')} (pid ${this.pid})`;
  }
}

/** Samples a process's RSS every `everyMs` while running; the max seen and the HWM at the end. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  maxRssMb = 0;

  constructor(private readonly process: NodeProcess) {}

  start(everyMs = 200): void {
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    try {
      this.maxRssMb = Math.max(this.maxRssMb, this.process.memory().rssMb);
    } catch {
      // the process ended
    }
  }

  stop(): { maxRssMb: number; hwmMb: number } {
    clearInterval(this.timer);
    this.sample();
    let hwmMb = 0;
    try {
      hwmMb = this.process.memory().hwmMb;
    } catch {
      // the process ended
    }
    return { maxRssMb: this.maxRssMb, hwmMb };
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
