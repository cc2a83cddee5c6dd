import type { PtsCliCommand } from '../command.js';
import { PtsCliError } from '../error.js';

const SCHEMA_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The URL without its password, for messages. */
function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = '***';
    return url.href;
  } catch {
    return '(unparseable URL)';
  }
}

/** pg's connection failures are often AggregateErrors with an empty message. */
function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0]);
  if (error instanceof Error) {
    return error.message || (error as NodeJS.ErrnoException).code || error.name;
  }
  return String(error);
}

export const ptsMigrateCommand: PtsCliCommand = {
  name: 'migrate',
  summary: 'apply (or revert, or list) the database migrations',
  maxPositionals: 0,
  options: {
    'database-url': { type: 'string' },
    schema: { type: 'string' },
    revert: { type: 'boolean' },
    status: { type: 'boolean' },
  },
  help: `Usage: pts migrate [--database-url URL] [--schema NAME] [--revert | --status]

Applies every pending migration of the service's schema to a PostgreSQL database, each in its
own transaction, and prints the name of each one applied. \`npm start\` does this by itself;
this command is for databases you manage (DATABASE_URL).

Options:
  --database-url URL     postgres://user:password@host:5432/db; default: DATABASE_URL
  --schema NAME          a PostgreSQL schema other than public (created when missing)
  --revert               revert the last applied migration instead
  --status               list applied and pending migrations; change nothing

Example:
  DATABASE_URL=postgres://pts@127.0.0.1:5432/pts pts migrate
`,
  async run(args, io) {
    args.exclusive('revert', 'status');
    const url = args.string('database-url') ?? io.env.DATABASE_URL;
    if (!url) {
      throw PtsCliError.usage(
        'no database: give --database-url URL or set DATABASE_URL',
        'missing_option',
      );
    }
    const source =
      args.string('database-url') === undefined ? 'DATABASE_URL' : 'option --database-url';
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw PtsCliError.usage(
        `${source} must be a postgres:// URL, got \`${redactUrl(url)}\``,
        'invalid_option',
      );
    }
    const schema = args.string('schema');
    if (schema !== undefined && !SCHEMA_RE.test(schema)) {
      throw PtsCliError.usage(
        `option --schema must be a plain identifier (letters, digits, _), got \`${schema}\``,
        'invalid_option',
      );
    }
    // Loaded here, not at the top: TypeORM and the entities cost every other command startup time.
    // Only the module's own parts: the command ships in the package, without the service.
    const { DataSource, MigrationExecutor } = await import('typeorm');
    const { PTS_MIGRATIONS, PTS_MIGRATIONS_TABLE } = await import('../../../migrations/index.js');
    const dataSource = new DataSource({
      type: 'postgres',
      url,
      schema,
      applicationName: 'pts-cli',
      migrations: [...PTS_MIGRATIONS],
      migrationsTableName: PTS_MIGRATIONS_TABLE,
      migrationsTransactionMode: 'each',
      extra: {
        max: 1,
        // Fail in seconds rather than hang on a host that drops packets.
        connectionTimeoutMillis: 10_000,
        ...(schema ? { options: `-c search_path=${schema},public` } : {}),
      },
    });
    const shownUrl = redactUrl(url);
    try {
      await dataSource.initialize();
    } catch (error) {
      throw PtsCliError.failed(
        'database_unreachable',
        `cannot connect to ${shownUrl}: ${reason(error)}`,
        {
          cause: error,
        },
      );
    }
    try {
      if (schema !== undefined && !args.flag('status')) {
        await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      }
      const executor = new MigrationExecutor(dataSource);
      const where = `${shownUrl}${schema ? ` (schema ${schema})` : ''}`;
      if (args.flag('status')) {
        const applied = await executor.getExecutedMigrations();
        const pending = await executor.getPendingMigrations();
        const lines = [
          ...applied.map((m) => `applied  ${m.name}`).reverse(),
          ...pending.map((m) => `pending  ${m.name}`),
        ];
        io.stdout(`${lines.length > 0 ? lines.join('\n') : 'no migrations'}\n`);
        return 0;
      }
      if (args.flag('revert')) {
        const before = await executor.getExecutedMigrations();
        if (before.length === 0) {
          io.stdout(`nothing to revert in ${where}\n`);
          return 0;
        }
        await dataSource.undoLastMigration({ transaction: 'each' });
        const after = new Set((await executor.getExecutedMigrations()).map((m) => m.name));
        for (const m of before.filter((m) => !after.has(m.name))) {
          io.stdout(`reverted ${m.name}\n`);
        }
        return 0;
      }
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      if (applied.length === 0) {
        io.stdout(`${where} is up to date\n`);
      } else {
        io.stdout(applied.map((m) => `applied ${m.name}\n`).join(''));
      }
      return 0;
    } catch (error) {
      if (error instanceof PtsCliError) throw error;
      throw PtsCliError.failed(
        'migration_failed',
        `migration failed on ${shownUrl}: ${reason(error)}`,
        {
          cause: error,
        },
      );
    } finally {
      await dataSource.destroy();
    }
  },
};
