import { describe, expect, it } from 'vitest';
import { PTS_CLI_COMMANDS, runPtsCli } from './cli.js';
import { bufferedCliIo } from './io.js';

async function pts(args: string[]) {
  const io = bufferedCliIo({ stdin: '' });
  const code = await runPtsCli(args, io);
  return { code, out: io.out, err: io.err };
}

describe('the pts dispatcher', () => {
  it('prints the overview on stderr with exit 2 when called with nothing, on stdout with --help', async () => {
    const [bare, help, helpWord] = await Promise.all([pts([]), pts(['--help']), pts(['help'])]);
    expect(bare.code).toBe(2);
    expect(bare.out).toBe('');
    expect(bare.err).toMatch(/^Usage: pts <command> \[options\]\n/);
    expect(help).toEqual({ code: 0, out: bare.err, err: '' });
    expect(helpWord).toEqual(help);
  });

  it('gives every command a help text that starts with its usage line and shows an example', async () => {
    for (const command of PTS_CLI_COMMANDS) {
      const [flag, word] = await Promise.all([
        pts([command.name, '--bogus', '-h']),
        pts(['help', command.name]),
      ]);
      expect(flag.code).toBe(0);
      expect(flag.out.startsWith(`Usage: pts ${command.name}`)).toBe(true);
      expect(flag.out).toContain('\nExample:\n');
      expect(word.out).toBe(flag.out);
    }
  });

  it('prints the package version', async () => {
    const run = await pts(['--version']);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('turns parse errors into one line that names the option', async () => {
    const cases: [string[], string][] = [
      [
        ['sign', '--key'],
        'pts sign: option --key needs a value (write --key=VALUE for a value that starts with -); see `pts sign --help`\n',
      ],
      [['sign', '--json=yes'], 'pts sign: option --json takes no value; see `pts sign --help`\n'],
      [['sign', '-x'], 'pts sign: unknown option -x; see `pts sign --help`\n'],
      [
        ['sign', 'a.json', 'b.json'],
        'pts sign: takes at most 1 FILE argument, got also `b.json`; see `pts sign --help`\n',
      ],
      [
        ['migrate', 'now'],
        'pts migrate: takes no arguments besides options, got `now`; see `pts migrate --help`\n',
      ],
      [['sign', '--message', ''], 'pts sign: option --message is empty; see `pts sign --help`\n'],
      [
        ['Sign'],
        'pts: unknown command `Sign`; commands: keygen, sign, verify, encrypt, decrypt, token-hash, hmac, send-callback, migrate\n',
      ],
    ];
    for (const [args, message] of cases) {
      expect(await pts(args)).toEqual({ code: 2, out: '', err: message });
    }
  });
});
