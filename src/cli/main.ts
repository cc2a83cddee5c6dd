import { runPtsCli } from './cli.js';
import { processCliIo } from './io.js';

// `pts keygen --stdout | head -1` closes the pipe early: that is the reader's choice, not a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

// The `pts` command (bin/pts.js loads the compiled copy of this file).
process.exitCode = await runPtsCli(process.argv.slice(2), processCliIo());
