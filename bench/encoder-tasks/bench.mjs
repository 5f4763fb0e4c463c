// One engine, model, dtype and thread count in its own process (so peak RSS is its own):
//   node bench/encoder-tasks/bench.mjs qkv <distilbert-sst2|minilm-l6> <f32|q8> <threads>
//   TJS=/tmp/tjs node bench/encoder-tasks/bench.mjs tjs <distilbert-sst2|minilm-l6> <f32|q8> <threads>
// text-classification over 256 fixed sentences of 8-40 words: load, then the whole list in one
// pipeline call (batched), then the first SINGLE (default 64) sentences one call each. qkv packs a
// batch without padding; transformers.js pads every sentence to the longest of the call.
// tjs is transformers.js installed under $TJS (npm i -E @huggingface/transformers@4.3.1), run on
// onnxruntime-web's wasm backend (its Node default is onnxruntime-node), fp32 = onnx/model.onnx,
// q8 = onnx/model_quantized.onnx. Models: bench/encoder-tasks/make_models.py. Prints one JSON line,
// with each engine's logits on workload.mjs's CHECK_TEXTS, which summarize.mjs compares across engines.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { measureClassify, qkvLogits } from './workload.mjs';
import { importTransformersJs } from '../tjs-runtime.mjs';

const [engine, model, dtype, threadsArg] = process.argv.slice(2);
const threads = Number(threadsArg);
const single = Number(process.env.SINGLE ?? 64);
// qkv-node24: qkv under Node 24 (run.sh starts it with tools/node24), whose V8 runs the relaxed-SIMD build.
if (engine === 'qkv-node24' && Number(process.versions.node.split('.')[0]) < 24) {
  throw new Error(`qkv-node24: run under Node 24 (tools/node24), not ${process.version}`);
}
if (!['qkv', 'qkv-node24', 'tjs'].includes(engine) || !['distilbert-sst2', 'minilm-l6'].includes(model) ||
    !['f32', 'q8'].includes(dtype) || !(threads >= 1)) {
  throw new Error('usage: bench.mjs qkv|qkv-node24|tjs distilbert-sst2|minilm-l6 f32|q8 <threads>');
}
const root = fileURLToPath(new URL('../out/encoder-tasks/', import.meta.url));
// The check compares logits (in id2label order), not the pipelines' scores: transformers.js 4.3.1
// puts a one-logit head (minilm-l6) through softmax, so its score is always 1, where Python's
// pipeline (and qkv) apply a sigmoid.
const labels = Object.values(JSON.parse(readFileSync(`${root}${model}/config.json`, 'utf8')).id2label);

async function loadQkv() {
  const { backendInfo, env, pipeline } = await import('../../dist/index.js');
  env.wasm.numThreads = threads;
  const { flavour } = await backendInfo(); // start the runtime outside the load timing
  const t0 = performance.now();
  const classify = await pipeline('text-classification', root + model, { dtype });
  return {
    classify, loadMs: performance.now() - t0, runtime: `qkv (dist/) ${flavour}, Node ${process.versions.node}`, tokens: (s) => classify.tokenizer.encode(s).length,
    logitsOf: (s) => qkvLogits(classify, labels, s),
  };
}

async function loadTransformersJs() {
  const { tjs, ort, version } = await importTransformersJs(threads);
  tjs.env.localModelPath = root;
  const t0 = performance.now();
  // With a registered runtime transformers.js 4.3.1 lists no devices, so every named device
  // ('wasm' too) is refused; a per-file map to '' selects none and the session options' wasm
  // execution provider is used.
  const classify = await tjs.pipeline('text-classification', model, {
    dtype: dtype === 'f32' ? 'fp32' : 'q8', device: { model: '' }, session_options: { executionProviders: ['wasm'] },
  });
  const session = classify.model.sessions?.model;
  if (!(session instanceof ort.InferenceSession)) throw new Error('tjs: the model session is not onnxruntime-web\'s');
  return {
    classify, loadMs: performance.now() - t0, runtime: `transformers.js ${version}, onnxruntime-web ${ort.env.versions.web} wasm`,
    tokens: (s) => classify.tokenizer.encode(s).length,
    logitsOf: async (s) => Array.from((await classify.model(classify.tokenizer(s))).logits.data),
  };
}

const { classify, loadMs, runtime, tokens, logitsOf } = engine === 'tjs' ? await loadTransformersJs() : await loadQkv();
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const measured = await measureClassify({ classify, logitsOf, tokens, single, cpu });
console.log(JSON.stringify({
  engine, model, dtype, threads, runtime, load_ms: +loadMs.toFixed(0), ...measured,
  peak_rss_mb: +(process.resourceUsage().maxRSS / 1024).toFixed(0),
}));
process.exit(0);
