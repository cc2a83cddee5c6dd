import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { flushLogs, JsonLogger, requestContext } from './json-logger.js';

function capture(level: 'debug' | 'info' = 'info', secrets: string[] = []) {
  const lines: string[] = [];
  const logger = new JsonLogger(level, secrets, (line) => lines.push(line));
  return {
    logger,
    lines,
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('JsonLogger', () => {
  it('writes one JSON object per line with level, context, message and request id', () => {
    const { logger, records } = capture();
    requestContext.run({ requestId: 'req-1' }, () => logger.log('hello', 'Test'));
    logger.warn('careful', 'Test');
    expect(records()).toMatchObject([
      { level: 'info', context: 'Test', msg: 'hello', requestId: 'req-1' },
      { level: 'warn', context: 'Test', msg: 'careful' },
    ]);
  });

  it('drops lines below its level', () => {
    const { logger, lines } = capture('info');
    logger.debug('noise', 'Test');
    expect(lines).toEqual([]);
  });

  it('redacts configured secret values wherever they appear', () => {
    const { logger, lines } = capture('info', ['0123456789abcdef0123456789abcdef']);
    logger.log('safecode is 0123456789abcdef0123456789abcdef, sadly', 'Test');
    logger.addSecrets(['late-secret-value']);
    logger.error(new Error('boom late-secret-value'), undefined, 'Test');
    const text = lines.join('');
    expect(text).not.toContain('0123456789abcdef0123456789abcdef');
    expect(text).not.toContain('late-secret-value');
    expect(text).toContain('[redacted]');
  });

  it('redacts keys, bearer tokens, signs, tokens and database passwords by their shape', () => {
    const { logger, lines } = capture();
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    logger.log(`key ${pem}`, 'Test');
    logger.log('Authorization: Bearer abc.def-ghi', 'Test');
    logger.log('{"sign":"QHnRBlfzyIa72eaQmUGTfPCVNK","access_token":"tok_123456"}', 'Test');
    logger.log('token=tok_abcdef&x=1', 'Test');
    logger.log('connecting to postgres://app:hunter2secret@db:5432/pts', 'Test');
    const text = lines.join('');
    expect(text).not.toContain(pem.split('\n')[2]);
    expect(text).not.toContain('abc.def-ghi');
    expect(text).not.toContain('QHnRBlfzyIa72eaQmUGTfPCVNK');
    expect(text).not.toContain('tok_123456');
    expect(text).not.toContain('tok_abcdef');
    expect(text).not.toContain('hunter2secret');
    expect(text).toContain('postgres://app:[redacted]@db:5432/pts');
  });

  it('writes the lines of one event-loop turn to stdout at once, an error line immediately', async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      const logger = new JsonLogger('info');
      logger.log('one', 'Test');
      logger.log('two', 'Test');
      expect(writes).toEqual([]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(writes).toHaveLength(1);
      expect(
        writes[0]
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l).msg),
      ).toEqual(['one', 'two']);
      logger.log('three', 'Test');
      logger.error('four', undefined, 'Test');
      expect(writes).toHaveLength(2);
      expect(writes[1]).toContain('"three"');
      expect(writes[1]).toContain('"four"');
      logger.log('five', 'Test');
      flushLogs();
      expect(writes[2]).toContain('"five"');
    } finally {
      spy.mockRestore();
    }
  });
});
