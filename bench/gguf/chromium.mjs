// One runtime on one GGUF file in a fresh headless Chromium (Debian's, the
// page cross-origin isolated as the tests serve it), the file fetched from the
// repository's test server: qkv (dist/, relaxed-SIMD or SIMD128 build) or
// wllama (npm @wllama/wllama). Peak memory is the renderer process's peak
// resident set (VmHWM; the page's workers run in it) less its resident set
// before the runtime starts. Prints one JSON line.
//   node bench/gguf/chromium.mjs <file.gguf under bench/out/gguf> <qkv-relaxed|qkv-simd|wllama> [threads]
import { readFileSync, readdirSync, statSync, symlinkSync, lstatSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchChromium } from '../../tests/browser/chromium.mjs';
import { startServer } from '../../tests/browser/server.mjs';
import { describeFile } from './measure.mjs';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const [fileArg, engine, threadsArg = '1'] = process.argv.slice(2);
if (!fileArg || !['qkv-relaxed', 'qkv-simd', 'wllama'].includes(engine)) {
  throw new Error('usage: chromium.mjs <file.gguf> <qkv-relaxed|qkv-simd|wllama> [threads]');
}
const file = resolve(fileArg);
if (!file.startsWith(root)) throw new Error(`${file}: the test server serves the repository only (use bench/out/gguf)`);
const threads = Number(threadsArg);

// wllama's package served under bench/out (ignored) through a link: from the repository's node_modules,
// or WLLAMA_DIR (a scratch install) before it is there.
function linkWllama() {
  const dir = process.env.WLLAMA_DIR ??
    dirname(createRequire(join(root, 'package.json')).resolve('@wllama/wllama/package.json'));
  const link = join(root, 'bench', 'out', 'wllama');
  try {
    if (lstatSync(link).isSymbolicLink()) unlinkSync(link);
  } catch {
    // no link yet
  }
  symlinkSync(resolve(dir), link);
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
}

// The renderer processes of this browser: descendants of this process whose command line says so.
function rendererStatus() {
  const parent = new Map();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(pid, stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      // exited
    }
  }
  const mine = (pid) => {
    for (let p = pid; p && p !== '1' && p !== '0'; p = parent.get(p)) if (p === String(process.pid)) return true;
    return false;
  };
  const out = [];
  for (const pid of parent.keys()) {
    try {
      if (!mine(pid) || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      out.push({ pid, rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 });
    } catch {
      // exited
    }
  }
  return out;
}

const wllamaVersion = engine === 'wllama' ? linkWllama() : undefined;
const server = await startServer();
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const verbose = process.env.BENCH_VERBOSE === '1';
  // The page has no favicon: that 404 is not an error here.
  page.on('console', (m) => (verbose || (m.type() === 'error' && !/status of 404/.test(m.text()))) &&
    console.error(`page: ${m.text()}`));
  await page.goto(`${server.url}/isolated/bench/relaxed/page.html`);
  const before = new Map(rendererStatus().map((r) => [r.pid, r.rss]));
  const args = { url: `/isolated/${relative(root, file)}`, threads, relaxed: engine === 'qkv-relaxed', verbose };
  const result = engine === 'wllama'
    ? await page.evaluate(async (a) => {
      const { measureWllama } = await import('/isolated/bench/gguf/measure.mjs');
      const wllama = await import('/isolated/bench/out/wllama/esm/index.js');
      return measureWllama(wllama, { ...a, url: new URL(a.url, location.href).href,
        wasmUrl: new URL('/isolated/bench/out/wllama/esm/wasm/wllama.wasm', location.href).href });
    }, args)
    : await page.evaluate(async (a) => {
      const qkv = await import('/isolated/dist/index.js');
      const { measureQkv } = await import('/isolated/bench/gguf/measure.mjs');
      return measureQkv(qkv, { ...a, url: new URL(a.url, location.href).href });
    }, args);
  // The page's renderer: the one that grew the most.
  const peak = Math.max(...rendererStatus().map((r) => r.hwm - (before.get(r.pid) ?? 0)));
  console.log(JSON.stringify({
    ...describeFile(file.split('/').pop(), statSync(file).size), ...result,
    ...(wllamaVersion ? { engine: `wllama-${wllamaVersion}` } : {}), browser: `chromium-${browser.version()}`,
    peak_mb: +(peak / 2 ** 20).toFixed(1),
  }));
} finally {
  await browser.close();
  await server.close();
}
