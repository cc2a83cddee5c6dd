import { describe, expect, it } from 'vitest';
import { runPtsCli } from '../cli.js';
import { bufferedCliIo } from '../io.js';

// Running migrations needs PostgreSQL: test/cli/pts-migrate.e2e-spec.ts. These are the checks
// made before any connection.
describe('pts migrate (arguments)', () => {
  it('names the bad option before it connects anywhere', async () => {
    const cases: [string[], Record<string, string>, string][] = [
      [['migrate'], {}, 'pts migrate: no database: give --database-url URL or set DATABASE_URL'],
      [
        ['migrate'],
        { DATABASE_URL: 'mysql://u:pw@h/db' },
        'pts migrate: DATABASE_URL must be a postgres:// URL, got `mysql://u:***@h/db`',
      ],
      [
        ['migrate', '--database-url', 'postgres://h/db', '--schema', 'x"; drop'],
        {},
        'pts migrate: option --schema must be a plain identifier (letters, digits, _), got `x"; drop`',
      ],
      [
        ['migrate', '--database-url', 'postgres://h/db', '--revert', '--status'],
        {},
        'pts migrate: options --revert and --status exclude each other; give one',
      ],
    ];
    for (const [args, env, message] of cases) {
      const io = bufferedCliIo({ env });
      const code = await runPtsCli(args, io);
      expect({ args, code, out: io.out }).toEqual({ args, code: 2, out: '' });
      expect(io.err.startsWith(message), `${io.err} should start with ${message}`).toBe(true);
    }
  });
});
