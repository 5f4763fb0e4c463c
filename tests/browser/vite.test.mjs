// qkv bundled by Vite with no configuration: qkv is packed (npm pack) and
// installed into a copy of the tiny app in tests/vite, which does
// `import { loadModel } from 'qkv'`. `vite build` bundles it, the output is
// served (isolated and not) and Chromium loads gpt2-tiny and generates, on
// the relaxed-SIMD builds (Chromium runs them) and, with ?relaxedSimd=false,
// on the SIMD128 ones; the same app also runs under `vite dev`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { build, createServer } from 'vite';

import { useServerAndBrowser } from './demo-page.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const appSrc = fileURLToPath(new URL('../vite/', import.meta.url));
const project = fileURLToPath(new URL('./artifacts/vite-project/', import.meta.url));
const outDir = fileURLToPath(new URL('./artifacts/vite-app/', import.meta.url));
const appPath = 'tests/browser/artifacts/vite-app/index.html';
const runtimeFiles = ['qkv-simd', 'qkv-relaxed'].flatMap((stem) => [
  `${stem}.mjs`, `${stem}.wasm`, `${stem}-threads.mjs`, `${stem}-threads.wasm`, `${stem}-threads.worker.js`,
]);
/** Requests for qkv's runtime files (either instruction set). */
const isRuntime = (path) => /qkv-(simd|relaxed)/.test(path);
/** [isolation, flavour, query] of the runs below: 'auto' (relaxed in Chromium) and relaxedSimd false (SIMD128). */
const runs = [
  ['isolated', 'qkv-relaxed-threads', ''], ['plain', 'qkv-relaxed', ''],
  ['isolated', 'qkv-simd-threads', 'relaxedSimd=false'], ['plain', 'qkv-simd', 'relaxedSimd=false'],
];
const isolationHeaders = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** The app as a user has it: its own package.json and qkv in node_modules, from the packed tarball. */
function installApp() {
  rmSync(project, { recursive: true, force: true });
  mkdirSync(join(project, 'node_modules/qkv'), { recursive: true });
  for (const name of ['index.html', 'main.js', 'vite.config.mjs']) cpSync(join(appSrc, name), join(project, name));
  // Without its own package.json the app would sit in the repository's package scope, and
  // 'qkv' would resolve to the repository itself (a package self-reference).
  // The dev server's public folder: the fixtures, where main.js looks from /index.html.
  mkdirSync(join(project, 'dev-public'));
  symlinkSync(fileURLToPath(new URL('../fixtures', import.meta.url)), join(project, 'dev-public/fixtures'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'qkv-vite-app', private: true, type: 'module' }));
  const packDir = mkdtempSync(join(tmpdir(), 'qkv-pack-'));
  try {
    const [{ filename }] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], { cwd: repo, encoding: 'utf8' }),
    );
    execFileSync('tar', ['-xzf', join(packDir, filename), '-C', join(project, 'node_modules/qkv'), '--strip-components=1']);
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
}

const env = useServerAndBrowser({
  first: async () => {
    installApp();
    await build({ root: project, configFile: join(project, 'vite.config.mjs'), logLevel: 'error', build: { outDir } });
  },
});

/** Opens the app at `url`; resolves to its result, console errors and requested paths (workers' included). */
async function runApp(url) {
  const page = await env.browser.newPage();
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 30_000 });
    return { result: await page.evaluate(() => window.__result), errors, requests };
  } finally {
    await page.close();
  }
}

function assertGenerated({ result, errors }, flavour) {
  assert.equal(result.failed, undefined, result.failed);
  assert.equal(result.flavour, flavour);
  assert.equal(result.tokens.length, 8);
  assert.ok(result.text.length > 0);
  assert.deepEqual(errors, []);
}

test('vite build emits every runtime file as a file of its own (none inlined, none copied by hand)', () => {
  const assets = readdirSync(join(outDir, 'assets'));
  for (const name of runtimeFiles) {
    const original = readFileSync(join(repo, 'dist/wasm', name));
    const ext = name.slice(name.lastIndexOf('.'));
    const copies = assets.filter((f) => f.endsWith(ext) && original.equals(readFileSync(join(outDir, 'assets', f))));
    assert.equal(copies.length, 1, `${name} emitted once, as a file: ${copies}`);
  }
  // No data: URL stands in for any of them (Vite inlines files under 4 KB, like the worker).
  for (const js of assets.filter((f) => f.startsWith('index-') && f.endsWith('.js'))) {
    assert.doesNotMatch(readFileSync(join(outDir, 'assets', js), 'utf8'), /data:(text|application)\/(javascript|wasm)/, js);
  }
  assert.deepEqual(readdirSync(outDir).sort(), ['assets', 'index.html']);
});

for (const [isolation, flavour, query] of runs) {
  test(`the bundled app generates with gpt2-tiny, ${isolation} (${flavour}), no configuration${query && `, ?${query}`}`, async () => {
    const run = await runApp(`${env.server.url}/${isolation}/${appPath}${query && `?${query}`}`);
    assertGenerated(run, flavour);
    const runtime = run.requests.filter(isRuntime);
    // The glue, its .wasm and (threads) the pool worker, all from the bundle's assets/; no other flavour's.
    const expected = flavour.endsWith('-threads') ? [`${flavour}-`, `${flavour}.worker-`] : [`${flavour}-`];
    for (const stem of expected) assert.ok(runtime.some((p) => p.includes(`/vite-app/assets/${stem}`)), `${stem} in ${runtime}`);
    assert.ok(runtime.some((p) => p.endsWith('.wasm')), `a .wasm in ${runtime}`);
    assert.deepEqual(runtime.filter((p) => !p.includes(`/vite-app/assets/${flavour}`)), []);
    if (!flavour.endsWith('-threads')) assert.deepEqual(runtime.filter((p) => p.includes('-threads')), []);
    assert.deepEqual(runtime.filter((p) => !p.includes('/vite-app/assets/')), []);
    // qkv's JS came from the bundle, not from the repository's dist/.
    assert.deepEqual(run.requests.filter((p) => p.includes('/dist/')), []);
  });
}

