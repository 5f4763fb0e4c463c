// onnxruntime-web 1.30 (wasm execution provider, in Node) on the ONNX exports of a
// bench/seq2seq model, run as transformers.js runs an encoder-decoder: onnx/encoder_model.onnx
// once per source, then onnx/decoder_model_merged.onnx one token per step with use_cache_branch
// false on the first step (empty past; the graph computes every layer's cross-attention keys and
// values) and true after, the present.* outputs fed back as past_key_values.* except the encoder
// ones, which the with-past branch returns as constants and the caller keeps from the first step
// (transformers.js getPastKeyValues). One process per measurement, so peak RSS is its own.
//   node bench/seq2seq/ort.mjs bench <model> <threads> [f32|q8]    one JSON line of rates
//   node bench/seq2seq/ort.mjs check <model> [1] [f32|q8]          ORT against the reference (exit 1 if off)
// q8 runs transformers.js's default wasm files instead (make_int8.py: encoder_model_quantized.onnx,
// decoder_model_merged_quantized.onnx, onnxruntime's dynamic int8 quantization) and checks them
// against make_int8.py's PyTorch emulation of the same ops, and against f32 as qkv's q8 is.
// Beam search (BEAMS, default 4) runs the beams as one batch: log-softmax of each beam's logits
// plus its running score, the top 2 x beams over beams x vocab in JS, the first `beams` kept (eos
// is never special, so every run does STEPS steps), the self-attention past reordered by beam
// index (optimum's _reorder_cache: the cross-attention past is every beam's alike). transformers.js
// 4.3.1 itself runs no beam search (its generate() keeps the first beam's token: greedy); this is
// what transformers' / optimum's beam search does, on ORT-web.
import { statSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import {
  decoderShape, int8Reference, maxAbsDiff, middleRun, modelFolder, printResult, q8AgainstF32, rates, teacherPath, timed, workload,
} from './common.mjs';

const [mode, name, threadsArg = '1', dtype = 'f32'] = process.argv.slice(2);
const threads = Number(threadsArg);
if (!['bench', 'check'].includes(mode) || !(threads >= 1) || !['f32', 'q8'].includes(dtype)) {
  throw new Error('usage: ort.mjs bench|check <model> [threads] [f32|q8]');
}
const suffix = dtype === 'q8' ? '_quantized' : ''; // transformers.js's file names per dtype
const engine = `onnxruntime-web-1.30${dtype === 'q8' ? '-q8' : ''}`;
const { dir, config, reference } = modelFolder(name);
const shape = decoderShape(config);
const work = workload(reference);
ort.env.wasm.numThreads = threads;

const t0 = performance.now();
const encoder = await ort.InferenceSession.create(`${dir}onnx/encoder_model${suffix}.onnx`, { executionProviders: ['wasm'] });
const decoder = await ort.InferenceSession.create(`${dir}onnx/decoder_model_merged${suffix}.onnx`, { executionProviders: ['wasm'] });
const loadMs = performance.now() - t0;

const int64 = (values, dims) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);
const pastName = (i, kind, kv) => `past_key_values.${i}.${kind}.${kv}`;

async function encode(source) {
  const out = await encoder.run({ input_ids: int64(source, [1, source.length]), attention_mask: int64(source.map(() => 1), [1, source.length]) });
  return out.last_hidden_state;
}

// The decoder's state for `batch` sequences over one source: the encoder states repeated per row
// (the first step reads them), the mask, and the past (empty until the first step).
function startDecoding(hidden, batch) {
  const n = hidden.dims[1];
  const rows = new Float32Array(batch * hidden.data.length);
  for (let b = 0; b < batch; b++) rows.set(hidden.data, b * hidden.data.length);
  const past = {};
  const empty = new ort.Tensor('float32', new Float32Array(0), [batch, shape.heads, 0, shape.headDim]);
  for (let i = 0; i < shape.layers; i++) {
    for (const kind of ['decoder', 'encoder']) for (const kv of ['key', 'value']) past[pastName(i, kind, kv)] = empty;
  }
  return {
    batch, past, first: true,
    hidden: new ort.Tensor('float32', rows, [batch, n, shape.dModel]),
    mask: int64(new Array(batch * n).fill(1), [batch, n]),
  };
}

