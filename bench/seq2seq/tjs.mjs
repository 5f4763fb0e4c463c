// transformers.js 4.3.1 itself (AutoModelForSeq2SeqLM on onnxruntime-web's wasm backend, in Node) on a
// bench/seq2seq folder: that its own loader and generate() take make_models.py's ONNX layout, and
// the greedy tokens it makes. Greedy only: transformers.js 4.3.1 has no beam search (with
// num_beams > 1 its generate() keeps the first candidate: greedy), see README.md.
//   TJS=/tmp/tjs node bench/seq2seq/tjs.mjs check <model>             greedy tokens against PyTorch's
//   TJS=/tmp/tjs node bench/seq2seq/tjs.mjs bench <model> <threads>   one JSON line (greedy)
// $TJS: a folder with `npm i -E --ignore-scripts @huggingface/transformers@4.3.1` (as bench/encoder-tasks).
import { fileURLToPath } from 'node:url';
import { importTransformersJs } from '../tjs-runtime.mjs';
import { modelFolder, printResult, timed, workload } from './common.mjs';

const [mode, name, threadsArg = '1'] = process.argv.slice(2);
const threads = Number(threadsArg);
if (!['bench', 'check'].includes(mode) || !(threads >= 1)) throw new Error('usage: tjs.mjs bench|check <model> [threads]');
const { reference } = modelFolder(name);
const work = workload(reference);

const { tjs, ort, version } = await importTransformersJs(threads);
tjs.env.localModelPath = fileURLToPath(new URL('../out/seq2seq/', import.meta.url));
const t0 = performance.now();
// A per-file device map to '' selects no device (a registered runtime lists none) and the session
// options' wasm execution provider applies.
const model = await tjs.AutoModelForSeq2SeqLM.from_pretrained(name, {
  dtype: 'fp32', device: { encoder_model: '', decoder_model_merged: '' }, session_options: { executionProviders: ['wasm'] },
});
const loadMs = performance.now() - t0;
if (!(model.sessions.decoder_model_merged instanceof ort.InferenceSession)) throw new Error('tjs: the decoder session is not onnxruntime-web\'s');

// Greedy, every step run: no eos, no forced eos, no banned words (the reference applies none).
async function greedy(onToken = () => {}) {
  const ids = (values) => new tjs.Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
  const streamer = { put: onToken, end() {} };
  const out = await model.generate({
    inputs: ids(work.source), attention_mask: ids(work.source.map(() => 1)), max_new_tokens: work.steps,
    do_sample: false, num_beams: 1, eos_token_id: null, forced_eos_token_id: null, bad_words_ids: null, streamer,
  });
  return Array.from(out.data, Number).slice(1); // without the decoder start token
}

let result;
if (mode === 'check') {
  const tokens = await greedy();
  const same = tokens.length === reference.greedy.length && tokens.every((t, i) => t === reference.greedy[i]);
  result = { check: same ? 'ok' : 'MISMATCH', greedy_tokens_equal: same };
} else {
  await greedy(); // warm-up
  const stamps = [];
  const start = performance.now();
  const g = await timed(() => greedy(() => stamps.push(performance.now())));
  // stamps[0]: the decoder start token (put before the first step); then one per generated token.
  const r = (x) => +x.toFixed(2);
  result = {
    threads, source: work.source.length, steps: work.steps, load_ms: +loadMs.toFixed(0), greedy_ms: r(g.ms),
    first_token_ms: r(stamps[1] - start), greedy_step_tok_s: r((work.steps - 1) / ((stamps.at(-1) - stamps[1]) / 1000)),
    greedy_cpu_ms: r(g.cpuMs),
  };
}
printResult({ name, mode, engine: `transformers.js-${version}`, runtime: `onnxruntime-web ${ort.env.versions.web} wasm`, ...result });
process.exit(result.check === 'MISMATCH' ? 1 : 0);
