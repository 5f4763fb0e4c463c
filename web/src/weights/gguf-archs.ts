/**
 * The GGUF architectures whose Hub layout is not LLaMA's: gemma3 (Gemma 3
 * text), gpt2 and bert. Each reads the `{arch}.*` keys as llama.cpp's model loader
 * does (src/models/<arch>.cpp: its defaults, and the values it fixes where the
 * converter writes no key) and maps llama.cpp's tensor names to the Hub's.
 */
import { FormatError, UnsupportedError } from '../errors.js';
import type { Pooling } from '../model.js';
import { blockTensorNames, hubNamer, mapTensors, own, requireTensors, type GgufKeys, type GgufModelPlan } from './gguf-model.js';

const GEMMA3_GLOBAL: Record<string, string> = {
  'token_embd.weight': 'model.embed_tokens.weight',
  'output_norm.weight': 'model.norm.weight',
  'output.weight': 'lm_head.weight',
};
const GEMMA3_BLOCK: Record<string, string> = {
  attn_norm: 'input_layernorm',
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_output: 'self_attn.o_proj',
  attn_q_norm: 'self_attn.q_norm',
  attn_k_norm: 'self_attn.k_norm',
  post_attention_norm: 'post_attention_layernorm',
  ffn_norm: 'pre_feedforward_layernorm',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
  post_ffw_norm: 'post_feedforward_layernorm',
};

/**
 * Gemma 3 (Gemma3ForCausalLM) as llama.cpp runs it (llama_model_gemma3):
 * - sliding layers only with attention.sliding_window > 0; which ones, from
 *   attention.sliding_window_pattern (a period n: layer i slides unless
 *   i % n == n - 1; or a bool per layer), 6 when absent;
 * - their RoPE base rope.freq_base_swa (10000 when absent), unscaled; the
 *   full layers' rope.freq_base with rope.scaling.factor;
 * - queries scaled by 1/sqrt(head_dim) (1/sqrt(hidden / heads) for the
 *   62-layer 27B), whatever query_pre_attn_scalar the checkpoint had;
 * - norm gains stored as 1 + weight (the converter adds the one), which
 *   qkv's key norm_weights_include_one tells the model not to add again.
 */
export function planGemma3(keys: GgufKeys): GgufModelPlan {
  const { header, arch, file } = keys;
  const { layers, hidden, heads, kvHeads, headDim } = keys.attention();
  const valueDim = keys.uint('attention.value_length', headDim);
  if (valueDim !== headDim) {
    throw new UnsupportedError(`${file}: ${arch}.attention.value_length ${valueDim} differs from key_length ${headDim}`);
  }
  keys.requireFullRope(headDim);
  const window = keys.uint('attention.sliding_window', 0);
  const sliding: boolean[] = new Array<boolean>(layers).fill(false);
  if (window > 0) {
    const pattern = keys.raw('attention.sliding_window_pattern');
    if (Array.isArray(pattern)) {
      if (pattern.length !== layers || !pattern.every((v) => typeof v === 'boolean')) {
        throw new FormatError(`${file}: ${arch}.attention.sliding_window_pattern is not ${layers} booleans`);
      }
      pattern.forEach((v, i) => { sliding[i] = v as boolean; });
    } else {
      const period = keys.uint('attention.sliding_window_pattern', 6);
      for (let i = 0; i < layers; i++) sliding[i] = period === 0 || i % period < period - 1;
    }
  }
  const factor = keys.linearRopeFactor();
  const names = new Set(header.tensors.map((t) => t.name));
  const softcap = keys.float('final_logit_softcapping', 0);
  const config: Record<string, unknown> = {
    architectures: ['Gemma3ForCausalLM'],
    model_type: 'gemma3_text',
    vocab_size: keys.vocab(),
    hidden_size: hidden,
    intermediate_size: keys.uint('feed_forward_length'),
    num_hidden_layers: layers,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: headDim,
    max_position_embeddings: keys.uint('context_length'),
    rms_norm_eps: keys.float('attention.layer_norm_rms_epsilon'),
    query_pre_attn_scalar: layers === 62 ? Math.floor(hidden / heads) : headDim,
    hidden_activation: 'gelu_pytorch_tanh',
    final_logit_softcapping: softcap === 0 ? null : softcap,
    layer_types: sliding.map((s) => (s ? 'sliding_attention' : 'full_attention')),
    sliding_window: window > 0 ? window : null,
    rope_theta: keys.float('rope.freq_base', 10000),
    rope_local_base_freq: keys.float('rope.freq_base_swa', 10000),
    rope_scaling: factor === undefined ? null : { rope_type: 'linear', factor },
    tie_word_embeddings: !names.has('output.weight'),
    attention_bias: false,
    norm_weights_include_one: true,
  };
  requireTensors(header, file, arch, ['token_embd.weight', 'output_norm.weight', ...blockTensorNames(layers, Object.keys(GEMMA3_BLOCK))]);
  const hubName = hubNamer(GEMMA3_GLOBAL, GEMMA3_BLOCK, 'model.layers.', layers, true);
  return { architecture: arch, config, ...mapTensors(header, hubName) };
}

const BOTH = ['weight', 'bias'];

const GPT2_GLOBAL: Record<string, string> = {
  'token_embd.weight': 'wte.weight',
  'position_embd.weight': 'wpe.weight',
  'output_norm.weight': 'ln_f.weight',
  'output_norm.bias': 'ln_f.bias',
};
const GPT2_BLOCK: Record<string, string> = {
  attn_norm: 'ln_1',
  attn_qkv: 'attn.c_attn',
  attn_output: 'attn.c_proj',
  ffn_norm: 'ln_2',
  ffn_up: 'mlp.c_fc',
  ffn_down: 'mlp.c_proj',
};

