import { fork, type ChildProcess } from 'node:child_process';
import type { ChildMessage, LoadJob, ParentMessage, SliceResult } from './load-protocol.js';

/**
 * The parent's handle on a load child (bench/e2e/load-child.ts), a process of its own so that
 * generating load does not share an event loop with anything measured. Children are TypeScript
 * run through tsx, as the benchmarks themselves.
 */
export class LoadDriver {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (result: SliceResult) => void; reject: (error: Error) => void }
  >();
  private failure: Error | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'result') {
        this.waiting.get(message.id)?.resolve(message);
        this.waiting.delete(message.id);
      } else if (message.type === 'error') {
        this.failure = new Error(`load child: ${message.message}`);
      }
    });
    child.on('exit', (code) => {
      this.failure ??= new Error(`load child exited with ${code}`);
      for (const { reject } of this.waiting.values()) reject(this.failure);
      this.waiting.clear();
    });
  }

  static async start(script: URL): Promise<LoadDriver> {
    const child = fork(script, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', (message: ChildMessage) =>
        message.type === 'ready' ? resolve() : reject(new Error('load child did not start')),
      );
      child.once('exit', (code) => reject(new Error(`load child exited with ${code}`)));
    });
    return new LoadDriver(child);
  }

  /** The load child's process id (its CPU is charged in bench/e2e/cpu-ledger.ts). */
  get pid(): number {
    return this.child.pid!;
  }

  define(job: LoadJob): void {
    this.send({ type: 'define', job });
  }

  async slice(job: string, durationMs: number, concurrency: number): Promise<SliceResult> {
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    const result = new Promise<SliceResult>((resolve, reject) =>
      this.waiting.set(id, { resolve, reject }),
    );
    this.send({ type: 'slice', id, job, durationMs, concurrency });
    const answer = await result;
    const failure = this.failure as Error | undefined;
    if (failure) throw failure;
    return answer;
  }

  stop(): void {
    if (this.child.connected) this.send({ type: 'quit' });
  }

  private send(message: ParentMessage): void {
    this.child.send(message);
  }
}
