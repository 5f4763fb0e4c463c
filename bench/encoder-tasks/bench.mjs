// One engine, model, dtype and thread count in its own process (so peak RSS is its own):
//   node bench/encoder-tasks/bench.mjs qkv <distilbert-sst2|minilm-l6> <f32|q8> <threads>
//   TJS=/tmp/tjs node bench/encoder-tasks/bench.mjs tjs <distilbert-sst2|minilm-l6> <f32|q8> <threads>
// text-classification over 256 fixed sentences of 8-40 words: load, then the whole list in one
// pipeline call (batched), then the first SINGLE (default 64) sentences one call each. qkv packs a
// batch without padding; transformers.js pads every sentence to the longest of the call.
// tjs is transformers.js installed under $TJS (npm i -E @huggingface/transformers@4.3.1), run on
// onnxruntime-web's wasm backend (its Node default is onnxruntime-node), fp32 = onnx/model.onnx,
// q8 = onnx/model_quantized.onnx. Models: bench/encoder-tasks/make_models.py. Prints one JSON line,
// with each engine's labels and scores on CHECK_TEXTS, which summarize.mjs compares across engines.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [engine, model, dtype, threadsArg] = process.argv.slice(2);
const threads = Number(threadsArg);
const single = Number(process.env.SINGLE ?? 64);
if (!['qkv', 'tjs'].includes(engine) || !['distilbert-sst2', 'minilm-l6'].includes(model) ||
    !['f32', 'q8'].includes(dtype) || !(threads >= 1)) {
  throw new Error('usage: bench.mjs qkv|tjs distilbert-sst2|minilm-l6 f32|q8 <threads>');
}
const root = fileURLToPath(new URL('../out/encoder-tasks/', import.meta.url));

// Real words, so WordPiece splits them as it splits text (few [UNK]s, some subwords).
const WORDS = ('the movie was a surprisingly good story about family and friendship but the ending felt ' +
  'rushed while actors delivered strong performances in every scene I would not recommend this boring ' +
  'film to anyone who enjoys thoughtful cinema music soundtrack beautiful terrible acting plot twist ' +
  'characters dialogue director camera work pacing slow brilliant disappointing hilarious emotional ' +
  'memorable forgettable predictable original script budget effects audience critics season episode').split(' ');
const SENTENCES = Array.from({ length: 256 }, (_, i) =>
  Array.from({ length: 8 + (i * 7) % 33 }, (_, j) => WORDS[(i * 31 + j * 17 + j * j) % WORDS.length]).join(' ') + '.');
const CHECK_TEXTS = [
  'I loved this movie, it was great!',
  'The plot was boring and the acting was bad.',
  'an average film',
  'What a waste of time.',
  ...SENTENCES.slice(0, 4),
];

async function loadQkv() {
  const { backendInfo, env, pipeline } = await import('../../dist/index.js');
  env.wasm.numThreads = threads;
  await backendInfo(); // start the runtime outside the load timing
  const t0 = performance.now();
  const classify = await pipeline('text-classification', root + model, { dtype });
  return {
    classify, loadMs: performance.now() - t0, runtime: 'qkv (dist/)', tokens: (s) => classify.tokenizer.encode(s).length,
    logitsOf: async (s) => {
      const all = await classify(s, { top_k: null, function_to_apply: 'none' });
      return labels.map((l) => all.find((r) => r.label === l).score);
    },
  };
}

async function loadTransformersJs() {
  if (!process.env.TJS) throw new Error('tjs: set TJS to the folder where @huggingface/transformers@4.3.1 is installed');
  const req = createRequire(`${process.env.TJS}/package.json`);
  const entry = req.resolve('@huggingface/transformers'); // dist/transformers.node.cjs
  const version = JSON.parse(readFileSync(entry.replace(/dist\/[^/]*$/, 'package.json'), 'utf8')).version;
  if (version !== '4.3.1') throw new Error(`tjs: $TJS has @huggingface/transformers ${version}, not 4.3.1`);
  // transformers.js's Node build picks onnxruntime-node; a runtime registered under this symbol
  // replaces it. onnxruntime-web's Node entry runs the same wasm as in a browser, from its own dist/
  // (else transformers.js points wasmPaths at a CDN).
  const ortEntry = req.resolve('onnxruntime-web');
  const ort = await import(ortEntry);
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.wasmPaths = ortEntry.replace(/[^/]*$/, '');
  globalThis[Symbol.for('onnxruntime')] = ort;
  const tjs = await import(entry);
  tjs.env.localModelPath = root;
  tjs.env.allowRemoteModels = false;
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

const { classify, loadMs, runtime, tokens, logitsOf } = engine === 'qkv' ? await loadQkv() : await loadTransformersJs();
const lengths = SENTENCES.map(tokens);
// The check compares logits (in id2label order), not the pipelines' scores: transformers.js 4.3.1
// puts a one-logit head (minilm-l6) through softmax, so its score is always 1, where Python's
// pipeline (and qkv) apply a sigmoid.
const labels = Object.values(JSON.parse(readFileSync(`${root}${model}/config.json`, 'utf8')).id2label);
const check = [];
for (const text of CHECK_TEXTS) check.push((await logitsOf(text)).map((x) => +x.toFixed(5)));
await classify(SENTENCES.slice(0, 4)); // warm up a batched call too

const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
let start = performance.now();
let cpu0 = cpu();
const batched = await classify(SENTENCES);
const batchedS = (performance.now() - start) / 1000;
const batchedCpuS = cpu() - cpu0;
if (batched.length !== SENTENCES.length) throw new Error(`batched call returned ${batched.length} results`);
start = performance.now();
cpu0 = cpu();
for (const s of SENTENCES.slice(0, single)) await classify(s);
const singleS = (performance.now() - start) / 1000;
const singleCpuS = cpu() - cpu0;

console.log(JSON.stringify({
  engine, model, dtype, threads, runtime, load_ms: +loadMs.toFixed(0),
  mean_tokens: +(lengths.reduce((a, b) => a + b, 0) / lengths.length).toFixed(1), max_tokens: Math.max(...lengths),
  batched_sentences_s: +(SENTENCES.length / batchedS).toFixed(1),
  single_sentences_s: +(single / singleS).toFixed(1),
  // Per CPU-second: on a shared machine wall time also measures the other processes.
  batched_cpu_sentences_s: +(SENTENCES.length / batchedCpuS).toFixed(1),
  single_cpu_sentences_s: +(single / singleCpuS).toFixed(1),
  peak_rss_mb: +(process.resourceUsage().maxRSS / 1024).toFixed(0),
  check,
}));
process.exit(0);
