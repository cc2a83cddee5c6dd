/**
 * Everything the `pts` commands touch outside their arguments, behind one interface, so that a
 * command runs the same in the real process and in a unit test.
 */
export interface PtsCliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative file arguments resolve against this directory. */
  readonly cwd: string;
  /** True when nobody pipes anything in: reading stdin would wait for a human. */
  readonly stdinIsTty: boolean;
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<Buffer>;
}

/** The real process. */
export function processCliIo(): PtsCliIo {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdinIsTty: process.stdin.isTTY === true,
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) {
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer));
      }
      return Buffer.concat(chunks);
    },
  };
}

/** An in-memory io for unit tests: what the command printed is in `out` and `err`. */
export interface PtsBufferedCliIo extends PtsCliIo {
  readonly out: string;
  readonly err: string;
}

export function bufferedCliIo(
  setup: { stdin?: string | Buffer; env?: Record<string, string | undefined>; cwd?: string } = {},
): PtsBufferedCliIo {
  let out = '';
  let err = '';
  return {
    env: setup.env ?? {},
    cwd: setup.cwd ?? process.cwd(),
    stdinIsTty: setup.stdin === undefined,
    stdout: (text) => void (out += text),
    stderr: (text) => void (err += text),
    readStdin: async () =>
      Buffer.isBuffer(setup.stdin) ? setup.stdin : Buffer.from(setup.stdin ?? '', 'utf8'),
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}
