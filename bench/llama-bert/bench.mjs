// One model, one configuration, in its own process (so peak RSS is its own).
//   node bench/llama-bert/bench.mjs llama <threads> <f32|f16|q8|q4> [model dir]
//     load, prefill a fixed 128-token prompt, decode 128 tokens greedily
//   node bench/llama-bert/bench.mjs bert <threads> <f32|f16|q8> [model dir]
//     load, embed 256 sentences (mean pooling, normalized) in batches of 32,
//     then one sentence at a time
// Models: bench/llama-bert/make_models.py. Prints one JSON line.
import { fileURLToPath } from 'node:url';
import { backendInfo, env, loadModel } from '../../dist/index.js';

// QKV_LM_HEAD_DTYPE / QKV_EMBEDDING_DTYPE: loadModel's lmHeadDtype / embeddingDtype (e.g. q4 everywhere).
const [kind, threadsArg, dtype = 'f32', dirArg] = process.argv.slice(2);
const roles = {
  ...(process.env.QKV_LM_HEAD_DTYPE ? { lmHeadDtype: process.env.QKV_LM_HEAD_DTYPE } : {}),
  ...(process.env.QKV_EMBEDDING_DTYPE ? { embeddingDtype: process.env.QKV_EMBEDDING_DTYPE } : {}),
};
const threads = Number(threadsArg);
if (!['llama', 'bert'].includes(kind) || !(threads >= 1)) {
  throw new Error('usage: bench.mjs llama|bert <threads> [f32|f16|q8|q4] [model dir]');
}
const dir = dirArg ?? fileURLToPath(new URL(`../out/${kind === 'llama' ? 'llama-100m' : 'bert-6x384'}/`, import.meta.url));

env.wasm.numThreads = threads;
await backendInfo(); // start the runtime outside the load timing
const t0 = performance.now();
const model = await loadModel(dir, { dtype, ...roles });
const loadMs = performance.now() - t0;
const result = { name: kind === 'llama' ? 'llama-100m' : 'bert-6x384', dtype, ...roles, threads, weight_mb: +(model.info.weightBytes / 1e6).toFixed(1), load_ms: +loadMs.toFixed(1) };

if (kind === 'llama') {
  const PROMPT = 128;
  const DECODE = 128;
  const prompt = Array.from({ length: PROMPT }, (_, i) => 1 + ((i * 7919 + 13) % 31000));
  let count = 0;
  let first = 0;
  let last = 0;
  const start = performance.now();
  // CPU time of the decode too: on a shared machine, tokens per CPU-second compare two configurations
  // when wall time mostly measures the other processes.
  let cpuFirst = 0;
  let cpuLast = 0;
  for await (const _ of model.generate(prompt, { max_new_tokens: DECODE + 1, eos_token_id: [] })) {
    const cpu = process.cpuUsage();
    if (++count === 1) { first = performance.now(); cpuFirst = cpu.user + cpu.system; }
    last = performance.now();
    cpuLast = cpu.user + cpu.system;
  }
  result.decode_cpu_tok_s = +(DECODE / ((cpuLast - cpuFirst) / 1e6)).toFixed(2);
  result.prefill_ms = +(first - start).toFixed(1);
  result.prefill_tok_s = +(PROMPT / ((first - start) / 1000)).toFixed(1);
  result.decode_tok_s = +(DECODE / ((last - first) / 1000)).toFixed(2);
} else {
  const words = 'the a model runs fast small browser text vector search query answer page user web fine'.split(' ');
  const sentences = Array.from({ length: 256 }, (_, i) =>
    Array.from({ length: 6 + (i * 7) % 27 }, (_, j) => words[(i * 31 + j * 17) % words.length]).join(' '));
  const tokens = sentences.reduce((n, s) => n + model.tokenizer.encode(s).length, 0);
  await model.embed(sentences.slice(0, 4), { pooling: 'mean', normalize: true }); // warm up
  let start = performance.now();
  for (let i = 0; i < sentences.length; i += 32) {
    await model.embed(sentences.slice(i, i + 32), { pooling: 'mean', normalize: true });
  }
  const batchedS = (performance.now() - start) / 1000;
  start = performance.now();
  for (const s of sentences.slice(0, 64)) await model.embed(s, { pooling: 'mean', normalize: true });
  const singleS = (performance.now() - start) / 1000;
  result.mean_tokens = +(tokens / sentences.length).toFixed(1);
  result.batched_sentences_s = +(sentences.length / batchedS).toFixed(1);
  result.single_sentences_s = +(64 / singleS).toFixed(1);
}
result.peak_rss_mb = +(process.resourceUsage().maxRSS / 1024).toFixed(0);
console.log(JSON.stringify(result));
model.dispose();
process.exit(0);
