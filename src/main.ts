import { config as loadDotenv } from 'dotenv';
import { ServiceConfigError } from './app/config/service-config.js';
import { flushLogs, JsonLogger } from './app/logging/json-logger.js';
import { startPtsService } from './app/pts-service.js';

/** Boots the service (src/app) and handles the process: signals, exit codes. */
async function main(): Promise<void> {
  loadDotenv({ path: `${process.cwd()}/.env`, quiet: true });
  let service: Awaited<ReturnType<typeof startPtsService>>;
  try {
    service = await startPtsService(process.env, process.cwd(), {
      // After the log lines held back, so that the output stays in order.
      print: (text) => {
        flushLogs();
        process.stdout.write(`${text}\n`);
      },
    });
  } catch (error) {
    if (error instanceof ServiceConfigError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      const reason = error instanceof Error ? error.message : String(error);
      process.stderr.write(`The service could not start: ${new JsonLogger().redact(reason)}\n`);
    }
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    service.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

void main();