for (const [isolation, flavour, query] of runs) {
  test(`the bundled app generates in qkv's own worker (WorkerEngine.create()), ${isolation} (${flavour})${query && `, ?${query}`}`, async () => {
    const run = await runApp(`${env.server.url}/${isolation}/${appPath}?worker${query && `&${query}`}`);
    assertGenerated(run, flavour);
    assert.equal(run.result.worker, true);
    // The worker script and the runtime it loads, all from the bundle's assets/.
    assert.ok(run.requests.some((p) => /\/vite-app\/assets\/qkv-worker-[\w-]+\.js$/.test(p)), String(run.requests));
    assert.ok(run.requests.some((p) => p.includes(`/vite-app/assets/${flavour}-`) && p.endsWith('.wasm')), String(run.requests));
    assert.deepEqual(run.requests.filter((p) => isRuntime(p) && !p.includes('/vite-app/assets/')), []);
    assert.deepEqual(run.requests.filter((p) => p.includes('/dist/')), []);
  });
}

/** node:crypto's digest of the bytes the app hashes with ?sha256 (tests/vite/main.js). */
function appSha256() {
  const bytes = new Uint8Array((9 << 20) + 5);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.imul(i, 0x9e3779b1) >>> 24;
  return createHash('sha256').update(bytes).digest('hex');
}

function assertHashed({ result, errors, requests }, workerPath) {
  assert.equal(result.failed, undefined, result.failed);
  assert.equal(result.sha256, appSha256());
  assert.equal(result.inBackground, true);
  assert.ok(requests.some((p) => workerPath.test(p)), String(requests));
  // The hashing worker's wasm is embedded: no .wasm fetched, not qkv's runtime either.
  assert.deepEqual(requests.filter((p) => p.endsWith('.wasm') || isRuntime(p)), []);
  assert.deepEqual(errors, []);
}

for (const isolation of ['isolated', 'plain']) {
  test(`the bundled app hashes in qkv's SHA-256 worker on its embedded wasm, ${isolation}`, async () => {
    const run = await runApp(`${env.server.url}/${isolation}/${appPath}?sha256`);
    assertHashed(run, /\/vite-app\/assets\/sha256-worker-[\w-]+\.js$/);
    assert.deepEqual(run.requests.filter((p) => p.includes('/dist/')), []);
  });
}

test('the bundled app generates from a copy of the runtime named by env.wasm.wasmPaths, isolated', async () => {
  mkdirSync(join(outDir, 'qkv-wasm'), { recursive: true });
  for (const name of runtimeFiles) cpSync(join(repo, 'dist/wasm', name), join(outDir, 'qkv-wasm', name));
  try {
    const run = await runApp(`${env.server.url}/isolated/${appPath}?wasmPaths=./qkv-wasm/`);
    assertGenerated(run, 'qkv-relaxed-threads');
    const runtime = run.requests.filter(isRuntime);
    for (const name of ['qkv-relaxed-threads.mjs', 'qkv-relaxed-threads.wasm', 'qkv-relaxed-threads.worker.js']) {
      assert.ok(runtime.includes(`/isolated/tests/browser/artifacts/vite-app/qkv-wasm/${name}`), `${name} in ${runtime}`);
    }
    assert.deepEqual(runtime.filter((p) => !p.includes('/qkv-wasm/')), []);
  } finally {
    rmSync(join(outDir, 'qkv-wasm'), { recursive: true, force: true });
  }
});

for (const [isolation, flavour] of [['isolated', 'qkv-relaxed-threads'], ['plain', 'qkv-relaxed']]) {
  test(`the app runs under vite dev (qkv pre-bundled), ${isolation} (${flavour}), on the page and in a worker, no configuration`, async () => {
    const dev = await createServer({
      root: project,
      configFile: join(project, 'vite.config.mjs'),
      logLevel: 'error',
      // Test plumbing, not qkv configuration: the fixtures at /fixtures/, and COOP/COEP for isolation.
      publicDir: join(project, 'dev-public'),
      server: { host: '127.0.0.1', port: 0, headers: isolation === 'isolated' ? isolationHeaders : {} },
    });
    await dev.listen();
    try {
      const run = await runApp(`${dev.resolvedUrls.local[0]}index.html`);
      assertGenerated(run, flavour);
      // qkv itself came pre-bundled into node_modules/.vite/deps, the runtime from node_modules/qkv.
      assert.ok(run.requests.some((p) => p.startsWith('/node_modules/.vite/deps/qkv.js')), String(run.requests));
      const runtime = run.requests.filter(isRuntime);
      assert.ok(runtime.includes(`/node_modules/qkv/dist/wasm/${flavour}.wasm`), String(runtime));
      // And in qkv's own worker, which the dev server serves as a worker module.
      const inWorker = await runApp(`${dev.resolvedUrls.local[0]}index.html?worker`);
      assertGenerated(inWorker, flavour);
      assert.equal(inWorker.result.worker, true);
      // And the SHA-256 worker, served as a worker module too.
      assertHashed(await runApp(`${dev.resolvedUrls.local[0]}index.html?sha256`), /\/sha256-worker\.js$/);
    } finally {
      await dev.close();
    }
  });
}
