// qkv's text-classification in a fresh headless Chromium (Debian's, the page cross-origin isolated as
// the tests serve it): workload.mjs's sentences and timing on a model of make_models.py fetched from
// the repository's test server. Prints one JSON line in bench.mjs's format (engine "qkv-chromium";
// no CPU-time rates: the page cannot read them).
//   node bench/encoder-tasks/chromium.mjs <distilbert-sst2|minilm-l6> <f32|q8> <threads>
import { readFileSync } from 'node:fs';

import { inBenchPage } from '../chromium/page.mjs';

const [model, dtype, threadsArg] = process.argv.slice(2);
const threads = Number(threadsArg);
if (!['distilbert-sst2', 'minilm-l6'].includes(model) || !['f32', 'q8'].includes(dtype) || !(threads >= 1)) {
  throw new Error('usage: chromium.mjs distilbert-sst2|minilm-l6 f32|q8 <threads>');
}
const config = JSON.parse(readFileSync(new URL(`../out/encoder-tasks/${model}/config.json`, import.meta.url), 'utf8'));

await inBenchPage('/isolated/bench/relaxed/page.html', async (page, browser) => {
  const args = { model, dtype, threads, single: Number(process.env.SINGLE ?? 64), labels: Object.values(config.id2label) };
  const result = await page.evaluate(async (a) => {
    const { backendInfo, env, pipeline } = await import('/isolated/dist/index.js');
    const { measureClassify, qkvLogits } = await import('/isolated/bench/encoder-tasks/workload.mjs');
    env.wasm.numThreads = a.threads;
    const { flavour } = await backendInfo(); // start the runtime outside the load timing
    const t0 = performance.now();
    const classify = await pipeline('text-classification',
      new URL(`/isolated/bench/out/encoder-tasks/${a.model}/`, location.href).href, { dtype: a.dtype });
    const loadMs = performance.now() - t0;
    const measured = await measureClassify({
      classify, single: a.single, tokens: (s) => classify.tokenizer.encode(s).length,
      logitsOf: (s) => qkvLogits(classify, a.labels, s),
    });
    return { flavour, load_ms: +loadMs.toFixed(0), ...measured };
  }, args);
  const { flavour, ...measured } = result;
  console.log(JSON.stringify({
    engine: 'qkv-chromium', model, dtype, threads, runtime: `qkv (dist/) ${flavour}, chromium-${browser.version()}`,
    ...measured,
  }));
});
