// Runs repository scripts (the qkv CLI, examples/node) as child processes for the tests.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `node <script> ...args` from the repository root, with `input` (if given) on its stdin; never rejects. */
export function runNode(script, args, input) {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [script, ...args], { cwd: repo, encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : error.code, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
  });
}

/** dist/cli/qkv.js with one thread and no progress output. */
export const runQkv = (...args) => runNode('dist/cli/qkv.js', [...args, '--threads', '1', '--quiet']);
