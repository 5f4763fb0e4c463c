// The kernel benchmarks in Chromium, the browser users run: qkv's gemm_bench
// (the same Emscripten program bench/run.sh runs under Node: SIMD128 and
// relaxed-SIMD builds, one thread and pthreads) and XNNPACK through
// tfjs-backend-wasm's matMul, each configuration in a fresh page of Debian's
// headless Chromium. Prints the programs' JSON lines tagged with
// "platform": "chromium" (SIMD128 and tfjs) or "chromium-relaxed".
//   node bench/chromium/kernels.mjs [qkv|tfjs|all] [threads...]
// The bench builds must exist (bench/run.sh configures and builds them).
import { existsSync } from 'node:fs';

import { launchChromium } from '../../tests/browser/chromium.mjs';
import { startServer } from '../../tests/browser/server.mjs';

const [what = 'all', ...threadArgs] = process.argv.slice(2);
const threadCounts = threadArgs.length ? threadArgs.map(Number) : [1, 2];
if (!['qkv', 'tfjs', 'all'].includes(what) || threadCounts.some((t) => !(t >= 1))) {
  throw new Error('usage: kernels.mjs [qkv|tfjs|all] [threads...]');
}

// Every page is cross-origin isolated: threads need it, and without it Chromium coarsens
// performance.now() to 100 µs, too coarse for the GEMV timings (it is 5 µs isolated).
const pagePath = '/isolated/bench/chromium/kernels.html';

/** Runs one Emscripten program with `args` in the page; resolves to its stdout lines. */
function runProgram({ script, args }) {
  return new Promise((resolve, reject) => {
    const lines = [];
    const finish = (code) => (code === 0 ? resolve(lines) : reject(new Error(`${script} exited with ${code}`)));
    window.Module = {
      arguments: args,
      print: (line) => lines.push(line),
      printErr: (line) => console.log(line),
      onAbort: (what) => reject(new Error(`${script} aborted: ${what}`)),
      // EXIT_RUNTIME builds end through quit_ (which would throw ExitStatus in a page).
      quit: (code) => finish(code),
    };
    const tag = document.createElement('script');
    tag.src = script;
    tag.onerror = () => reject(new Error(`cannot load ${script}`));
    document.head.append(tag);
  });
}

/** tfjs-backend-wasm's matMul on the shapes of tfjs-matmul-shapes.mjs; resolves to JSON lines. */
async function runTfjs(threads) {
  const load = (src) => new Promise((resolve, reject) => {
    const tag = document.createElement('script');
    Object.assign(tag, { src, onload: resolve, onerror: () => reject(new Error(`cannot load ${src}`)) });
    document.head.append(tag);
  });
  const dist = (pkg) => `${location.pathname.replace(/\/bench\/.*$/, '')}/node_modules/@tensorflow/${pkg}/dist/`;
  await load(`${dist('tfjs-core')}tf-core.min.js`);
  await load(`${dist('tfjs-backend-wasm')}tf-backend-wasm.min.js`);
  const { tf } = window;
  tf.wasm.setWasmPaths(dist('tfjs-backend-wasm'));
  // One thread: tfjs's SIMD build, which it picks in pages that are not isolated (and in Node).
  if (threads === 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  tf.wasm.setThreadsCount(threads);
  await tf.setBackend('wasm');
  await tf.ready();
  const running = tf.wasm.getThreadsCount();
  if (running !== threads) throw new Error(`asked tfjs for ${threads} XNNPACK threads, it runs ${running}`);
  const { benchShape, SHAPES } = await import(`${location.pathname.replace(/kernels\.html$/, '')}../js/tfjs-matmul-shapes.mjs`);
  const lines = [];
  for (const shape of SHAPES) benchShape(tf, shape, threads, (line) => lines.push(line.trim()));
  return lines;
}

// gemm_bench's own list holds the GPT-2 (and LLaMA-125M: the same 768/3072) shapes; Qwen3-0.6B's
// layer shapes run one per program start, as gemm_bench takes a shape outside its list.
const QWEN3_SHAPES = ['1x1024x3072', '1x3072x1024', '128x1024x3072', '128x3072x1024'];

function qkvBuilds(threads) {
  const suffix = threads > 1 ? '-threads' : '';
  return [['chromium', `build/bench-wasm${suffix}`], ['chromium-relaxed', `build/bench-wasm-relaxed${suffix}`]];
}

const server = await startServer();
const browser = await launchChromium();
const version = browser.version();
try {
  const inPage = async (threads, fn, arg) => {
    const page = await browser.newPage();
    // tfjs caps XNNPACK's pool at half of navigator.hardwareConcurrency (it assumes two hyperthreads
    // per core): report twice the threads asked for, as bench/js/tfjs-wasm-backend.mjs does in Node.
    await page.addInitScript((n) => Object.defineProperty(navigator, 'hardwareConcurrency', { get: () => n }),
      2 * threads);
    page.on('console', (m) => process.stderr.write(`page: ${m.text()}\n`));
    try {
      await page.goto(`${server.url}${pagePath}`);
      return await page.evaluate(fn, arg);
    } finally {
      await page.close();
    }
  };
  for (const threads of threadCounts) {
    if (what !== 'tfjs') {
      for (const [platform, dir] of qkvBuilds(threads)) {
        if (!existsSync(`${dir}/bench/gemm_bench.js`)) throw new Error(`${dir}/bench/gemm_bench.js is missing: run bench/run.sh`);
        process.stderr.write(`bench: chromium ${version}, qkv ${dir}, ${threads} thread(s)\n`);
        const script = `../../${dir}/bench/gemm_bench.js`;
        for (const shape of [undefined, ...QWEN3_SHAPES]) {
          const args = shape === undefined ? [String(threads)] : [String(threads), shape];
          const lines = await inPage(threads, runProgram, { script, args });
          for (const line of lines.filter((l) => l.startsWith('{'))) {
            console.log(line.replace(/^\{/, `{"platform":"${platform}","browser":"chromium-${version}",`));
          }
        }
      }
    }
    if (what !== 'qkv') {
      process.stderr.write(`bench: chromium ${version}, tfjs-wasm matMul, ${threads} thread(s)\n`);
      const lines = await inPage(threads, runTfjs, threads);
      for (const line of lines) console.log(line.replace(/^\{/, `{"platform":"chromium","browser":"chromium-${version}",`));
    }
  }
} finally {
  await browser.close();
  await server.close();
}
