import { PtsSandbox } from './sandbox.js';
import { ptsSandboxSetupFromEnv } from './standalone.js';

/** `npm run sandbox`: the gateway simulator on its own, configured from the environment. */
async function main(): Promise<void> {
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  const setup = await ptsSandboxSetupFromEnv(process.env, log);
  const sandbox = await PtsSandbox.start(setup.options);
  for (const line of setup.banner(sandbox.url)) console.log(line);
  const shutdown = (signal: string) => {
    log(`${signal}: stopping`);
    sandbox.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
