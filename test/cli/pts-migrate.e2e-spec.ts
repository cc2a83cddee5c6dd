import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PTS_MIGRATIONS } from '../../migrations/index.js';
import { testDatabaseUrl } from '../support/test-database.js';
import { runPts } from './run-pts.js';

describe('pts migrate', () => {
  const url = testDatabaseUrl();
  const schema = `t_cli_migrate_${randomBytes(4).toString('hex')}`;
  // TypeORM runs migrations in the order of the timestamp their names end with.
  const timestamp = (name: string) => Number(/\d+$/.exec(name)?.[0]);
  const names = PTS_MIGRATIONS.map((m) => m.name).sort((a, b) => timestamp(a) - timestamp(b));
  let client: Client;

  async function appliedInSchema(): Promise<string[]> {
    const exists = await client.query(
      `SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'pts_migrations'`,
      [schema],
    );
    if (exists.rowCount === 0) return [];
    const rows = await client.query<{ name: string }>(
      `SELECT name FROM "${schema}".pts_migrations ORDER BY id`,
    );
    return rows.rows.map((r) => r.name);
  }

  beforeAll(async () => {
    client = new Client({ connectionString: url });
    await client.connect();
  });

  afterAll(async () => {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it('applies every migration to a fresh schema, then reports it up to date, lists and reverts', async () => {
    const first = await runPts(['migrate', '--database-url', url, '--schema', schema]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(names.map((n) => `applied ${n}\n`).join(''));
    expect(await appliedInSchema()).toEqual(names);

    // DATABASE_URL works as well as the flag.
    const again = await runPts(['migrate', '--schema', schema], { env: { DATABASE_URL: url } });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`\\(schema ${schema}\\) is up to date\\n$`));

    const revert = await runPts(['migrate', '--revert', '--database-url', url, '--schema', schema]);
    expect(revert).toEqual({ code: 0, stdout: `reverted ${names.at(-1)}\n`, stderr: '' });
    expect(await appliedInSchema()).toEqual(names.slice(0, -1));

    const status = await runPts(['migrate', '--status', '--database-url', url, '--schema', schema]);
    expect(status.code).toBe(0);
    expect(status.stdout).toBe(
      [...names.slice(0, -1).map((n) => `applied  ${n}`), `pending  ${names.at(-1)}`].join('\n') +
        '\n',
    );
  });

  it('exits 1 when the server cannot be reached, without printing the password', async () => {
    const run = await runPts([
      'migrate',
      '--database-url',
      'postgres://pts:hunter2@127.0.0.1:1/pts',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^pts migrate: cannot connect to postgres:\/\/pts:\*\*\*@127\.0\.0\.1:1\/pts: .*ECONNREFUSED/,
    );
    expect(run.stderr).not.toContain('hunter2');
  });
});
