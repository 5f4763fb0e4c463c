// The README's ```js snippets run as a reader would copy them: the block after a heading, as a
// Node.js script from the repository root, with only the import specifier 'qkv' pointed at this
// checkout's dist/ and each top-level `await x;` statement's value printed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repo = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(repo, 'README.md'), 'utf8');

/** The first ```js block after `heading`, its 'qkv' import pointed at dist/ and its results printed. */
export function snippet(heading) {
  const at = readme.indexOf(heading);
  assert.ok(at >= 0, `README has no ${heading}`);
  const block = /```js\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(block, `no js block after ${heading}`);
  const dist = pathToFileURL(join(repo, 'dist', 'index.js')).href;
  // Each top-level `await x(...)` statement's value is printed, so the test sees what the reader would.
  return block[1].replace("from 'qkv'", `from '${dist}'`)
    .replace(/^await (.*?);(.*)$/gm, 'console.log(JSON.stringify(await $1));$2');
}

export function run(source) {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-readme-'));
  const file = join(dir, 'snippet.mjs');
  writeFileSync(file, source);
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { cwd: repo, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ code: error === null ? 0 : error.code, stdout, stderr });
    });
  });
}
