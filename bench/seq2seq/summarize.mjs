// bench/seq2seq/run.sh's JSON lines -> the tables for bench/RESULTS.md: each engine's rates per
// model and threads (medians over rounds), then qkv / onnxruntime-web (each the median of the
// per-round ratios: the two engines of a ratio ran back to back) against issue 19's targets, and
// the checks against make_models.py's PyTorch reference.
//   node bench/seq2seq/summarize.mjs [bench/out/seq2seq.jsonl]
import { fmt, median, pairedRatio, printTable, readJsonLines, times } from '../summary.mjs';

const rows = readJsonLines(process.argv[2] ?? 'bench/out/seq2seq.jsonl');
const benches = rows.filter((r) => r.mode === 'bench');
const configs = [...new Set(benches.map((r) => `${r.name} ${r.threads}`))];
const engines = [...new Set(benches.map((r) => r.engine))];
const pick = (config, engine) => benches.filter((r) => `${r.name} ${r.threads}` === config && r.engine === engine);
const med = (rs, key) => median(rs.map((r) => r[key]));
const ORT = 'onnxruntime-web-1.30';
// qkv's q8 runs against onnxruntime-web's int8 files (ort.mjs q8) when the rows have them, else f32.
const peerOf = (engine) => (engine === 'qkv-q8' && engines.includes(`${ORT}-q8`) ? `${ORT}-q8` : ORT);

printTable(['model', 'threads', 'engine', 'rounds', 'source / steps / beams', 'encode tok/s', 'greedy tok/s',
  'greedy steady tok/s', 'beam tok/s', 'encode tok/CPU-s', 'greedy tok/CPU-s', 'beam tok/CPU-s', 'first token ms',
  'load ms', 'peak RSS MB'],
configs.flatMap((config) => engines.map((engine) => pick(config, engine)).filter((rs) => rs.length > 0).map((rs) => {
  const r = rs[0];
  return [r.name, r.threads, r.engine + (r.encode_includes_first_step ? ' (encode = first token)' : ''), rs.length,
    `${r.source} / ${r.steps} / ${r.beams ?? '–'}`, fmt(med(rs, 'encode_tok_s')), fmt(med(rs, 'greedy_tok_s')),
    fmt(med(rs, 'greedy_step_tok_s')), fmt(med(rs, 'beam_tok_s')), fmt(med(rs, 'encode_cpu_tok_s')),
    fmt(med(rs, 'greedy_cpu_tok_s')), fmt(med(rs, 'beam_cpu_tok_s')), fmt(med(rs, 'first_token_ms'), 0),
    fmt(med(rs, 'load_ms'), 0), fmt(med(rs, 'peak_rss_mb'), 0)];
})));

console.log('');
// transformers.js 4.3.1 itself (tjs.mjs) generates greedily only: its steady rate is compared.
const TJS = engines.find((e) => e.startsWith('transformers.js'));
printTable(['model', 'threads', 'qkv engine', 'peer', 'encode', 'greedy (≥ 2×)', 'beams (≥ 2×)', 'greedy per CPU-s',
  'beams per CPU-s', 'peak RSS qkv / ORT', 'greedy steady vs transformers.js'],
configs.flatMap((config) => engines.filter((e) => e.startsWith('qkv')).flatMap((engine) => {
  const q = pick(config, engine);
  const o = pick(config, peerOf(engine));
  if (q.length === 0 || o.length === 0) return [];
  const ratio = (key, invert = false) => times(pairedRatio(q, o, key, invert));
  const tjs = TJS ? times(pairedRatio(q, pick(config, TJS), 'greedy_step_tok_s')) : '–';
  return [[...config.split(' '), engine, peerOf(engine), ratio('encode_tok_s'), ratio('greedy_tok_s'), ratio('beam_tok_s'),
    ratio('greedy_cpu_tok_s'), ratio('beam_cpu_tok_s'), ratio('peak_rss_mb'), tjs]];
})));

console.log('');
const checks = rows.filter((r) => r.mode === 'check');
const entries = (o) => (o ? Object.entries(o).filter(([k]) => k !== 'ok').map(([k, v]) => `${k} ${v}`).join(', ') : '–');
printTable(['model', 'engine', 'verdict', 'greedy tokens = PyTorch', 'best beam = PyTorch', 'max abs diff (ORT)',
  'q8: against the int8 emulation (ORT)', 'q8: teacher-forced against f32'],
checks.map((r) => [r.name, r.engine, r.check, r.greedy_tokens_equal, r.beam_tokens_equal ?? '–', entries(r.max_abs_diff),
  entries(r.against_int8_emulation), entries(r.against_f32)]));
if (checks.some((r) => r.check !== 'ok')) {
  console.error('seq2seq summarize: an engine does not compute what PyTorch does; the ratios compare different computations');
  process.exit(1);
}
