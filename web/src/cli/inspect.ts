/**
 * qkv inspect: what a model is (from its config.json and safetensors
 * headers) and what it costs here once loaded (dtype, wasm memory, threads);
 * for a GGUF model, its headers alone (inspect-gguf.ts).
 */
import { backendInfo } from '../index.js';
import type { Command } from './command.js';
import { join, readJson, summarizeWeights } from './checkpoint.js';
import { formatBytes, formatCount, formatMs, formatTable, relaxedSimdLine } from './format.js';
import { isGgufSource, runInspectGguf } from './inspect-gguf.js';
import { modelFolder, openModel } from './load.js';

export const inspectCommand: Command = {
  name: 'inspect',
  usage: '<model>',
  summary: 'architecture, parameters, layers/heads/width, vocab, context, dtype, memory, runtime',
  details: [
    'Loads the model and prints one "name  value" line per property; --json prints them as an object.',
    'Parameters are counted from the safetensors headers (buffers such as attention masks left out).',
    'A GGUF model (a .gguf file, its URL, a split model\'s first part, or a Hub id with --file or --quant) is',
    'not loaded: its headers give the version, architecture, hyper-parameters, tokenizer, chat template, every',
    'metadata key (long arrays as their first elements) and the tensors with their ggml types and sizes.',
  ],
  positionals: { min: 1, max: 1 },
  options: [{ name: 'json', type: 'boolean', description: 'print the properties as one JSON object' }],
  examples: ['qkv inspect tests/fixtures/llama-tiny', 'qkv inspect HuggingFaceTB/SmolLM2-135M --revision main', 'qkv inspect tests/fixtures/gpt2-tiny --dtype q8 --json',
    'qkv inspect model.gguf', 'qkv inspect Qwen/Qwen3-0.6B-GGUF --quant Q8_0 --json'],
  async run(args) {
    const [source] = args.positionals as [string];
    if (isGgufSource(source, args)) return runInspectGguf(source, args);
    const folder = await modelFolder(source, args);
    const config = await readJson(join(folder, 'config.json'));
    const weights = await summarizeWeights(folder);
    const { model, loadMs } = await openModel(folder, args);
    try {
      const { info } = model;
      const runtime = await backendInfo();
      const int = (...keys: string[]): number | undefined => {
        for (const key of keys) if (Number.isInteger(config[key])) return config[key] as number;
        return undefined;
      };
      const { nHeadKv, headDim } = info;
      const nFf = int('intermediate_size', 'n_inner') ?? 4 * info.nEmbd; // GPT-2's n_inner: null means 4x
      const facts = {
        model: source,
        architecture: info.architecture,
        capabilities: info.capabilities,
        parameters: weights.parameters,
        layers: info.nLayer,
        heads: info.nHead,
        kvHeads: nHeadKv,
        headDim,
        width: info.nEmbd,
        ffnWidth: nFf,
        vocab: info.nVocab,
        tokenizerVocab: model.tokenizer?.vocabSize ?? null,
        context: info.nCtx,
        dtype: info.dtype,
        checkpointDtypes: weights.dtypes,
        weightBytes: info.weightBytes,
        fileBytes: weights.fileBytes,
        flavour: runtime.flavour,
        relaxedSimd: runtime.relaxedSimd,
        ...(runtime.relaxedSimdReason === undefined ? {} : { relaxedSimdReason: runtime.relaxedSimdReason }),
        threads: runtime.numThreads,
        maxThreads: runtime.maxThreads,
        simd: runtime.simd,
        loadMs: Math.round(loadMs),
      };
      if (args.flag('json')) {
        process.stdout.write(`${JSON.stringify(facts, null, 2)}\n`);
        return;
      }
      const kv = nHeadKv === info.nHead ? '' : `, ${nHeadKv} key/value heads`;
      process.stdout.write(`${formatTable([
        ['model', source],
        ['architecture', `${facts.architecture} (${facts.capabilities.join(', ')})`],
        ['parameters', `${formatCount(facts.parameters)} (${facts.parameters.toLocaleString('en-US')})`],
        ['layers', String(facts.layers)],
        ['heads', `${facts.heads} (head dim ${headDim}${kv})`],
        ['width', `${facts.width} (feed-forward ${nFf})`],
        ['vocab', `${facts.vocab} (${facts.tokenizerVocab === null ? 'no tokenizer' : `tokenizer.json: ${facts.tokenizerVocab}`})`],
        ['context', `${facts.context} positions`],
        ['dtype', `${facts.dtype} in memory (checkpoint ${facts.checkpointDtypes.join(', ')})`],
        ['weights', `${formatBytes(facts.weightBytes)} in wasm memory (files ${formatBytes(facts.fileBytes)})`],
        ['runtime', `${facts.flavour}, ${facts.threads} thread(s) of ${facts.maxThreads} started, SIMD ${facts.simd}`],
        ['relaxed SIMD', relaxedSimdLine(runtime)],
        ['load time', formatMs(loadMs)],
      ])}\n`);
    } finally {
      model.dispose();
    }
  },
};