// One decoder step over one new token per row: the logits [batch, vocab]; state.past advanced.
async function step(state, tokens) {
  const out = await decoder.run({
    input_ids: int64(tokens, [state.batch, 1]), encoder_attention_mask: state.mask, encoder_hidden_states: state.hidden,
    use_cache_branch: new ort.Tensor('bool', [!state.first], [1]), ...state.past,
  });
  for (let i = 0; i < shape.layers; i++) {
    for (const kv of ['key', 'value']) {
      state.past[pastName(i, 'decoder', kv)] = out[`present.${i}.decoder.${kv}`];
      if (state.first) state.past[pastName(i, 'encoder', kv)] = out[`present.${i}.encoder.${kv}`];
    }
  }
  state.first = false;
  return out.logits.data;
}

function argmax(a, from, n) {
  let best = from;
  for (let i = from + 1; i < from + n; i++) if (a[i] > a[best]) best = i;
  return best - from;
}

async function greedy(source, steps, onToken = () => {}) {
  const state = startDecoding(await encode(source), 1);
  const tokens = [];
  let token = reference.decoder_start_token_id;
  let logits;
  for (let s = 0; s < steps; s++) {
    logits = await step(state, [token]);
    token = argmax(logits, 0, shape.vocab);
    tokens.push(token);
    onToken();
  }
  return { tokens, lastLogits: logits };
}

// The `k` best (value, index) of beams x vocab log-probabilities, best first.
function topK(scores, k) {
  const vals = new Float64Array(k).fill(-Infinity);
  const idx = new Int32Array(k).fill(-1);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s <= vals[k - 1]) continue;
    let j = k - 1;
    while (j > 0 && vals[j - 1] < s) {
      vals[j] = vals[j - 1];
      idx[j] = idx[j - 1];
      j--;
    }
    vals[j] = s;
    idx[j] = i;
  }
  return { vals, idx };
}

// Rows of a [batch, ...] tensor in beam order: row b of the result is row order[b].
function reorder(tensor, order) {
  const row = tensor.data.length / tensor.dims[0];
  const data = new Float32Array(tensor.data.length);
  order.forEach((from, b) => data.set(tensor.data.subarray(from * row, (from + 1) * row), b * row));
  return new ort.Tensor('float32', data, tensor.dims);
}

async function beamSearch(source, steps, beams) {
  const state = startDecoding(await encode(source), beams);
  const { vocab } = shape;
  let scores = [0, ...new Array(beams - 1).fill(-1e9)];
  let seqs = Array.from({ length: beams }, () => []);
  let tokens = new Array(beams).fill(reference.decoder_start_token_id);
  const cand = new Float32Array(beams * vocab);
  for (let s = 0; s < steps; s++) {
    const logits = await step(state, tokens);
    for (let b = 0; b < beams; b++) {
      const row = logits.subarray(b * vocab, (b + 1) * vocab);
      let max = -Infinity;
      for (let j = 0; j < vocab; j++) max = Math.max(max, row[j]);
      let sum = 0;
      for (let j = 0; j < vocab; j++) sum += Math.exp(row[j] - max);
      const shift = scores[b] - max - Math.log(sum);
      for (let j = 0; j < vocab; j++) cand[b * vocab + j] = row[j] + shift;
    }
    const top = topK(cand, 2 * beams);
    const order = [];
    tokens = [];
    scores = [];
    for (let b = 0; b < beams; b++) {
      order.push(Math.floor(top.idx[b] / vocab));
      tokens.push(top.idx[b] % vocab);
      scores.push(top.vals[b]);
    }
    seqs = order.map((from, b) => [...seqs[from], tokens[b]]);
    for (let i = 0; i < shape.layers; i++) {
      for (const kv of ['key', 'value']) state.past[pastName(i, 'decoder', kv)] = reorder(state.past[pastName(i, 'decoder', kv)], order);
    }
  }
  return { best: seqs[0], scores };
}

