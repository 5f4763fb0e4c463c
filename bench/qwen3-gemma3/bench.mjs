// qkv vs onnxruntime-web on Qwen3-0.6B and Gemma-3-270M shaped random-weight
// models (bench/qwen3-gemma3/make_models.py). Each measurement runs in its own
// process, so peak RSS is one engine's own. Prints one JSON line.
//   node bench/qwen3-gemma3/bench.mjs check <model>
//     both engines in this process: the ONNX export's last-position logits for a
//     short prompt, and for one decode step through its past keys/values, equal
//     qkv's f32 logits, and for Gemma at 712 tokens, past the sliding window
//     (exits 1 otherwise, so a wrong export is caught)
//   node bench/qwen3-gemma3/bench.mjs qkv <model> <threads> <f32|q8>
//   node bench/qwen3-gemma3/bench.mjs ort <model> <threads>
//     load, prefill a fixed 128-token prompt, decode 64 tokens greedily
//   node bench/qwen3-gemma3/bench.mjs long <model> <threads>
//     qkv f32 at 4096 positions: prefill 4032 tokens, decode 64
// <model>: qwen3-0.6b, gemma3-270m or gemma3-270m-global (a folder of bench/out).
// ORT is onnxruntime-web 1.30 (wasm execution provider); its graph computes the
// logits of the last position only, as qkv does when generating.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [mode, name, threadsArg = '1', dtype = 'f32'] = process.argv.slice(2);
const threads = Number(threadsArg);
if (!['check', 'qkv', 'ort', 'long'].includes(mode) || !name || !(threads >= 1)) {
  throw new Error('usage: bench.mjs check|qkv|ort|long <model> [threads] [f32|q8]');
}
const dir = fileURLToPath(new URL(`../out/${name}/`, import.meta.url));
const config = JSON.parse(readFileSync(`${dir}config.json`, 'utf8'));
const PROMPT = 128;
const DECODE = 64;
// Fixed prompt ids, the same for both engines (BOS first).
const promptOf = (n) => [config.bos_token_id, ...Array.from({ length: n - 1 }, (_, i) => 3 + ((i * 7919 + 13) % 150000))];

// CPU time of the process, every thread (the machine is shared: with one
// thread, CPU time is what the wall time would be without the other load).
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function argmax(a) {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

async function qkvModel(opts) {
  const { loadModel, env, backendInfo } = await import('../../dist/index.js');
  env.wasm.numThreads = threads;
  const backend = await backendInfo(); // start the runtime outside the load timing
  const t0 = performance.now();
  const model = await loadModel(dir, opts);
  return { model, loadMs: performance.now() - t0, flavour: backend.flavour };
}

async function ortSession() {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  const list = `${dir}external-data.json`;
  const names = existsSync(list) ? JSON.parse(readFileSync(list, 'utf8')) : [];
  // Past 2 GB the weights are files beside model.onnx, handed over by name.
  const externalData = names.map((path) => ({ path, data: `${dir}${path}` }));
  const t0 = performance.now();
  // Qwen3-0.6B's 2.4 GB of f32 weights: with ORT's defaults, InferenceSession.create
  // fails with std::bad_alloc (wasm32's 4 GB heap: the weights, and their prepacked
  // copies for MatMul/Gemm); without prepacking it loads.
  // ORT_NO_PREPACK=1 does the same for a model that fits (what it costs ORT).
  const noPrepack = names.length > 0 || process.env.ORT_NO_PREPACK === '1';
  const extra = noPrepack ? { session: { disable_prepacking: '1' } } : undefined;
  const session = await ort.InferenceSession.create(`${dir}model.onnx`, { executionProviders: ['wasm'], externalData, extra });
  const loadMs = performance.now() - t0;
  const { num_hidden_layers: layers, num_key_value_heads: kv, head_dim: hd } = config;
  const ids = (list) => new ort.Tensor('int64', BigInt64Array.from(list.map(BigInt)), [1, list.length]);
  const empty = () => {
    const feeds = {};
    for (let i = 0; i < layers; i++) {
      for (const k of ['key', 'value']) feeds[`past_key_values.${i}.${k}`] = new ort.Tensor('float32', new Float32Array(0), [kv, 0, hd]);
    }
    return feeds;
  };
  // One forward: logits of the last position, and the feeds of the next step.
  const run = async (tokens, past = empty()) => {
    const out = await session.run({ input_ids: ids(tokens), ...past });
    const next = {};
    for (let i = 0; i < layers; i++) {
      for (const k of ['key', 'value']) next[`past_key_values.${i}.${k}`] = out[`present.${i}.${k}`];
    }
    return { logits: out.logits.data, past: next };
  };
  return { run, loadMs, noPrepack };
}

function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`logits of ${a.length} and ${b.length} values`);
  let m = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { maxAbs: m, maxLogit: scale };
}

