// qkv on a bench/seq2seq model through its public API, the same measurements as ort.mjs:
//   node bench/seq2seq/qkv.mjs bench <model> <threads> [f32|q8]    one JSON line of rates
//   node bench/seq2seq/qkv.mjs check <model> [1] [f32|q8]          greedy and beam tokens against make_models.py's reference
//     (q8: instead the teacher-forced logits, model.forward, against f32 as ort.mjs's q8 check:
//     common.mjs q8AgainstF32; the greedy and beam tokens are reported)
// The calls (issue 19's door, being built on h/s2s-js over h/s2s-runtime's Seq2SeqSession):
//   const model = await loadModel(folder, { dtype })      a folder without tokenizer files: ids only
//   model.generate(sourceIds, { max_new_tokens, num_beams, eos_token_id: [] })   (greedy: no num_beams)
//     an async iterable of { token, ... } as the decoders' generate() (greedy streams each token as
//     it comes; beam search yields the best hypothesis's tokens when it ends), or a promise of
//     { tokens } / an array of tokens: both are read;
//   model.encode(sourceIds)   the encoder alone (Seq2SeqSession::encode), if the door has it;
//     without it the encoder's time is the first greedy token's (encoder + one decoder step),
//     flagged encode_includes_first_step.
// eos_token_id [] makes every run STEPS steps, as ort.mjs's (no early stop); the checkpoints'
// other generation_config.json defaults stay (opus-mt: bad_words_ids [[pad]], forced_eos_token_id
// on the last step): they change which tokens come, not how much work each step is.
import {
  decoderShape, int8Reference, middleRun, modelFolder, printResult, q8AgainstF32, rates, teacherPath, timed, workload,
} from './common.mjs';

const [mode, name, threadsArg = '1', dtype = 'f32'] = process.argv.slice(2);
const threads = Number(threadsArg);
if (!['bench', 'check'].includes(mode) || !(threads >= 1)) throw new Error('usage: qkv.mjs bench|check <model> [threads] [f32|q8]');
const { dir, config, reference } = modelFolder(name);
const work = workload(reference);

const { loadModel, env, backendInfo } = await import('../../dist/index.js');
env.wasm.numThreads = threads;
const backend = await backendInfo(); // the runtime starts outside the load timing
const t0 = performance.now();
const model = await loadModel(dir, { dtype });
const loadMs = performance.now() - t0;
if (typeof model.generate !== 'function') throw new Error('qkv: loadModel gave no generate() for this model');

// The tokens of one generation; onToken at each one that streams.
async function generate(options, onToken = () => {}) {
  const run = model.generate(work.source, { eos_token_id: [], ...options });
  if (run !== null && typeof run === 'object' && Symbol.asyncIterator in run) {
    const tokens = [];
    for await (const item of run) {
      // The last item of the stream may carry only the finish reason (token -1): no token, no stamp
      // (a stamp for it made the steady rate's count steps + 1, so it was never reported).
      const before = tokens.length;
      for (const t of Array.isArray(item.tokens) ? item.tokens : [item.token]) if (t >= 0) tokens.push(t);
      if (tokens.length > before) onToken();
    }
    return tokens;
  }
  const done = await run;
  return Array.isArray(done) ? done : done.tokens ?? done[0]?.tokens;
}

async function greedy(onToken) {
  // num_beams 1: opus-mt's generation_config.json asks for 4 by default.
  const tokens = await generate({ max_new_tokens: work.steps, num_beams: 1 }, onToken);
  if (tokens.length !== work.steps) throw new Error(`greedy: ${tokens.length} tokens, not ${work.steps}`);
  return tokens;
}

async function beamSearch() {
  const tokens = await generate({ max_new_tokens: work.steps, num_beams: work.beams });
  if (tokens.length !== work.steps) throw new Error(`beams: ${tokens.length} tokens, not ${work.steps}`);
  return tokens;
}

