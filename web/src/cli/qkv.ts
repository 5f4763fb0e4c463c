#!/usr/bin/env node
// The `qkv` executable (package.json "bin"). Exit status comes from main();
// process.exitCode rather than process.exit() lets piped stdout drain first.
import { main } from './main.js';

// `qkv generate ... | head` closes the pipe early: stop quietly, as Unix tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
