// qkv on make_nllb_600m.py's model (facebook/nllb-200-distilled-600M's shape, f32 or q8), one JSON line:
// load time, greedy and 4-beam target tokens per second (a 32-token source, 32 steps, eos ignored so
// every run does equal work), and the process's peak RSS against the file's size.
//   node bench/seq2seq/nllb_600m.mjs [threads] [f32|q8] [folder]
import { statSync } from 'node:fs';
import { join } from 'node:path';

const [threadsArg = '1', dtype = 'f32', folder = new URL('../out/seq2seq/nllb-600m', import.meta.url).pathname] = process.argv.slice(2);
const threads = Number(threadsArg);
const { loadModel, env, backendInfo } = await import('../../dist/index.js');
env.wasm.numThreads = threads;
const backend = await backendInfo();
const t0 = performance.now();
const model = await loadModel(folder, { dtype });
const loadMs = performance.now() - t0;
// eng_Latn's token, 30 ids, </s>; deu_Latn's token forced first (the real tokenizer's ids).
const source = [256047, ...Array.from({ length: 30 }, (_, i) => 1000 + 37 * i), 2];
const options = { max_new_tokens: 32, forced_bos_token_id: 256042, eos_token_id: [] };
async function rate(extra) {
  const start = performance.now();
  let n = 0;
  for await (const step of model.generate(source, { ...options, ...extra })) if (step.token >= 0) n++;
  return n / ((performance.now() - start) / 1000);
}
const greedy = await rate({});
const beams = await rate({ num_beams: 4 });
const fileMb = statSync(join(folder, 'model.safetensors')).size / 2 ** 20;
const peakMb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({
  build: backend.flavour, threads, dtype: model.info.dtype, load_ms: Math.round(loadMs), greedy_tok_s: +greedy.toFixed(2),
  beams_tok_s: +beams.toFixed(2), file_mb: Math.round(fileMb), peak_rss_mb: Math.round(peakMb), peak_over_file: +(peakMb / fileMb).toFixed(2),
}));
model.dispose();
