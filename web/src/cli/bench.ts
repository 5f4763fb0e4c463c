/**
 * qkv bench: load time, then prompt (prefill) and generation (decode) speed
 * through the public API, as an application would see them. For encoders,
 * the speed of encoding one sequence instead of prefill and decode.
 */
import { hasCapability } from '../capabilities.js';
import { backendInfo, type Model } from '../index.js';
import { requireTokenizer } from '../tokenizers/id-only.js';
import type { ParsedArgs } from './args.js';
import type { Command } from './command.js';
import { formatBytes, formatMs, formatRate, formatTable, relaxedSimdLine } from './format.js';
import { jsonOption, runModelTask } from './model-task.js';

export const benchCommand: Command = {
  name: 'bench',
  usage: '<model>',
  summary: 'load time, prefill and decode speed (tokens per second)',
  details: [
    'Prefill: N prompt tokens in one pass, timed to the first generated token. Decode: N tokens',
    'generated greedily after it, end of text ignored. N is capped so both fit the context.',
    'Encoders: N tokens encoded in one pass. Rates are the median of --runs runs after one warm-up.',
  ],
  positionals: { min: 1, max: 1 },
  options: [
    { name: 'tokens', type: 'integer', min: 2, placeholder: 'N', description: 'prompt tokens, and tokens to generate (default 128)' },
    { name: 'runs', type: 'integer', min: 1, placeholder: 'R', description: 'timed runs (default 3)' },
    jsonOption('the results as one object'),
  ],
  examples: ['qkv bench tests/fixtures/llama-tiny --tokens 32', 'qkv bench ./my-model --dtype q8 --threads 1'],
  async run(args) {
    const source = args.positionals[0]!;
    const runs = args.number('runs') ?? 3;
    await runModelTask(args, {
      command: 'bench',
      run: async (model, loadMs) => ({ ...await measure(model, args, runs), model, loadMs, runtime: await backendInfo() }),
      json: ({ model: { info }, loadMs, runtime, tokens, prefill, decode, encodes }) => JSON.stringify({
        model: source, architecture: info.architecture, dtype: info.dtype, weightBytes: info.weightBytes,
        flavour: runtime.flavour, relaxedSimd: runtime.relaxedSimd, threads: runtime.numThreads, loadMs: Math.round(loadMs), tokens, runs,
        [encodes ? 'encodeTokensPerSecond' : 'prefillTokensPerSecond']: prefill,
        ...(decode === undefined ? {} : { decodeTokensPerSecond: decode }),
      }, null, 2),
      lines: ({ model: { info }, loadMs, runtime, tokens, prefill, decode }) => {
        const of = `(median of ${runs} run${runs === 1 ? '' : 's'})`;
        const rows: [string, string][] = [
          ['model', `${source} (${info.architecture}, ${info.dtype}, ${formatBytes(info.weightBytes)})`],
          ['runtime', `${runtime.flavour}, ${runtime.numThreads} thread(s), SIMD ${runtime.simd}`],
          ['relaxed SIMD', relaxedSimdLine(runtime)],
          ['load', formatMs(loadMs)],
        ];
        if (decode === undefined) {
          rows.push(['encode', `${tokens} tokens: ${formatRate(prefill)} ${of}`]);
        } else {
          rows.push(['prefill', `${tokens} tokens: ${formatRate(prefill)} ${of}`]);
          rows.push(['decode', `${tokens} tokens: ${formatRate(decode)} ${of}`]);
        }
        return [formatTable(rows)];
      },
    });
  },
};

interface Measured {
  /** Whether the model was timed encoding (an encoder) rather than prefilling and decoding. */
  encodes: boolean;
  /** The prompt's length, after capping to the context. */
  tokens: number;
  /** Median tokens per second of the prompt pass (or of encoding). */
  prefill: number;
  /** Median tokens per second of decoding; undefined for encoders. */
  decode: number | undefined;
}

/** One warm-up, then `runs` timed runs. */
async function measure(model: Model, args: ParsedArgs, runs: number): Promise<Measured> {
  const { info } = model;
  // Encoders are timed encoding; models that generate, prefilling and decoding.
  const encodes = hasCapability(info, 'encode');
  const wanted = args.number('tokens') ?? 128;
  const tokens = Math.max(1, Math.min(wanted, encodes ? info.nCtx : Math.floor(info.nCtx / 2)));
  if (tokens < wanted && args.has('tokens') && !args.flag('quiet')) {
    process.stderr.write(`bench: --tokens ${wanted} capped to ${tokens} to fit the model's ${info.nCtx}-position context\n`);
  }
  const ids = promptIds(model, tokens);
  const runOnce = encodes ? () => timeEncode(model, ids) : () => timeGenerate(model, ids, tokens);
  await (encodes ? timeEncode(model, ids.slice(0, 8)) : timeGenerate(model, ids.slice(0, 8), 4)); // warm-up
  const results = [];
  for (let r = 0; r < runs; r++) results.push(await runOnce());
  return {
    encodes, tokens, prefill: median(results.map((r) => r.prefillRate)),
    decode: encodes ? undefined : median(results.map((r) => r.decodeRate)),
  };
}

interface Timing {
  /** Tokens per second of the prompt pass (or of encoding). */
  prefillRate: number;
  decodeRate: number;
}

/** n ids of ordinary text (special tokens as the tokenizer adds them), repeated as needed. */
function promptIds(model: Model, n: number): number[] {
  const sentence = requireTokenizer(model.tokenizer, 'qkv bench').encode('The quick brown fox jumps over the lazy dog, and the dog sleeps on. ');
  const ids: number[] = [];
  while (ids.length < n) ids.push(...sentence);
  return ids.slice(0, n);
}

async function timeGenerate(model: Model, ids: number[], newTokens: number): Promise<Timing> {
  const start = performance.now();
  let first = start;
  let count = 0;
  for await (const { token } of model.generate(ids, { max_new_tokens: newTokens, eos_token_id: [] })) {
    if (token >= 0 && count++ === 0) first = performance.now();  // -1: held-back text only
  }
  const end = performance.now();
  // Between the first and the last token: count - 1 single-token passes.
  return {
    prefillRate: (ids.length * 1000) / (first - start),
    decodeRate: count > 1 ? ((count - 1) * 1000) / (end - first) : 0,
  };
}

async function timeEncode(model: Model, ids: number[]): Promise<Timing> {
  const start = performance.now();
  await model.embed([ids]);
  return { prefillRate: (ids.length * 1000) / (performance.now() - start), decodeRate: 0 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
