// Native llama.cpp on one GGUF file, through node-llama-cpp's prebuilt CPU
// binaries (no GPU, never built here), one thread: load, prefill the fixed
// 128-id prompt of measure.mjs, decode 128 tokens greedily. Prints one JSON line.
//   NLC=<dir with node_modules/node-llama-cpp@3.21.1> node bench/gguf/native.mjs <file.gguf> [threads]
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';

import { PROMPT_IDS, DECODE_TOKENS, describeFile } from './measure.mjs';

const [file, threadsArg = '1'] = process.argv.slice(2);
if (!file) throw new Error('usage: native.mjs <file.gguf> [threads]');
const threads = Number(threadsArg);
const nlc = process.env.NLC ?? '/tmp/nlc';
const { getLlama } = await import(join(nlc, 'node_modules/node-llama-cpp/dist/index.js'));

const baseRss = process.resourceUsage().maxRSS * 1024;
const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads, logLevel: 'error' });
const t0 = performance.now();
const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
// llama.cpp's defaults otherwise (f16 KV cache), as wllama runs it; the prompt in one batch.
const context = await model.createContext({ contextSize: 512, batchSize: 512, sequences: 1, threads });
const loadMs = performance.now() - t0;
const sequence = context.getSequence();

let count = 0;
let first = 0;
let last = 0;
const start = performance.now();
// evaluate() samples greedily at temperature 0 and does not stop at an end-of-generation id.
for await (const _ of sequence.evaluate(PROMPT_IDS, { temperature: 0 })) {
  if (++count === 1) first = performance.now();
  last = performance.now();
  if (count === DECODE_TOKENS + 1) break;
}
if (count !== DECODE_TOKENS + 1) throw new Error(`generated ${count} tokens, wanted ${DECODE_TOKENS + 1}`);
const peak = process.resourceUsage().maxRSS * 1024;
await context.dispose();
await model.dispose();
console.log(JSON.stringify({
  engine: 'llama.cpp-native', ...describeFile(basename(file), statSync(file).size), threads,
  build: `node-llama-cpp ${llama.buildType ?? ''} ${llama.llamaCppRelease?.release ?? ''}`.trim(),
  load_ms: +loadMs.toFixed(1), prefill_ms: +(first - start).toFixed(1),
  decode_tok_s: +(DECODE_TOKENS / ((last - first) / 1000)).toFixed(2),
  peak_mb: +((peak - baseRss) / 2 ** 20).toFixed(1),
}));
