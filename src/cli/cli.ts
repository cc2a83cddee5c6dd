import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PtsError } from '../pts/errors/pts-error.js';
import { ptsDecryptCommand, ptsEncryptCommand } from './commands/cipher-commands.js';
import { ptsHmacCommand } from './commands/hmac-command.js';
import { ptsKeygenCommand } from './commands/keygen-command.js';
import { ptsMigrateCommand } from './commands/migrate-command.js';
import { ptsSendCallbackCommand } from './commands/send-callback-command.js';
import { ptsSignCommand } from './commands/sign-command.js';
import { ptsTokenHashCommand } from './commands/token-hash-command.js';
import { ptsVerifyCommand } from './commands/verify-command.js';
import { PtsCliArgs } from './args.js';
import type { PtsCliCommand } from './command.js';
import { PtsCliError, type PtsCliExitCode } from './error.js';
import type { PtsCliIo } from './io.js';

export const PTS_CLI_COMMANDS: readonly PtsCliCommand[] = [
  ptsKeygenCommand,
  ptsSignCommand,
  ptsVerifyCommand,
  ptsEncryptCommand,
  ptsDecryptCommand,
  ptsTokenHashCommand,
  ptsHmacCommand,
  ptsSendCallbackCommand,
  ptsMigrateCommand,
];

function overview(): string {
  const width = Math.max(...PTS_CLI_COMMANDS.map((c) => c.name.length));
  return [
    'Usage: pts <command> [options]',
    '',
    'Tools for a PTS (PagarStar) merchant integration that does not work yet.',
    '',
    'Commands:',
    ...PTS_CLI_COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `pts <command> --help` for its options and an example.',
    'Exit codes: 0 done, 1 a check failed (signature, reply, decryption), 2 bad usage or input.',
    '',
  ].join('\n');
}

function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: string };
      return pkg.version ?? 'unknown';
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

/** Node's parseArgs messages, said the way the rest of `pts` speaks. */
function describeParseError(error: Error & { code?: string }, command: PtsCliCommand): string {
  const option = /'(-[^' ]+)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return command.options[option?.replace(/^-+/, '') ?? '']?.type === 'boolean'
        ? `option ${option} takes no value`
        : `option ${option ?? ''} needs a value (write ${option ?? '--option'}=VALUE for a value that starts with -)`;
    default:
      return error.message;
  }
}

/**
 * Runs one `pts` invocation and returns its exit code. Every failure becomes one line on
 * stderr: `pts <command>: <what is wrong>`.
 */
export async function runPtsCli(argv: readonly string[], io: PtsCliIo): Promise<PtsCliExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(overview());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? PTS_CLI_COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.stdout(topic ? topic.help : overview());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  const command = PTS_CLI_COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(
      `pts: unknown command \`${name}\`; commands: ${PTS_CLI_COMMANDS.map((c) => c.name).join(', ')}\n`,
    );
    return 2;
  }
  const dashDash = rest.indexOf('--');
  const flags = dashDash === -1 ? rest : rest.slice(0, dashDash);
  if (flags.includes('--help') || flags.includes('-h')) {
    io.stdout(command.help);
    return 0;
  }
  try {
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: [...rest],
        options: command.options,
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw PtsCliError.usage(describeParseError(error as Error, command));
    }
    if (parsed.positionals.length > command.maxPositionals) {
      const extra = parsed.positionals.slice(command.maxPositionals).join(' ');
      throw PtsCliError.usage(
        command.maxPositionals === 0
          ? `takes no arguments besides options, got \`${extra}\``
          : `takes at most ${command.maxPositionals} FILE argument, got also \`${extra}\``,
      );
    }
    const args = new PtsCliArgs(command.name, parsed.values, parsed.positionals);
    return await command.run(args, io);
  } catch (error) {
    return report(error, command, io);
  }
}

function report(error: unknown, command: PtsCliCommand, io: PtsCliIo): PtsCliExitCode {
  const prefix = `pts ${command.name}:`;
  if (error instanceof PtsCliError) {
    const hint = error.exitCode === 2 ? `; see \`pts ${command.name} --help\`` : '';
    io.stderr(`${prefix} ${error.message}${hint}\n`);
    return error.exitCode;
  }
  if (error instanceof PtsError) {
    // Protocol errors raised by the input (a key, a field, a safecode) are bad input.
    io.stderr(`${prefix} ${error.message.replace(/^PTS: /, '')} (${error.code})\n`);
    return 2;
  }
  const message = error instanceof Error ? error.message || error.name : String(error);
  io.stderr(`${prefix} unexpected error: ${message}\n`);
  return 1;
}
