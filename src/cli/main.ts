import { runPtsCli } from './pts-cli.js';
import { processCliIo } from './pts-cli-io.js';

// The `pts` command (bin/pts.js loads the compiled copy of this file).
process.exitCode = await runPtsCli(process.argv.slice(2), processCliIo());
