#!/usr/bin/env node
// The `pts` command: loads the compiled CLI (src/cli/main.ts, built by `npm run build`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('pts: the command is not built yet: run `npm run build` first\n');
  process.exitCode = 1;
} else {
  await import(entry.href);
}
