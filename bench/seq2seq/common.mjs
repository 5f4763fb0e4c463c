// What both engines' drivers share (bench/seq2seq/ort.mjs, qkv.mjs): the model folder and its
// reference (bench/seq2seq/make_models.py), the workload sizes, CPU time, and the result line.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MODELS = ['t5-small', 'opus-mt-en-de'];

export function modelFolder(name) {
  if (!MODELS.includes(name)) throw new Error(`model: one of ${MODELS.join(', ')}`);
  const dir = fileURLToPath(new URL(`../out/seq2seq/${name}/`, import.meta.url));
  const config = JSON.parse(readFileSync(`${dir}config.json`, 'utf8'));
  const reference = JSON.parse(readFileSync(`${dir}reference.json`, 'utf8'));
  return { dir, config, reference };
}

// make_int8.py's q8 reference beside reference.json: its summary and the raw float32 arrays
// (int8_encoder, int8_logits: the int8 emulation's encoder states and teacher-forced logits along
// the f32 greedy path; *_f64 the same in float64; int8_f32_logits the f32 model's on that path).
export function int8Reference(dir) {
  const summary = JSON.parse(readFileSync(`${dir}reference_int8.json`, 'utf8'));
  const read = (name) => {
    const b = readFileSync(`${dir}int8_${name}.f32`);
    return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  };
  return { summary, read };
}

// The teacher-forced logits path: the start token, then the f32 greedy tokens but the last.
export const teacherPath = (reference) => [reference.decoder_start_token_id, ...reference.greedy.slice(0, -1)];

// q8 against f32 along the teacher-forced path (bench/seq2seq/README.md, "The checks"): each step's
// top-1 token against PyTorch's f32 greedy token, and the max |logit difference| over every step,
// beside the same for make_int8.py's emulation of transformers.js's int8 files. `ok` is qkv's
// bound: top-1 agreement on at least 90 % of the steps, a logit error no larger than that of
// transformers.js's own int8 model (per-tensor weights and activations) on the same weights, and
// above 1e-3, so a q8 run that silently ran f32 weights fails. onnxruntime-web's int8 run is
// held to its emulation instead (ort.mjs): its distance to f32 is the files', reported only.
export function q8AgainstF32(logits, f32Logits, reference, int8Summary) {
  const vocab = f32Logits.length / reference.greedy.length;
  let agree = 0;
  for (let s = 0; s < reference.greedy.length; s++) {
    let best = s * vocab;
    for (let i = s * vocab; i < (s + 1) * vocab; i++) if (logits[i] > logits[best]) best = i;
    if (best - s * vocab === reference.greedy[s]) agree++;
  }
  const err = maxAbsDiff(logits, f32Logits);
  const emulation = int8Summary.int8_vs_f32;
  return {
    ok: agree >= 0.9 * reference.greedy.length && err <= emulation.logits && err > 1e-3,
    top1_agree: `${agree}/${reference.greedy.length}`, max_abs_logit_diff: +err.toExponential(3),
    int8_file_top1_agree: `${emulation.top1_agree}/${emulation.steps}`,
    int8_file_max_abs_logit_diff: +emulation.logits.toExponential(3), max_abs_logit: +emulation.max_abs_logit.toFixed(2),
  };
}

// The decoder's shape from either config: T5 (num_heads, d_kv, num_decoder_layers) or Marian.
export function decoderShape(config) {
  if (config.model_type === 't5') {
    return { layers: config.num_decoder_layers ?? config.num_layers, heads: config.num_heads, headDim: config.d_kv,
      dModel: config.d_model, vocab: config.vocab_size };
  }
  const heads = config.decoder_attention_heads;
  return { layers: config.decoder_layers, heads, headDim: config.d_model / heads, dModel: config.d_model,
    vocab: config.decoder_vocab_size ?? config.vocab_size };
}

// The workload: the reference's source (SOURCE=n takes its first n - 1 ids and its eos), STEPS
// target tokens (default the reference's), BEAMS beams; ENCODE_RUNS encoder runs (median).
export function workload(reference) {
  const n = Number(process.env.SOURCE ?? reference.source.length);
  if (!(n >= 2 && n <= reference.source.length)) throw new Error(`SOURCE: 2 .. ${reference.source.length}`);
  const source = [...reference.source.slice(0, n - 1), reference.source.at(-1)];
  const steps = Number(process.env.STEPS ?? reference.steps);
  const beams = Number(process.env.BEAMS ?? reference.beams);
  const encodeRuns = Number(process.env.ENCODE_RUNS ?? 3);
  // Untimed greedy + beam generations before the timed ones (WARMUP, default 1): V8 compiles a wasm
  // module's functions with its baseline compiler first and tiers hot ones up in the background, and
  // onnxruntime-web's 10+ MB module was measured at half its decode rate without it (ort.mjs,
  // t5-small q8, one thread: greedy 35-49 tok/s after 3 encoder runs, 71-99 after 30).
  const warmup = Number(process.env.WARMUP ?? 1);
  // The token checks hold for the reference's own workload only.
  const isReference = n === reference.source.length && steps === reference.steps && beams === reference.beams;
  return { source, steps, beams, encodeRuns, warmup, isReference };
}

// CPU time of the process, every thread (the machine is shared: per CPU-second rates say what
// the wall clock would without the other load).
export const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export async function timed(fn) {
  const cpu = cpuMs();
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start, cpuMs: cpuMs() - cpu };
}

// The run of median time among timed() runs (the middle one of an odd count).
export const middleRun = (runs) => [...runs].sort((a, b) => a.ms - b.ms)[runs.length >> 1];

export function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`${a.length} values against ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// The rates both engines report, from the same timings:
//   encode_tok_s        source tokens / encoder alone (median of ENCODE_RUNS)
//   greedy_tok_s        target tokens / (greedy generation, encoder included, - encoder alone)
//   greedy_step_tok_s   (steps - 1) / (last token - first token): the steady decode rate
//   beam_tok_s          target tokens / (beam generation - encoder alone)
// and the same per CPU-second (*_cpu_*).
export function rates({ source, steps }, t) {
  const r = (x) => +x.toFixed(2);
  const tokS = (n, ms) => r(n / (ms / 1000));
  return {
    encode_ms: r(t.encode.ms), encode_tok_s: tokS(source.length, t.encode.ms),
    encode_cpu_tok_s: tokS(source.length, t.encode.cpuMs),
    first_token_ms: r(t.firstTokenMs),
    greedy_ms: r(t.greedy.ms), greedy_tok_s: tokS(steps, t.greedy.ms - t.encode.ms),
    greedy_cpu_tok_s: tokS(steps, t.greedy.cpuMs - t.encode.cpuMs),
    greedy_step_tok_s: t.stepMs === null ? null : tokS(steps - 1, t.stepMs),
    beam_ms: r(t.beam.ms), beam_tok_s: tokS(steps, t.beam.ms - t.encode.ms),
    beam_cpu_tok_s: tokS(steps, t.beam.cpuMs - t.encode.cpuMs),
  };
}

export function printResult(fields) {
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ ...fields, peak_rss_mb: +peakRssMb.toFixed(0) }));
}
