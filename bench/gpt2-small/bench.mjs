// One engine, one configuration, in its own process (so peak RSS is its own):
// load a GPT-2-small-shaped model (bench/gpt2-small/make_model.py), prefill 128
// tokens, then decode 128 more greedily with the KV cache. Prints one JSON line.
//   node bench/gpt2-small/bench.mjs qkv  <threads> <f32|f16|q8> [model dir]
//   node bench/gpt2-small/bench.mjs ort  <threads> <f32|int8>  [model dir]
// ORT is onnxruntime-web (wasm execution provider) on model.onnx, the same
// weights exported from PyTorch with past keys/values, or on model_int8.onnx
// (make_int8.py: transformers.js's default int8 model, dynamic quantization
// with MatMulInteger, same inputs and outputs); its prefill computes logits
// for all 128 positions (the exported graph has no "last only" output), qkv's
// for the last one, as each engine does when generating.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [engine, threadsArg, dtype = 'f32', dirArg] = process.argv.slice(2);
const threads = Number(threadsArg);
const dir = dirArg ?? fileURLToPath(new URL('../out/gpt2-small/', import.meta.url));
const PROMPT = 128;
const DECODE = 128;
const ORT_MODELS = { f32: 'model.onnx', int8: 'model_int8.onnx' };
if (!['qkv', 'ort'].includes(engine) || !(threads >= 1) || (engine === 'ort' && !(dtype in ORT_MODELS))) {
  throw new Error('usage: bench.mjs qkv <threads> [f32|f16|q8] [model dir] | ort <threads> [f32|int8] [model dir]');
}
const modelFile = engine === 'ort' ? ORT_MODELS[dtype] : 'model.safetensors';

// Fixed prompt ids, the same for both engines.
const prompt = Array.from({ length: PROMPT }, (_, i) => (i * 7919 + 13) % 50000);

function argmax(a, from = 0, n = a.length) {
  let best = from;
  for (let i = from; i < from + n; i++) if (a[i] > a[best]) best = i;
  return best - from;
}

async function benchQkv() {
  const { loadModel, env, backendInfo } = await import('../../dist/index.js');
  env.wasm.numThreads = threads;
  await backendInfo(); // start the runtime outside the load timing
  const t0 = performance.now();
  const model = await loadModel(dir, { dtype });
  const loadMs = performance.now() - t0;
  let first = 0;
  let last = 0;
  let count = 0;
  const start = performance.now();
  for await (const _ of model.generate(prompt, { max_new_tokens: DECODE + 1, eos_token_id: [] })) {
    count++;
    if (count === 1) first = performance.now();
    last = performance.now();
  }
  if (count !== DECODE + 1) throw new Error(`generated ${count} tokens`);
  return { loadMs, prefillMs: first - start, decodeTokPerS: DECODE / ((last - first) / 1000) };
}

async function benchOrt() {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(`${dir}/${modelFile}`, { executionProviders: ['wasm'] });
  const loadMs = performance.now() - t0;
  const empty = new ort.Tensor('float32', new Float32Array(0), [12, 12, 0, 64]);
  const ids = (list) => new ort.Tensor('int64', BigInt64Array.from(list.map(BigInt)), [1, list.length]);
  let start = performance.now();
  let out = await session.run({ input_ids: ids(prompt), past_k: empty, past_v: empty });
  const prefillMs = performance.now() - start;
  const vocab = out.logits.dims[2];
  let token = argmax(out.logits.data, (PROMPT - 1) * vocab, vocab);
  start = performance.now();
  for (let i = 0; i < DECODE; i++) {
    const next = await session.run({ input_ids: ids([token]), past_k: out.present_k, past_v: out.present_v });
    token = argmax(next.logits.data, 0, vocab);
    out = next;
  }
  const decodeTokPerS = DECODE / ((performance.now() - start) / 1000);
  return { loadMs, prefillMs, decodeTokPerS };
}

const result = engine === 'qkv' ? await benchQkv() : await benchOrt();
const ortName = dtype === 'f32' ? 'onnxruntime-web-1.30' : `onnxruntime-web-1.30-${dtype}`;
const modelBytes = statSync(`${dir}/${modelFile}`).size;
const peakRssMb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({
  name: 'gpt2-small', engine: engine === 'qkv' ? `qkv-${dtype}` : ortName, threads,
  prompt: PROMPT, decode: DECODE, load_ms: +result.loadMs.toFixed(1), prefill_ms: +result.prefillMs.toFixed(1),
  decode_tok_s: +result.decodeTokPerS.toFixed(2), peak_rss_mb: +peakRssMb.toFixed(0), model_mb: +(modelBytes / 2 ** 20).toFixed(0),
}));
process.exit(0);
