// The npm package as a user gets it: `npm pack`, install the tarball into a
// scratch project, import 'qkv' from there (JS and TypeScript).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { flavourFor } from './flavours.mjs';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const npm = (args, cwd) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });
let scratch;
let files;

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'qkv-pack-'));
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', scratch], repo));
  files = packed.files.map((f) => f.path);
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  npm(['install', '--offline', join(scratch, packed.filename)], scratch);
});

after(() => rmSync(scratch, { recursive: true, force: true }));

test('the tarball holds dist/ (all four flavours, .d.ts) and no sources or tests', () => {
  for (const f of [
    'package.json', 'dist/index.js', 'dist/index.d.ts',
    'dist/wasm/package.json',
    'dist/wasm/qkv-simd.mjs', 'dist/wasm/qkv-simd.wasm',
    'dist/wasm/qkv-simd-threads.mjs', 'dist/wasm/qkv-simd-threads.wasm', 'dist/wasm/qkv-simd-threads.worker.js',
    'dist/wasm/qkv-relaxed.mjs', 'dist/wasm/qkv-relaxed.wasm',
    'dist/wasm/qkv-relaxed-threads.mjs', 'dist/wasm/qkv-relaxed-threads.wasm', 'dist/wasm/qkv-relaxed-threads.worker.js',
    'dist/io/sha256-worker.js', 'dist/wasm/qkv-sha256.mjs',
  ]) {
    assert.ok(files.includes(f), `${f} missing from the tarball`);
  }
  // Besides dist/, only the documents the README links to (no sources, no tests).
  const docs = ['docs/ARCHITECTURE.md', 'docs/TOOLCHAIN.md', 'bench/RESULTS.md', 'examples/models/sotu-llama/README.md'];
  const stray = files.filter((f) => !(f.startsWith('dist/') || ['package.json', 'README.md', 'LICENSE', ...docs].includes(f)));
  assert.deepEqual(stray, []);
});

test('every relative link of the shipped README names a file in the tarball, and every #anchor a heading', () => {
  const readme = readFileSync(join(scratch, 'node_modules', 'qkv', 'README.md'), 'utf8');
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/i.test(l));
  assert.ok(links.length >= 5, links.join(' '));
  // GitHub's heading anchors: lower case, punctuation dropped, spaces to '-'.
  const anchors = new Set([...readme.matchAll(/^#+ (.*)$/gm)]
    .map((m) => m[1].toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')));
  for (const link of links) {
    if (link.startsWith('#')) assert.ok(anchors.has(link.slice(1)), `README links to a missing heading: ${link}`);
    else assert.ok(files.includes(link.split('#')[0]), `README links to ${link}, which the tarball lacks`);
  }
});

test('an installed copy imports and computes in Node, in the flavours this Node.js can run, and exits by itself', () => {
  const script = `
    import { env, softmax, backendInfo } from 'qkv';
    env.wasm.numThreads = Number(process.argv[2]);
    env.wasm.relaxedSimd = JSON.parse(process.argv[3]);
    const y = await softmax([0, Math.log(3)]);
    const { flavour } = await backendInfo();
    console.log(JSON.stringify({ flavour, y: Array.from(y) }));`;
  writeFileSync(join(scratch, 'use.mjs'), script);
  for (const [threads, relaxedSimd] of [[1, false], [2, false], [1, 'auto'], [2, 'auto']]) {
    // The timeout catches a process kept alive by pthread workers.
    const out = execFileSync(process.execPath, ['use.mjs', String(threads), JSON.stringify(relaxedSimd)],
      { cwd: scratch, encoding: 'utf8', timeout: 30_000 });
    const { flavour: got, y } = JSON.parse(out);
    assert.equal(got, flavourFor(threads, relaxedSimd));
    assert.ok(Math.abs(y[0] - 0.25) < 1e-6 && Math.abs(y[1] - 0.75) < 1e-6, String(y));
  }
});

test('its type declarations check a consumer under strict TypeScript', () => {
  writeFileSync(join(scratch, 'use.ts'), `
    import { env, softmax, backendInfo, InvalidArgumentError, type BackendInfo } from 'qkv';
    env.wasm.numThreads = 1;
    const y: Promise<Float32Array> = softmax(new Float32Array([1, 2]), { rows: 1 });
    const info: Promise<BackendInfo> = backendInfo();
    const e: Error = new InvalidArgumentError('x');
    void y; void info; void e;
  `);
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '--strict', '--noEmit', '--target', 'ES2022', '--module', 'NodeNext',
    '--moduleResolution', 'NodeNext', '--types', 'node', '--typeRoots', join(repo, 'node_modules', '@types'), 'use.ts'],
  { cwd: scratch, encoding: 'utf8' });
});

test('the installed `qkv` bin runs from node_modules/.bin: --help, and inspect of a fixture', () => {
  const bin = join(scratch, 'node_modules', '.bin', 'qkv');
  // The bin's `#!/usr/bin/env node` finds this test's Node.js first (Node.js 24's run expects its build).
  const path = `${dirname(process.execPath)}${delimiter}${process.env.PATH}`;
  const run = (args) => execFileSync(bin, args, { cwd: scratch, encoding: 'utf8', timeout: 30_000, env: { ...process.env, PATH: path } });
  assert.match(run(['--help']), /^ {2}generate <model> "<prompt>"/m);
  const facts = JSON.parse(run(['inspect', join(repo, 'tests', 'fixtures', 'gpt2-tiny'), '--json', '--quiet', '--threads', '1']));
  assert.deepEqual([facts.architecture, facts.flavour], ['GPT2LMHeadModel', flavourFor(1)]);
});