const hasEncode = typeof model.encode === 'function';
async function encodeOnce() {
  if (hasEncode) return model.encode(work.source);
  let first = 0;
  const start = performance.now();
  await generate({ max_new_tokens: 1, num_beams: 1 }, () => { first = performance.now(); });
  return first - start;
}

// generation_config.json's forced_eos_token_id (opus-mt: 0) makes qkv's last token eos, which
// PyTorch's reference (no processors) does not have; it also re-ranks the beams on that step. Then
// the greedy tokens are compared but the last, and the best beam is reported only.
async function check() {
  if (!work.isReference) throw new Error('check: run it without SOURCE / STEPS / BEAMS');
  const forced = config.forced_eos_token_id ?? null;
  const g = await greedy();
  const beam = await beamSearch();
  const compared = forced === null ? work.steps : work.steps - 1;
  const differs = (tokens, ref) => tokens.slice(0, compared).findIndex((t, i) => t !== ref[i]);
  const greedySame = differs(g, reference.greedy) === -1 && (forced === null || g.at(-1) === forced);
  const beamSame = differs(beam, reference.beam_best) === -1;
  const beamOk = beamSame || forced !== null || reference.beam_min_gap < 1e-3;
  if (dtype === 'q8') {
    // q8 weights compute other logits than PyTorch's f32: the tokens may part (a near tie), so the
    // teacher-forced logits along the f32 greedy path are what is bounded.
    const { summary, read } = int8Reference(dir);
    const { logits } = await model.forward(work.source, teacherPath(reference));
    const f32 = q8AgainstF32(logits, read('f32_logits'), reference, summary);
    printResult({
      name, mode, engine: `qkv-${dtype}`, check: f32.ok ? 'ok' : 'MISMATCH', against_f32: f32,
      greedy_tokens_equal: greedySame, beam_tokens_equal: beamSame, first_greedy_difference: differs(g, reference.greedy),
    });
    return f32.ok;
  }
  printResult({
    name, mode, engine: `qkv-${dtype}`, check: greedySame && beamOk ? 'ok' : 'MISMATCH',
    greedy_tokens_equal: greedySame, beam_tokens_equal: beamSame, reference_beam_min_gap: reference.beam_min_gap,
    compared_tokens: compared, first_greedy_difference: differs(g, reference.greedy),
  });
  return greedySame && beamOk;
}

async function bench() {
  await encodeOnce(); // warm-up, as ort.mjs
  for (let w = 0; w < work.warmup; w++) {
    await greedy();
    await beamSearch();
  }
  const encodes = [];
  for (let r = 0; r < work.encodeRuns; r++) encodes.push(await timed(encodeOnce));
  // Without model.encode the encoder's time is the first token's latency (the value returned).
  if (!hasEncode) for (const e of encodes) e.ms = e.value;
  const encode1 = middleRun(encodes);
  const stamps = [];
  const start = performance.now();
  const g = await timed(() => greedy(() => stamps.push(performance.now())));
  const beam = await timed(beamSearch);
  const { vocab } = decoderShape(config);
  printResult({
    name, mode, engine: `qkv-${dtype}`, flavour: backend.flavour, threads, source: work.source.length, steps: work.steps,
    beams: work.beams, warmup: work.warmup, vocab, load_ms: +loadMs.toFixed(0), encode_includes_first_step: !hasEncode,
    ...rates(work, {
      encode: encode1, greedy: g, beam, firstTokenMs: stamps[0] - start,
      // Streamed one by one: the steady rate; all at once (no streaming): unknown.
      stepMs: stamps.length === work.steps ? stamps.at(-1) - stamps[0] : null,
    }),
    greedy_tokens_equal: work.isReference ? g.value.every((t, i) => t === reference.greedy[i]) : null,
  });
  return true;
}

const ok = mode === 'check' ? await check() : await bench();
process.exit(ok ? 0 : 1);
