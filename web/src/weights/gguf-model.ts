/**
 * A GGUF file's metadata and tensor names as the Hub layout qkv's models read:
 * the config.json that llama.cpp's converter (convert_hf_to_gguf.py) read to
 * write the `{arch}.*` keys — with the values llama.cpp itself runs the file
 * with where the converter drops a key — and for each tensor the Hub name it
 * came from and whether the converter permuted its rows for llama.cpp's RoPE
 * (LlamaModel permutes q_proj/k_proj rows; the others do not), so the loader
 * can put them back. Architectures: llama (with Llama 3's rope_freqs), qwen2,
 * qwen3 (gguf-model.ts), gemma3, gpt2 and bert (gguf-archs.ts). Anything the plan
 * cannot express is refused by name before a byte of weights is read.
 */
import { FormatError, UnsupportedError } from '../errors.js';
import type { Pooling } from '../model.js';
import { DEFAULT_EMBEDDING, type EmbeddingDefaults } from '../sentence-transformers.js';
import { planBert, planGemma3, planGpt2 } from './gguf-archs.js';
import type { GgufHeader, GgufValue } from './gguf-header.js';

export interface GgufTensorPlan {
  /** The tensor's name in the GGUF file ('blk.0.attn_q.weight'). */
  gguf: string;
  /** The Hub name it maps to ('model.layers.0.self_attn.q_proj.weight'). */
  hub: string;
  /** Heads whose rows the converter interleaved for RoPE (0: rows in the Hub's order). */
  ropeHeads: number;
}

export interface GgufModelPlan {
  /** general.architecture. */
  architecture: string;
  /** The config.json the Hub checkpoint had, as far as qkv reads it. */
  config: Record<string, unknown>;
  tensors: GgufTensorPlan[];
  /** ggml type names of the tensors ('Q8_0', 'F32', ...), with how many tensors each. */
  types: Record<string, number>;
  /** Encoders: embed()'s default pooling, from {arch}.pooling_type (absent: qkv's default). */
  pooling?: Pooling;
}

/** The `{arch}.*` keys of one file, read with llama.cpp's defaults; errors name the file and key. */
export class GgufKeys {
  constructor(readonly header: GgufHeader, readonly arch: string, readonly file: string) {}

  has(key: string): boolean {
    return this.header.metadata.has(`${this.arch}.${key}`);
  }

  raw(key: string): GgufValue | undefined {
    return this.header.metadata.get(`${this.arch}.${key}`);
  }

  uint(key: string, fallback?: number): number {
    const v = this.raw(key);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new FormatError(`${this.file}: ${v === undefined ? 'lacks' : 'has a non-integer'} metadata key ${this.arch}.${key}`);
    }
    return v;
  }

  float(key: string, fallback?: number): number {
    const v = this.raw(key);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new FormatError(`${this.file}: ${v === undefined ? 'lacks' : 'has a non-number'} metadata key ${this.arch}.${key}`);
    }
    return v;
  }

  /**
   * rope.scaling.*: llama.cpp divides every angle by rope.scaling.factor (or the older rope.scale_linear)
   * whatever rope.scaling.type says, unless that is a type qkv does not run (yarn, longrope).
   */
  linearRopeFactor(): number | undefined {
    const type = this.raw('rope.scaling.type');
    if (type !== undefined && type !== 'none' && type !== 'linear') {
      throw new UnsupportedError(`${this.file}: ${this.arch}.rope.scaling.type ${JSON.stringify(type)} is not supported (qkv runs linear RoPE scaling)`);
    }
    const factor = this.has('rope.scaling.factor') ? this.float('rope.scaling.factor') : this.float('rope.scale_linear', 0);
    if (factor < 0) throw new FormatError(`${this.file}: ${this.arch}.rope.scaling.factor ${factor} is negative`);
    return factor === 0 || factor === 1 ? undefined : factor;
  }

  /**
   * block_count, embedding_length and the attention heads with llama.cpp's defaults (llama-model.cpp):
   * kv heads = heads, head_dim = hidden / heads.
   */
  attention(): { layers: number; hidden: number; heads: number; kvHeads: number; headDim: number } {
    const layers = this.uint('block_count');
    const hidden = this.uint('embedding_length');
    const heads = this.uint('attention.head_count');
    const kvHeads = this.uint('attention.head_count_kv', heads);
    const headDim = this.uint('attention.key_length', heads > 0 ? Math.floor(hidden / heads) : 0);
    if (heads === 0 || kvHeads === 0 || headDim === 0) throw new FormatError(`${this.file}: zero heads or head size`);
    return { layers, hidden, heads, kvHeads, headDim };
  }

  /** attention.head_count of a model with one key/value head per query head (`model` names it in the error). */
  headsWithOwnKv(model: string): number {
    const heads = this.uint('attention.head_count');
    if (heads === 0) throw new FormatError(`${this.file}: zero heads`);
    const kvHeads = this.uint('attention.head_count_kv', heads);
    if (kvHeads !== heads) {
      throw new UnsupportedError(`${this.file}: ${this.arch}.attention.head_count_kv ${kvHeads} differs from head_count ${heads} (${model} has one key/value head per query head)`);
    }
    return heads;
  }

  /** Refuses partial RoPE: rope.dimension_count (default: the head size) must be the head size. */
  requireFullRope(headDim: number): void {
    const ropeDim = this.uint('rope.dimension_count', headDim);
    if (ropeDim !== headDim) {
      throw new UnsupportedError(`${this.file}: ${this.arch}.rope.dimension_count ${ropeDim} differs from the head size ${headDim} (partial RoPE)`);
    }
  }

  /** The vocabulary: {arch}.vocab_size, else the tokenizer's tokens, else token_embd's rows. */
  vocab(): number {
    const embd = this.header.tensors.find((t) => t.name === 'token_embd.weight');
    if (embd === undefined) throw new FormatError(`${this.file}: lacks tensor token_embd.weight`);
    const tokens = this.header.metadata.get('tokenizer.ggml.tokens');
    return this.uint('vocab_size', Array.isArray(tokens) ? tokens.length : embd.dims[1]);
  }
}