/**
 * GPT-2 (GPT2LMHeadModel) as llama.cpp runs it (llama_model_gpt2): LayerNorm
 * with attention.layer_norm_epsilon, tanh GELU, learned positions
 * (position_embd, one row per context_length position), the LM head tied to
 * token_embd. The converter stores the Conv1D weights transposed ([out, in],
 * as nn.Linear's): qkv's key linear_weights_out_in.
 */
export function planGpt2(keys: GgufKeys): GgufModelPlan {
  const { header, arch, file } = keys;
  const layers = keys.uint('block_count');
  const hidden = keys.uint('embedding_length');
  const heads = keys.headsWithOwnKv('GPT-2');
  const names = new Set(header.tensors.map((t) => t.name));
  if (names.has('output.weight')) {
    throw new UnsupportedError(`${file}: tensor output.weight (an LM head of its own); qkv's GPT-2 ties the head to token_embd.weight`);
  }
  const context = keys.uint('context_length');
  const config: Record<string, unknown> = {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: keys.vocab(),
    n_embd: hidden,
    n_layer: layers,
    n_head: heads,
    n_positions: context,
    n_ctx: context,
    n_inner: keys.uint('feed_forward_length', 4 * hidden),
    layer_norm_epsilon: keys.float('attention.layer_norm_epsilon'),
    activation_function: 'gelu_new',
    linear_weights_out_in: true,
  };
  requireTensors(header, file, arch, [...Object.keys(GPT2_GLOBAL), ...blockTensorNames(layers, Object.keys(GPT2_BLOCK), BOTH)]);
  const hubName = hubNamer(GPT2_GLOBAL, GPT2_BLOCK, 'h.', layers);
  return { architecture: arch, config, ...mapTensors(header, hubName) };
}

const BERT_GLOBAL: Record<string, string> = {
  'token_embd.weight': 'embeddings.word_embeddings.weight',
  'token_types.weight': 'embeddings.token_type_embeddings.weight',
  'position_embd.weight': 'embeddings.position_embeddings.weight',
  'token_embd_norm.weight': 'embeddings.LayerNorm.weight',
  'token_embd_norm.bias': 'embeddings.LayerNorm.bias',
};
const BERT_BLOCK: Record<string, string> = {
  attn_q: 'attention.self.query',
  attn_k: 'attention.self.key',
  attn_v: 'attention.self.value',
  attn_output: 'attention.output.dense',
  attn_output_norm: 'attention.output.LayerNorm',
  ffn_up: 'intermediate.dense',
  ffn_down: 'output.dense',
  layer_output_norm: 'output.LayerNorm',
};

// llama.cpp's enum llama_pooling_type (bert.pooling_type) -> embed()'s pooling; 0 (none) and absent leave qkv's default.
const BERT_POOLING: Record<string, Pooling> = { 1: 'mean', 2: 'cls', 3: 'last_token' };

/**
 * BERT (BertModel) as llama.cpp runs it (llama_model_bert): bidirectional
 * attention, absolute positions, token type 0, LayerNorm with
 * attention.layer_norm_epsilon, and llama.cpp's tanh GELU (transformers' BERT
 * uses the erf form; a file holds no key for it, and llama.cpp's is the
 * reference here). bert.pooling_type becomes embed()'s default pooling.
 */
export function planBert(keys: GgufKeys): GgufModelPlan {
  const { header, arch, file } = keys;
  const layers = keys.uint('block_count');
  const hidden = keys.uint('embedding_length');
  const heads = keys.headsWithOwnKv('BERT');
  if (keys.raw('attention.causal') === true) {
    throw new UnsupportedError(`${file}: ${arch}.attention.causal is true (qkv's BERT runs the bidirectional encoder)`);
  }
  const poolingType = keys.uint('pooling_type', 0);
  let pooling: Pooling | undefined;
  if (poolingType !== 0) {
    pooling = own(BERT_POOLING, String(poolingType));
    if (pooling === undefined) {
      throw new UnsupportedError(`${file}: ${arch}.pooling_type ${poolingType} is not supported (qkv pools with 1 mean, 2 cls, 3 last)`);
    }
  }
  const typeCount = header.metadata.get('tokenizer.ggml.token_type_count');
  const config: Record<string, unknown> = {
    architectures: ['BertModel'],
    model_type: 'bert',
    vocab_size: keys.vocab(),
    hidden_size: hidden,
    num_hidden_layers: layers,
    num_attention_heads: heads,
    intermediate_size: keys.uint('feed_forward_length'),
    max_position_embeddings: keys.uint('context_length'),
    type_vocab_size: typeof typeCount === 'number' && typeCount > 0 ? typeCount : 2,
    layer_norm_eps: keys.float('attention.layer_norm_epsilon'),
    hidden_act: 'gelu_pytorch_tanh',
    position_embedding_type: 'absolute',
  };
  const types = header.tensors.find((t) => t.name === 'token_types.weight');
  if (types !== undefined) config.type_vocab_size = types.dims[1] ?? 1;
  requireTensors(header, file, arch, [...Object.keys(BERT_GLOBAL), ...blockTensorNames(layers, Object.keys(BERT_BLOCK), BOTH)]);
  const hubName = hubNamer(BERT_GLOBAL, BERT_BLOCK, 'encoder.layer.', layers);
  return { architecture: arch, config, ...mapTensors(header, hubName), ...(pooling !== undefined ? { pooling } : {}) };
}
