import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggerService } from '@nestjs/common';

type Level = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The request id of the code running now (set per HTTP request). */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

/** Patterns that are secrets whatever their value: PEM keys, bearer tokens, signatures. */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*KEY-----[\s\S]*?(-----END [A-Z ]*KEY-----|$)/g, '[redacted key]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [
    // Also as it stands inside a JSON log line, where the quotes are escaped (\").
    /((?:\\?")?(?:sign|access_token|token|safecode|transaction_secret|hash)(?:\\?")?\s*[:=]\s*(?:\\?")?)[^"\\,&\s}]+/gi,
    '$1[redacted]',
  ],
  [/(postgres(?:ql)?:\/\/[^:/\s]+:)[^@\s]+@/gi, '$1[redacted]@'],
];

/**
 * Structured JSON logs, one object per line: time, level, context, message, request id.
 * Every line passes through redaction: the configured secret values (safecodes, transaction
 * secrets, admin keys, key bodies) and anything shaped like a key, a bearer token or a `sign`.
 */
export class JsonLogger implements LoggerService {
  private readonly secrets: string[];

  constructor(
    private readonly level: Level = 'info',
    secrets: readonly (string | undefined)[] = [],
    private readonly write: (line: string, urgent: boolean) => void = bufferedStdout,
  ) {
    this.secrets = [...new Set(secrets.filter((s): s is string => !!s && s.length >= 6))].sort(
      (a, b) => b.length - a.length,
    );
  }

  /** Adds secret values learnt after start (e.g. generated sandbox credentials). */
  addSecrets(values: readonly (string | undefined)[]): void {
    for (const value of values) {
      if (value && value.length >= 6 && !this.secrets.includes(value)) this.secrets.push(value);
    }
    this.secrets.sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('[redacted]');
    for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.emit('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.emit('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.emit('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.emit('error', message, rest);
  }

  /** A log line with fields of its own (access log). */
  event(level: Level, context: string, message: string, fields: Record<string, unknown>): void {
    if (RANK[level] < RANK[this.level]) return;
    this.writeLine({ level, context, msg: message, ...fields }, level === 'error');
  }

  private emit(level: Level, message: unknown, rest: unknown[]): void {
    if (RANK[level] < RANK[this.level]) return;
    // Nest passes (message, context) or (message, stack, context).
    const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined;
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    const text =
      message instanceof Error
        ? `${message.name}: ${message.message}`
        : typeof message === 'string'
          ? message
          : JSON.stringify(message);
    this.writeLine({ level, context, msg: text, stack }, level === 'error');
  }

  private writeLine(fields: Record<string, unknown>, urgent: boolean): void {
    const requestId = fields.requestId ?? requestContext.getStore()?.requestId;
    const record = { time: new Date().toISOString(), ...fields, requestId };
    this.write(`${this.redact(JSON.stringify(record))}\n`, urgent);
  }
}

/** Bytes of log lines held back at most before they are written. */
const STDOUT_BATCH_BYTES = 64 * 1024;
let pending = '';
let flushScheduled = false;

/**
 * Writes all log lines held back, at once. Runs after each turn of the event loop that logged,
 * when the batch is full, for an error line, and when the process exits.
 */
export function flushLogs(): void {
  flushScheduled = false;
  if (pending === '') return;
  const text = pending;
  pending = '';
  process.stdout.write(text);
}

/**
 * The default sink: stdout, in batches. Writing to stdout is synchronous for files and pipes,
 * a system call per write; a busy callback route logs two lines per request (its access line
 * and its outcome), so the lines of one turn of the event loop are written together
 * (`setImmediate`). An error line is written at once, with what came before it, and whatever
 * is held back is written on exit (`process.on('exit')`, which also runs after an uncaught
 * exception), so no line is lost short of a SIGKILL.
 */
function bufferedStdout(line: string, urgent: boolean): void {
  pending += line;
  if (urgent || pending.length >= STDOUT_BATCH_BYTES) return flushLogs();
  if (flushScheduled) return;
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', flushLogs);
  }
  flushScheduled = true;
  setImmediate(flushLogs).unref();
}
let exitHooked = false;

/**
 * Gives every request an id (`X-Request-Id`, taken from the caller when it is sane) that all
 * its log lines carry, and writes one access line when the response is finished.
 */
export function requestLogging(logger: JsonLogger) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const given = req.headers['x-request-id'];
    const requestId =
      typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    requestContext.run({ requestId }, () => {
      res.once('finish', () => {
        logger.event(res.statusCode >= 500 ? 'warn' : 'info', 'Http', 'request', {
          method: req.method,
          path: (req.url ?? '').split('?')[0],
          status: res.statusCode,
          ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
          requestId,
        });
      });
      next();
    });
  };
}
