import type { ParseArgsConfig } from 'node:util';
import type { PtsCliArgs } from './args.js';
import type { PtsCliExitCode } from './error.js';
import type { PtsCliIo } from './io.js';

export type PtsCliOptionSpec = NonNullable<ParseArgsConfig['options']>;

/** One `pts` sub-command: its options, its help text and what it does. */
export interface PtsCliCommand {
  readonly name: string;
  /** One line for `pts --help`. */
  readonly summary: string;
  /** The whole `pts <name> --help` text. */
  readonly help: string;
  /** `--help` is added by the dispatcher. */
  readonly options: PtsCliOptionSpec;
  /** How many positional arguments (FILE) it takes at most. */
  readonly maxPositionals: number;
  run(args: PtsCliArgs, io: PtsCliIo): Promise<PtsCliExitCode>;
}