// q8: against make_int8.py's emulation of the same int8 ops (encoder states, teacher-forced logits
// along the f32 greedy path) within twice what rounding alone moves the emulation (its float parts
// in float64 against float32: dynamic quantization amplifies an ulp once it crosses a uint8
// rounding step, as bench/gpt2-small/check_int8.mjs measured); how far that is from f32 is reported.
async function checkQ8() {
  const { summary, read } = int8Reference(dir);
  const hidden = await encode(work.source);
  const state = startDecoding(hidden, 1);
  const path = teacherPath(reference);
  const logits = new Float32Array(path.length * shape.vocab);
  for (let s = 0; s < path.length; s++) logits.set(await step(state, [path[s]]), s * shape.vocab);
  const g = await greedy(work.source, work.steps);
  const beam = await beamSearch(work.source, work.steps, work.beams);
  const rounding = summary.emulation_f32_vs_f64;
  const emulation = {
    encoder: +maxAbsDiff(hidden.data, read('encoder')).toExponential(3),
    encoder_bound: +Math.max(2 * rounding.encoder, 1e-4).toExponential(3),
    logits: +maxAbsDiff(logits, read('logits')).toExponential(3),
    logits_bound: +Math.max(2 * rounding.logits, 1e-4).toExponential(3),
  };
  const emulationOk = emulation.encoder <= emulation.encoder_bound && emulation.logits <= emulation.logits_bound;
  const { ok: _, ...f32 } = q8AgainstF32(logits, read('f32_logits'), reference, summary); // reported only
  const ok = emulationOk;
  printResult({
    name, mode, engine, check: ok ? 'ok' : 'MISMATCH', against_int8_emulation: emulation, against_f32: f32,
    greedy_tokens_equal: g.tokens.every((t, i) => t === reference.greedy[i]),
    beam_tokens_equal: beam.best.every((t, i) => t === reference.beam_best[i]),
  });
  return ok;
}

async function check() {
  if (!work.isReference) throw new Error('check: run it without SOURCE / STEPS / BEAMS');
  if (dtype === 'q8') return checkQ8();
  const hidden = await encode(work.source);
  const state = startDecoding(hidden, 1);
  const first = await step(state, [reference.decoder_start_token_id]);
  const g = await greedy(work.source, work.steps);
  const beam = await beamSearch(work.source, work.steps, work.beams);
  const diffs = {
    encoder: maxAbsDiff(hidden.data, reference.encoder_hidden.flat()),
    first_logits: maxAbsDiff(first, reference.first_logits),
    last_logits: maxAbsDiff(g.lastLogits, reference.greedy_last_logits),
    beam_scores: maxAbsDiff(beam.scores, reference.beam_scores),
  };
  const greedySame = g.tokens.every((t, i) => t === reference.greedy[i]);
  const beamSame = beam.best.every((t, i) => t === reference.beam_best[i]);
  // f32 on both sides, other summation orders: an export error moves these by far more.
  const close = Object.values(diffs).every((d) => d < 2e-3);
  // A beam path whose ranking came within 1e-3 of a tie may part ways legitimately.
  const beamOk = beamSame || reference.beam_min_gap < 1e-3;
  const ok = close && greedySame && beamOk;
  printResult({
    name, mode, engine, check: ok ? 'ok' : 'MISMATCH',
    max_abs_diff: Object.fromEntries(Object.entries(diffs).map(([k, v]) => [k, +v.toExponential(2)])),
    greedy_tokens_equal: greedySame, beam_tokens_equal: beamSame, reference_beam_min_gap: reference.beam_min_gap,
    reference_greedy_min_gap: reference.greedy_min_top2_gap,
  });
  return ok;
}

async function bench() {
  await encode(work.source); // warm-up: the first run of a session allocates its arenas
  for (let w = 0; w < work.warmup; w++) {
    await greedy(work.source, work.steps);
    await beamSearch(work.source, work.steps, work.beams);
  }
  const encodes = [];
  for (let r = 0; r < work.encodeRuns; r++) encodes.push(await timed(() => encode(work.source)));
  const encode1 = middleRun(encodes);
  const stamps = [];
  const start = performance.now();
  const g = await timed(() => greedy(work.source, work.steps, () => stamps.push(performance.now())));
  const beam = await timed(() => beamSearch(work.source, work.steps, work.beams));
  const bytes = ['encoder_model', 'decoder_model_merged'].reduce((n, f) => n + statSync(`${dir}onnx/${f}${suffix}.onnx`).size, 0);
  printResult({
    name, mode, engine, dtype, threads, source: work.source.length, steps: work.steps, beams: work.beams, warmup: work.warmup,
    load_ms: +loadMs.toFixed(0), onnx_mb: +(bytes / 2 ** 20).toFixed(0),
    ...rates(work, {
      encode: encode1, greedy: g, beam, firstTokenMs: stamps[0] - start,
      stepMs: stamps.length > 1 ? stamps.at(-1) - stamps[0] : null,
    }),
    greedy_tokens_equal: work.isReference ? g.value.tokens.every((t, i) => t === reference.greedy[i]) : null,
  });
  return true;
}

const ok = mode === 'check' ? await check() : await bench();
process.exit(ok ? 0 : 1);