async function check() {
  const prompt = promptOf(8);
  const { model } = await qkvModel({ dtype: 'f32' });
  const ort = await ortSession();
  const vocab = config.vocab_size;
  const rows = [];
  const first = await ort.run(prompt);
  const q1 = (await model.forward(prompt)).logits.subarray((prompt.length - 1) * vocab);
  rows.push(maxAbsDiff(first.logits, q1));
  const token = argmax(first.logits);
  const second = await ort.run([token], first.past);
  const ids2 = [...prompt, token];
  const q2 = (await model.forward(ids2)).logits.subarray((ids2.length - 1) * vocab);
  rows.push(maxAbsDiff(second.logits, q2));
  let windowEffect;
  if (config.layer_types?.includes('sliding_attention')) {
    // Past the window (512): the sliding layers' mask shows. How far the logits
    // move when every layer is global (qkv on gemma3-270m-global, the same
    // weights) says how much the check can see.
    const long = promptOf(config.sliding_window + 200);
    const lastRow = async (m) => (await m.forward(long)).logits.slice((long.length - 1) * vocab);
    const q3 = await lastRow(model);
    const o3 = await ort.run(long);
    rows.push(maxAbsDiff(o3.logits, q3));
    model.dispose();
    const { loadModel } = await import('../../dist/index.js');
    const global = await loadModel(fileURLToPath(new URL(`../out/${name}-global/`, import.meta.url)));
    windowEffect = maxAbsDiff(await lastRow(global), q3).maxAbs;
    global.dispose();
  }
  const maxAbs = Math.max(...rows.map((r) => r.maxAbs));
  const maxLogit = Math.max(...rows.map((r) => r.maxLogit));
  const sameTop = argmax(first.logits) === argmax(q1) && argmax(second.logits) === argmax(q2);
  const seen = windowEffect === undefined || windowEffect > 10 * maxAbs;
  // f32 on both sides, different summation orders: a wrong export (a norm, a
  // RoPE base, a mask) moves logits by far more than 1e-3 of their range.
  const ok = sameTop && seen && maxAbs <= 1e-3 * Math.max(1, maxLogit);
  return {
    check: ok ? 'ok' : 'MISMATCH', rows: rows.length, max_abs_diff: +maxAbs.toExponential(2), max_logit: +maxLogit.toFixed(3),
    same_top: sameTop, ...(windowEffect !== undefined ? { window_effect: +windowEffect.toExponential(2) } : {}),
  };
}

async function benchQkv(prompt, decode, opts) {
  const { model, loadMs, flavour } = await qkvModel(opts);
  let count = 0;
  let first = 0;
  let last = 0;
  let cpuFirst = 0;
  const cpuStart = cpuMs();
  const start = performance.now();
  for await (const _ of model.generate(prompt, { max_new_tokens: decode + 1, eos_token_id: [] })) {
    if (++count === 1) {
      first = performance.now();
      cpuFirst = cpuMs();
    }
    last = performance.now();
  }
  const cpuLast = cpuMs();
  if (count !== decode + 1) throw new Error(`generated ${count} tokens`);
  return {
    engine: `qkv-${opts.dtype}`, flavour, load_ms: +loadMs.toFixed(0), prefill_ms: +(first - start).toFixed(1),
    decode_tok_s: +(decode / ((last - first) / 1000)).toFixed(2),
    prefill_cpu_ms: +(cpuFirst - cpuStart).toFixed(0), decode_tok_per_cpu_s: +(decode / ((cpuLast - cpuFirst) / 1000)).toFixed(2), weight_mb: +(model.info.weightBytes / 2 ** 20).toFixed(0),
  };
}

async function benchOrt() {
  const prompt = promptOf(PROMPT);
  const { run, loadMs, noPrepack } = await ortSession();
  let start = performance.now();
  let cpu = cpuMs();
  let out = await run(prompt);
  const prefillMs = performance.now() - start;
  const prefillCpuMs = cpuMs() - cpu;
  start = performance.now();
  cpu = cpuMs();
  for (let i = 0; i < DECODE; i++) out = await run([argmax(out.logits)], out.past);
  const decodeTokS = DECODE / ((performance.now() - start) / 1000);
  const decodeCpuS = (cpuMs() - cpu) / 1000;
  // ORT holds the f32 weights: the checkpoint's tensor bytes.
  const weightBytes = statSync(`${dir}model.safetensors`).size;
  return {
    engine: 'onnxruntime-web-1.30', prepacking: !noPrepack, load_ms: +loadMs.toFixed(0), prefill_ms: +prefillMs.toFixed(1),
    decode_tok_s: +decodeTokS.toFixed(2),
    prefill_cpu_ms: +prefillCpuMs.toFixed(0), decode_tok_per_cpu_s: +(DECODE / decodeCpuS).toFixed(2), weight_mb: +(weightBytes / 2 ** 20).toFixed(0),
  };
}

let result;
if (mode === 'check') result = await check();
else if (mode === 'qkv') result = await benchQkv(promptOf(PROMPT), DECODE, { dtype });
else if (mode === 'ort') result = await benchOrt();
else result = await benchQkv(promptOf(4096 - DECODE), DECODE, { dtype: 'f32', contextLength: 4096 });
const peakRssMb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({
  name, mode, threads, ...result, peak_rss_mb: +peakRssMb.toFixed(0),
  ...(result.weight_mb ? { rss_over_weights: +(peakRssMb / result.weight_mb).toFixed(2) } : {}),
}));
process.exit(result.check === 'MISMATCH' ? 1 : 0);
