import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { PtsSandboxError } from './error.js';

/** The whole state, as the first line of the file holds it. */
export interface PtsSandboxStateSnapshot<Order, Token, Balances> {
  orders: Order[];
  tokens: Token[];
  balances: Record<string, Balances>;
  /** The port the sandbox last listened on: pay URLs it handed out point there. */
  port?: number;
}

interface SnapshotLine<Order, Token, Balances> extends PtsSandboxStateSnapshot<
  Order,
  Token,
  Balances
> {
  format: 'pts-sandbox-state';
  version: 1;
}

/** What `load` found: the snapshot, the changes after it, and whether a torn line was dropped. */
export interface PtsSandboxStateRead<Snapshot, Change> {
  snapshot: Snapshot;
  changes: Change[];
  tornTail: boolean;
}

/** The journal may grow to this many times the size of the last snapshot before compaction. */
export const PTS_SANDBOX_COMPACT_FACTOR = 4;
/** ... and at least to this many bytes (small states are not rewritten over and over). */
export const PTS_SANDBOX_COMPACT_MIN_BYTES = 256 * 1024;

/**
 * The sandbox's state file: one JSON line with the whole state (the snapshot, exactly the
 * file format the sandbox has always written), then one JSON line per change since. A change
 * costs one `write` of its own line, not a rewrite of everything. The file is compacted into
 * a single snapshot line again (temporary file, fsync, atomic rename) when it is opened with
 * changes in it, when it is closed, and when the changes outgrow the snapshot
 * `PTS_SANDBOX_COMPACT_FACTOR` times. A crash mid-write leaves a torn last line, which the
 * next start drops: every change whose line was written whole is kept.
 */
export class PtsSandboxStateFile<Order, Token, Balances, Change> {
  private fd?: number;
  private snapshotBytes = 0;
  private journalBytes = 0;
  /** The file is exactly one snapshot line (nothing to replay, nothing torn). */
  private clean = false;

  constructor(readonly path: string) {}

  /** Reads the file; undefined when there is none yet. */
  load(): PtsSandboxStateRead<PtsSandboxStateSnapshot<Order, Token, Balances>, Change> | undefined {
    if (!existsSync(this.path)) return undefined;
    const text = readFileSync(this.path, 'utf8');
    const lines = text.split('\n');
    // Whatever follows the last newline is a line cut short by a crash (or nothing at all).
    const tail = lines.pop() ?? '';
    const tornTail = tail !== '';
    if (lines.length === 0) lines.push(tail);
    let head: SnapshotLine<Order, Token, Balances>;
    try {
      head = JSON.parse(lines[0]) as SnapshotLine<Order, Token, Balances>;
    } catch (error) {
      throw new PtsSandboxError({
        code: 'state_unreadable',
        message: `PTS sandbox: state file ${this.path} is not JSON. Move it away to start with an empty sandbox.`,
        cause: error,
      });
    }
    if (head?.format !== 'pts-sandbox-state' || head.version !== 1) {
      throw new PtsSandboxError({
        code: 'state_unreadable',
        message: `PTS sandbox: ${this.path} is not a sandbox state file (version 1). Move it away to start with an empty sandbox.`,
      });
    }
    const changes: Change[] = [];
    for (let i = 1; i < lines.length; i++) {
      if (lines[i] === '') continue;
      try {
        changes.push(JSON.parse(lines[i]) as Change);
      } catch (error) {
        throw new PtsSandboxError({
          code: 'state_unreadable',
          message: `PTS sandbox: line ${i + 1} of state file ${this.path} is not JSON. Move the file away to start with an empty sandbox.`,
          cause: error,
        });
      }
    }
    const { orders, tokens, balances, port } = head;
    this.snapshotBytes = Buffer.byteLength(lines[0]) + 1;
    this.journalBytes = Buffer.byteLength(text) - this.snapshotBytes;
    this.clean = text === `${lines[0]}\n`;
    return {
      snapshot: { orders, tokens, balances, ...(port === undefined ? {} : { port }) },
      changes,
      tornTail: tornTail && lines.length > 1,
    };
  }

  /** False when the file holds more than one whole snapshot line (changes, a torn line). */
  get compacted(): boolean {
    return this.clean;
  }

  /** Appends one change; compacts with `snapshot()` once the changes outgrow the snapshot. */
  append(change: Change, snapshot: () => PtsSandboxStateSnapshot<Order, Token, Balances>): void {
    // A new file starts with its snapshot line, which already holds this change.
    if (this.snapshotBytes === 0) return this.compact(snapshot());
    const line = Buffer.from(`${JSON.stringify(change)}\n`, 'utf8');
    if (this.fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, 'a', 0o600);
    }
    // One write per line: a crash tears at most this line, which the next start drops.
    let written = 0;
    while (written < line.length) {
      written += writeSync(this.fd, line, written, line.length - written);
    }
    this.journalBytes += line.length;
    this.clean = false;
    const limit = Math.max(
      PTS_SANDBOX_COMPACT_MIN_BYTES,
      PTS_SANDBOX_COMPACT_FACTOR * this.snapshotBytes,
    );
    if (this.journalBytes > limit) this.compact(snapshot());
  }

  /** Rewrites the file as one snapshot line (atomically: a crash leaves the old file or this). */
  compact(state: PtsSandboxStateSnapshot<Order, Token, Balances>): void {
    this.release();
    const line: SnapshotLine<Order, Token, Balances> = {
      format: 'pts-sandbox-state',
      version: 1,
      orders: state.orders,
      tokens: state.tokens,
      balances: state.balances,
      ...(state.port ? { port: state.port } : {}),
    };
    const bytes = Buffer.from(`${JSON.stringify(line)}\n`, 'utf8');
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      let written = 0;
      while (written < bytes.length) {
        written += writeSync(fd, bytes, written, bytes.length - written);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
    this.snapshotBytes = bytes.length;
    this.journalBytes = 0;
    this.clean = true;
  }

  /** Closes the journal; the next `append` opens it again. */
  release(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