/** Refuses a file that lacks any of `required`, naming the first few, before anything is read. */
export function requireTensors(header: GgufHeader, file: string, arch: string, required: string[]): void {
  const names = new Set(header.tensors.map((t) => t.name));
  const missing = required.filter((n) => !names.has(n));
  if (missing.length > 0) {
    throw new FormatError(`${file}: lacks ${missing.length} tensor(s) the ${arch} model needs: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
  }
}

/** The tensors that `hubName` maps, in file order, with the count of each ggml type. */
export function mapTensors(header: GgufHeader, hubName: (name: string) => string | undefined,
  ropeHeads: (name: string) => number = () => 0): Pick<GgufModelPlan, 'tensors' | 'types'> {
  const tensors: GgufTensorPlan[] = [];
  const types: Record<string, number> = {};
  for (const t of header.tensors) {
    const hub = hubName(t.name);
    if (hub === undefined) continue; // a tensor no qkv slot reads: the loader skips it as for safetensors
    types[t.typeName] = (types[t.typeName] ?? 0) + 1;
    tensors.push({ gguf: t.name, hub, ropeHeads: ropeHeads(t.name) });
  }
  return { tensors, types };
}

/** table[key] if the table itself has it (a file's names are data: 'constructor' is no tensor). */
export function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

/** `blk.N.part.suffix` for every layer, part and suffix: the block tensors a model needs. */
export function blockTensorNames(layers: number, parts: readonly string[], suffixes: readonly string[] = ['weight']): string[] {
  const names: string[] = [];
  for (let i = 0; i < layers; i++) for (const part of parts) for (const suffix of suffixes) names.push(`blk.${i}.${part}.${suffix}`);
  return names;
}

/**
 * mapTensors' hubName for a table of global names and one of block parts: `blk.N.part.suffix` ->
 * `${layerPrefix}N.${block[part]}.suffix` (only suffix 'weight' when weightsOnly).
 */
export function hubNamer(globals: Record<string, string>, block: Record<string, string>, layerPrefix: string,
  layers: number, weightsOnly = false): (name: string) => string | undefined {
  return (name) => {
    const global = own(globals, name);
    if (global !== undefined) return global;
    const b = blockTensor(name, layers);
    const part = b === undefined || (weightsOnly && b[2] !== 'weight') ? undefined : own(block, b[1]);
    return b === undefined || part === undefined ? undefined : `${layerPrefix}${b[0]}.${part}.${b[2]}`;
  };
}

/** `blk.N.part.(weight|bias)` -> [N, part, suffix] for N < layers. */
export function blockTensor(name: string, layers: number): [number, string, string] | undefined {
  const m = /^blk\.(\d+)\.([a-z_]+)\.(weight|bias)$/.exec(name);
  if (m === null || Number(m[1]) >= layers) return undefined;
  return [Number(m[1]), m[2], m[3]];
}

// Qwen2 always has q/k/v biases (its config has no key for them); Llama and
// Qwen3 have them when attention_bias says so, i.e. when the file holds them.
const LLAMA_FAMILY: Record<string, { hub: string; permutesQk: boolean }> = {
  llama: { hub: 'LlamaForCausalLM', permutesQk: true },
  qwen2: { hub: 'Qwen2ForCausalLM', permutesQk: false },
  qwen3: { hub: 'Qwen3ForCausalLM', permutesQk: false },
};
const OTHERS: Record<string, (keys: GgufKeys) => GgufModelPlan> = { gemma3: planGemma3, gpt2: planGpt2, bert: planBert };

// llama.cpp's tensor names (gguf-py's constants.py TENSOR_NAMES) -> the Hub's.
const GLOBAL_NAMES: Record<string, string> = {
  'token_embd.weight': 'model.embed_tokens.weight',
  'output_norm.weight': 'model.norm.weight',
  'output.weight': 'lm_head.weight',
  // Llama 3's rope_scaling, as the converter writes it: per-pair divisors of the frequencies.
  'rope_freqs.weight': 'rope_freqs.weight',
};
const BLOCK_NAMES: Record<string, string> = {
  attn_norm: 'input_layernorm',
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_output: 'self_attn.o_proj',
  attn_q_norm: 'self_attn.q_norm',
  attn_k_norm: 'self_attn.k_norm',
  ffn_norm: 'post_attention_layernorm',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
};

/** embed()'s defaults for an encoder from a GGUF: the file's pooling (else qkv's mean), not normalized. */
export function ggufEmbeddingDefaults(plan: GgufModelPlan): EmbeddingDefaults {
  return plan.pooling === undefined ? DEFAULT_EMBEDDING : Object.freeze({ ...DEFAULT_EMBEDDING, pooling: plan.pooling });
}

/** Reads the model a GGUF header describes; `file` names it in errors. */
export function planGgufModel(header: GgufHeader, file: string): GgufModelPlan {
  const arch = header.metadata.get('general.architecture');
  if (typeof arch !== 'string') throw new FormatError(`${file}: no general.architecture string`);
  const other = own(OTHERS, arch);
  if (other !== undefined) return other(new GgufKeys(header, arch, file));
  const known = own(LLAMA_FAMILY, arch);
  if (known === undefined) {
    const all = [...Object.keys(LLAMA_FAMILY), ...Object.keys(OTHERS)];
    throw new UnsupportedError(`${file}: GGUF architecture "${arch}" is not supported; qkv reads ${all.join(', ')}`);
  }
  const keys = new GgufKeys(header, arch, file);
  const { layers, hidden, heads, kvHeads, headDim } = keys.attention();
  keys.requireFullRope(headDim);
  const factor = keys.linearRopeFactor();
  const names = new Set(header.tensors.map((t) => t.name));
  const ropeFreqs = header.tensors.find((t) => t.name === 'rope_freqs.weight');
  if (ropeFreqs !== undefined) {
    if (arch !== 'llama') throw new UnsupportedError(`${file}: tensor rope_freqs.weight in a ${arch} model`);
    if (factor !== undefined) throw new UnsupportedError(`${file}: both rope_freqs.weight and ${arch}.rope.scaling.factor ${factor}`);
    if (ropeFreqs.dims.length !== 1 || ropeFreqs.dims[0] !== headDim / 2) {
      throw new FormatError(`${file}: rope_freqs.weight has dims [${ropeFreqs.dims.join(', ')}], but a head of ${headDim} has ${headDim / 2} RoPE frequencies`);
    }
  }
  const hasBias = names.has('blk.0.attn_q.bias');
  const config: Record<string, unknown> = {
    architectures: [known.hub],
    model_type: arch,
    hidden_size: hidden,
    intermediate_size: keys.uint('feed_forward_length'),
    num_hidden_layers: layers,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: headDim,
    rms_norm_eps: keys.float('attention.layer_norm_rms_epsilon'),
    rope_theta: keys.float('rope.freq_base', 10000),
    rope_scaling: factor === undefined ? null : { rope_type: 'linear', factor },
    max_position_embeddings: keys.uint('context_length'),
    vocab_size: keys.vocab(),
    tie_word_embeddings: !names.has('output.weight'),
    hidden_act: 'silu',
  };
  if (arch !== 'qwen2') config.attention_bias = hasBias;
  if (arch !== 'llama') config.use_sliding_window = false;
  // qkv's own key: the frequencies are divided by the tensor's factors, as llama.cpp's rope does.
  if (ropeFreqs !== undefined) config.rope_freqs_tensor = true;

  // Every tensor the model reads, named before any weight is read (the loader
  // would name a missing one only once the others had streamed in).
  const required = ['token_embd.weight', 'output_norm.weight'];
  const perLayer = ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down'];
  if (arch === 'qwen3') perLayer.push('attn_q_norm', 'attn_k_norm');
  for (let i = 0; i < layers; i++) {
    for (const part of perLayer) required.push(`blk.${i}.${part}.weight`);
    if (arch === 'qwen2' || hasBias) for (const part of ['attn_q', 'attn_k', 'attn_v']) required.push(`blk.${i}.${part}.bias`);
  }
  requireTensors(header, file, arch, required);

  const hubName = hubNamer(GLOBAL_NAMES, BLOCK_NAMES, 'model.layers.', layers);
  const ropeHeads = (name: string): number => {
    if (known.permutesQk && /^blk\.\d+\.attn_q\./.test(name)) return heads;
    if (known.permutesQk && /^blk\.\d+\.attn_k\./.test(name)) return kvHeads;
    return 0;
  };
  return { architecture: arch, config, ...mapTensors(header, hubName, ropeHeads) };
}
