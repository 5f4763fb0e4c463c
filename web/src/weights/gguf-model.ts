/**
 * A GGUF file's metadata and tensor names as the Hub layout qkv's models read:
 * the config.json that llama.cpp's converter (convert_hf_to_gguf.py) read to
 * write the `{arch}.*` keys, and for each tensor the Hub name it came from and
 * whether the converter permuted its rows for llama.cpp's RoPE (LlamaModel
 * permutes q_proj/k_proj rows; Qwen2 and Qwen3 do not), so the loader can put
 * them back. Architectures: llama, qwen2, qwen3. Anything the plan cannot
 * express is refused by name before a byte of weights is read.
 */
import { FormatError, UnsupportedError } from '../errors.js';
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
}

// Qwen2 always has q/k/v biases (its config has no key for them); Llama and
// Qwen3 have them when attention_bias says so, i.e. when the file holds them.
const ARCHITECTURES: Record<string, { hub: string; permutesQk: boolean }> = {
  llama: { hub: 'LlamaForCausalLM', permutesQk: true },
  qwen2: { hub: 'Qwen2ForCausalLM', permutesQk: false },
  qwen3: { hub: 'Qwen3ForCausalLM', permutesQk: false },
};

// llama.cpp's tensor names (gguf-py's constants.py TENSOR_NAMES) -> the Hub's.
const GLOBAL_NAMES: Record<string, string> = {
  'token_embd.weight': 'model.embed_tokens.weight',
  'output_norm.weight': 'model.norm.weight',
  'output.weight': 'lm_head.weight',
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

/** Reads the model a GGUF header describes; `file` names it in errors. */
export function planGgufModel(header: GgufHeader, file: string): GgufModelPlan {
  const meta = header.metadata;
  const arch = meta.get('general.architecture');
  if (typeof arch !== 'string') throw new FormatError(`${file}: no general.architecture string`);
  const known = ARCHITECTURES[arch];
  if (known === undefined) {
    throw new UnsupportedError(`${file}: GGUF architecture "${arch}" is not supported; qkv reads ${Object.keys(ARCHITECTURES).join(', ')}`);
  }
  const uint = (key: string, fallback?: number): number => {
    const v = meta.get(`${arch}.${key}`);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new FormatError(`${file}: ${v === undefined ? 'lacks' : 'has a non-integer'} metadata key ${arch}.${key}`);
    }
    return v;
  };
  const float = (key: string, fallback?: number): number => {
    const v = meta.get(`${arch}.${key}`);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new FormatError(`${file}: ${v === undefined ? 'lacks' : 'has a non-number'} metadata key ${arch}.${key}`);
    }
    return v;
  };
  const layers = uint('block_count');
  const hidden = uint('embedding_length');
  const heads = uint('attention.head_count');
  // llama.cpp's defaults (llama-model.cpp): kv heads = heads, head_dim = hidden / heads.
  const kvHeads = uint('attention.head_count_kv', heads);
  const headDim = uint('attention.key_length', heads > 0 ? Math.floor(hidden / heads) : 0);
  if (heads === 0 || kvHeads === 0 || headDim === 0) throw new FormatError(`${file}: zero heads or head size`);
  const ropeDim = uint('rope.dimension_count', headDim);
  if (ropeDim !== headDim) {
    throw new UnsupportedError(`${file}: ${arch}.rope.dimension_count ${ropeDim} differs from the head size ${headDim} (partial RoPE)`);
  }
  const scaling = meta.get(`${arch}.rope.scaling.type`);
  let ropeScaling: Record<string, unknown> | null = null;
  if (scaling === 'linear') {
    ropeScaling = { rope_type: 'linear', factor: float('rope.scaling.factor') };
  } else if (scaling !== undefined && scaling !== 'none') {
    throw new UnsupportedError(`${file}: ${arch}.rope.scaling.type ${JSON.stringify(scaling)} is not supported`);
  }
  const names = new Set(header.tensors.map((t) => t.name));
  if (names.has('rope_freqs.weight')) {
    // Llama 3's rope_type llama3 is stored as per-frequency factors; recovering its parameters is a later slice.
    throw new UnsupportedError(`${file}: tensor rope_freqs.weight (Llama 3 RoPE factors) is not supported yet`);
  }
  const embd = header.tensors.find((t) => t.name === 'token_embd.weight');
  if (embd === undefined) throw new FormatError(`${file}: lacks tensor token_embd.weight`);
  const vocab = uint('vocab_size', tokenCount(meta.get('tokenizer.ggml.tokens')) ?? embd.dims[1]);
  const hasBias = names.has('blk.0.attn_q.bias');
  const config: Record<string, unknown> = {
    architectures: [known.hub],
    model_type: arch,
    hidden_size: hidden,
    intermediate_size: uint('feed_forward_length'),
    num_hidden_layers: layers,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: headDim,
    rms_norm_eps: float('attention.layer_norm_rms_epsilon'),
    rope_theta: float('rope.freq_base', 10000),
    rope_scaling: ropeScaling,
    max_position_embeddings: uint('context_length'),
    vocab_size: vocab,
    tie_word_embeddings: !names.has('output.weight'),
    hidden_act: 'silu',
  };
  if (arch !== 'qwen2') config.attention_bias = hasBias;
  if (arch !== 'llama') config.use_sliding_window = false;

  // Every tensor the model reads, named before any weight is read (the loader
  // would name a missing one only once the others had streamed in).
  const required = ['token_embd.weight', 'output_norm.weight'];
  const perLayer = ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down'];
  if (arch === 'qwen3') perLayer.push('attn_q_norm', 'attn_k_norm');
  for (let i = 0; i < layers; i++) {
    for (const part of perLayer) required.push(`blk.${i}.${part}.weight`);
    if (arch === 'qwen2' || hasBias) for (const part of ['attn_q', 'attn_k', 'attn_v']) required.push(`blk.${i}.${part}.bias`);
  }
  const missing = required.filter((n) => !names.has(n));
  if (missing.length > 0) {
    throw new FormatError(`${file}: lacks ${missing.length} tensor(s) the ${arch} model needs: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
  }

  const tensors: GgufTensorPlan[] = [];
  const types: Record<string, number> = {};
  for (const t of header.tensors) {
    const hub = hubName(t.name, layers);
    if (hub === undefined) continue; // a tensor no qkv slot reads: the loader skips it as for safetensors
    types[t.typeName] = (types[t.typeName] ?? 0) + 1;
    let ropeHeads = 0;
    if (known.permutesQk && /^blk\.\d+\.attn_q\./.test(t.name)) ropeHeads = heads;
    if (known.permutesQk && /^blk\.\d+\.attn_k\./.test(t.name)) ropeHeads = kvHeads;
    tensors.push({ gguf: t.name, hub, ropeHeads });
  }
  return { architecture: arch, config, tensors, types };
}

function tokenCount(tokens: GgufValue | undefined): number | undefined {
  return Array.isArray(tokens) ? tokens.length : undefined;
}

function hubName(name: string, layers: number): string | undefined {
  const global = GLOBAL_NAMES[name];
  if (global !== undefined) return global;
  const m = /^blk\.(\d+)\.([a-z_]+)\.(weight|bias)$/.exec(name);
  if (m === null || Number(m[1]) >= layers) return undefined;
  const part = BLOCK_NAMES[m[2]];
  return part === undefined ? undefined : `model.layers.${m[1]}.${part}.${m[3]}`;
}
