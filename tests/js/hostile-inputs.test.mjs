// Hostile inputs through the public API (issue 7): broken safetensors files,
// configs that disagree with their weights or would not fit in wasm memory,
// bad generation options and ids, use after dispose(), concurrent calls and
// aborts at every stage. Each case must fail with the right QkvError
// subclass and a message naming the problem; afterwards a valid model still
// loads and reproduces PyTorch's greedy ids in the same wasm instance.
// gpt2-suite.mjs already covers: dtype 'int4', a missing folder, a file cut
// 100 bytes short, 16 zero bytes, a T5 architecture, config '{', HTTP 404,
// n_layer 3 / n_embd 64 configs, id 50257 and 65 ids in forward(),
// temperature -1, an unknown option, pre-aborted signals, abort mid-download.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { idsOnlyFiles, reference } from './fixtures.mjs';
import {
  assertFreshModelWorks, assertGreedy, buildSafetensors, drain, encodeJson, expectError, filesOf, read,
  smallTokenizer, splitSafetensors, tensorsInOrder, wasmHeap,
} from './hostile-files.mjs';
import {
  FormatError, InvalidArgumentError, OutOfMemoryError, QkvError, UnsupportedError, loadModel,
} from '../../dist/index.js';

const GPT2 = 'gpt2-tiny';
const weights = read(GPT2, 'model.safetensors');
const config = JSON.parse(read(GPT2, 'config.json'));
let cases = 0;
let model; // a long-lived gpt2-tiny that every case must leave working

before(async () => {
  model = await loadModel(filesOf(GPT2, {}, { fullTokenizer: true }));
});
after(() => {
  model?.dispose();
  console.log(`hostile-inputs: ${cases} cases`);
});

/** One case: the load fails as expected, then a fresh model loads and the long-lived one still works. */
async function rejectLoad(what, files, Class, pattern, options) {
  if (files instanceof Uint8Array) files = withWeights(files);
  cases++;
  await expectError(() => loadModel(files, options), Class, pattern, what);
  await assertFreshModelWorks();
}

const withWeights = (w) => filesOf(GPT2, { weights: w });

function withHeader(edit) {
  const { header, data } = splitSafetensors(weights);
  const h = structuredClone(header);
  edit(h);
  return buildSafetensors(h, data);
}

test('safetensors cut at every boundary class: in the 8-byte prefix, in the header, at each tensor', async () => {
  const { headerLength } = splitSafetensors(weights);
  const cuts = [
    [0, /0 bytes is too short/], [1, /1 bytes is too short/], [4, /too short/], [7, /too short/],
    [8, /header length \d+ does not fit the 8-byte file/],
    [8 + 1, /header length/], [8 + (headerLength >> 1), /header length/], [8 + headerLength - 1, /header length/],
  ];
  for (const t of tensorsInOrder(weights)) {
    for (const at of [t.begin, t.begin + ((t.end - t.begin) >> 1), t.end - 1]) {
      cuts.push([at, new RegExp(`tensors end at byte ${weights.length}, past the end of the ${at}-byte file \\(truncated\\?\\)`)]);
    }
  }
  assert.ok(cuts.length >= 8 + 3 * 28);
  for (const [at, pattern] of cuts) {
    cases++;
    await expectError(() => loadModel(withWeights(weights.subarray(0, at))), FormatError, pattern, `cut at ${at}`);
  }
  await assertFreshModelWorks();
  await assertGreedy(model);
});

test('header lengths past the end, over the limit, empty, and headers that are not safetensors', async () => {
  const { header, data } = splitSafetensors(weights);
  const withLength = (n) => {
    const w = new Uint8Array(weights);
    new DataView(w.buffer).setBigUint64(0, n, true);
    return w;
  };
  await rejectLoad('length = file size', withWeights(withLength(BigInt(weights.length))), FormatError,
    /header length 6545576 does not fit the 6545576-byte file/);
  await rejectLoad('length 2^64 - 1', withWeights(withLength(2n ** 64n - 1n)), FormatError, /header length \d+ does not fit/);
  await rejectLoad('length 2^53 + 1', withWeights(withLength(2n ** 53n + 1n)), FormatError, /header length \d+ does not fit/);
  await rejectLoad('length 0', withWeights(withLength(0n)), FormatError, /header|JSON/i);
  await rejectLoad('header not JSON', withWeights(buildSafetensors('{"a": ', data)), FormatError, /model\.safetensors header/);
  await rejectLoad('header an array', withWeights(buildSafetensors('[]', data)), FormatError, /must be a JSON object, found an array/);
  await rejectLoad('tensor not an object', withWeights(buildSafetensors({ ...header, x: 5 }, data)), FormatError,
    /tensor "x" must be an object/);
  await rejectLoad('unknown field', withHeader((h) => { h['transformer.wte.weight'].extra = 1; }), FormatError,
    /tensor "transformer\.wte\.weight" has an unknown field "extra"/);
  await rejectLoad('metadata not strings', withHeader((h) => { h.__metadata__ = { a: 1 }; }), FormatError,
    /__metadata__ value "a" must be a string/);
});

test('overlapping, out-of-range, reversed and gapped data offsets', async () => {
  const order = tensorsInOrder(weights).map((t) => t.name);
  const [first, second] = order;
  const last = order[order.length - 1];
  await rejectLoad('overlap', withHeader((h) => {
    const [a] = h[first].data_offsets;
    h[second].data_offsets = [a + 4, a + 4 + h[second].data_offsets[1] - h[second].data_offsets[0]];
  }), FormatError, /overlaps the tensor before it/);
  await rejectLoad('two tensors at one offset', withHeader((h) => {
    h[second].data_offsets = [...h[first].data_offsets];
    h[second].shape = [...h[first].shape];
  }), FormatError, /overlaps the tensor before it/);
  await rejectLoad('past the end', withHeader((h) => {
    const [a, b] = h[last].data_offsets;
    h[last].data_offsets = [a + 1024, b + 1024];
  }), FormatError, /leaves a gap/);
  await rejectLoad('offsets 2^60', withHeader((h) => {
    const [a, b] = h[last].data_offsets;
    h[last].data_offsets = [2 ** 40, 2 ** 40 + b - a];
  }), FormatError, /tensor "transformer\.\S+" at data offset 1099511627776 leaves a gap/);
  await rejectLoad('offsets past 2^64', withHeader((h) => { h[last].data_offsets = [1, '18446744073709551617']; }), FormatError,
    /data_offsets must be two non-negative integers/);
  await rejectLoad('negative offset', withHeader((h) => { h[first].data_offsets = [-4, 0]; }), FormatError,
    /data_offsets must be two non-negative integers/);
  await rejectLoad('end before begin', withHeader((h) => { h[first].data_offsets = [8, 4]; }), FormatError,
    /data_offsets end 4 is before begin 8/);
  await rejectLoad('span disagrees with shape', withHeader((h) => { h[first].data_offsets[1] -= 4; }), FormatError,
    /data_offsets span \d+ bytes, but F32 of this shape needs \d+/);
  await rejectLoad('three offsets', withHeader((h) => { h[first].data_offsets.push(7); }), FormatError, /data_offsets must be two/);
});

test('shapes: products past 32 and 64 bits, dims of 0 and 2^31, negative and fractional dims', async () => {
  // An extra tensor the model does not use still has to tile the file.
  const extra = (shape, dtype = 'F32') => withHeader((h) => {
    const end = weights.length - 8 - splitSafetensors(weights).headerLength;
    const size = shape.reduce((a, b) => a * BigInt(b), 1n) * (dtype === 'F32' ? 4n : 1n);
    h.extra = { dtype, shape, data_offsets: [end, Number(BigInt(end) + size)] };
  });
  await rejectLoad('2^16 x 2^16 (16 GB past the file)', withWeights(extra([65536, 65536])), FormatError,
    /past the end of the \d+-byte file/);
  await rejectLoad('2^31 x 3 (2^32 wraps to small in 32 bits)', withWeights(extra([2 ** 31, 3], 'U8')), FormatError,
    /past the end of the \d+-byte file/);
  await rejectLoad('2^32 x 2^32 x 2^32', withHeader((h) => { h.extra = { dtype: 'F32', shape: [2 ** 32, 2 ** 32, 2 ** 32], data_offsets: [0, 0] }; }),
    FormatError, /tensor "extra": shape's element count overflows 64 bits/);
  await rejectLoad('2^31 x 2^31 F32 bytes overflow', withHeader((h) => { h.extra = { dtype: 'F64', shape: [2 ** 31, 2 ** 31, 2], data_offsets: [0, 0] }; }),
    FormatError, /byte size overflows 64 bits/);
  await rejectLoad('dim 2^31 on a used tensor', withHeader((h) => { h['transformer.ln_f.bias'].shape = [2 ** 31]; }), FormatError,
    /transformer\.ln_f\.bias.*data_offsets span 128 bytes, but F32 of this shape needs 8589934592/);
  await rejectLoad('dim 0 on a used tensor', withHeader((h) => {
    const t = h['transformer.ln_f.bias'];
    t.shape = [0];
    t.data_offsets = [t.data_offsets[0], t.data_offsets[0]];
  }), FormatError, /gap|transformer\.ln_f\.bias.*has shape \[0\], but config\.json implies \[32\]/);
  await rejectLoad('negative dim', withHeader((h) => { h['transformer.ln_f.bias'].shape = [-32]; }), FormatError,
    /shape\[0\] must be a non-negative integer, found -32/);
  await rejectLoad('fractional dim', withHeader((h) => { h['transformer.ln_f.bias'].shape = [31.5]; }), FormatError,
    /shape\[0\] must be a non-negative integer/);
  await rejectLoad('transposed matrix', withHeader((h) => { h['transformer.h.0.mlp.c_fc.weight'].shape.reverse(); }), FormatError,
    /c_fc\.weight" has shape \[128, 32\], but config\.json implies \[32, 128\]/);
  // A zero-sized tensor the model does not use is legal; the model still loads.
  cases++;
  const zero = withHeader((h) => { h.empty = { dtype: 'F32', shape: [0, 7], data_offsets: [0, 0] }; });
  const m = await loadModel(withWeights(zero));
  await assertGreedy(m);
  m.dispose();
});

test('unsupported dtypes and architectures', async () => {
  const to = (dtype, size) => withHeader((h) => {
    const t = h['transformer.ln_f.bias'];
    t.dtype = dtype;
    t.shape = [(t.data_offsets[1] - t.data_offsets[0]) / size];
  });
  await rejectLoad('I8', withWeights(to('I8', 1)), UnsupportedError, /tensor "transformer\.ln_f\.bias" has dtype I8; qkv loads F32, F16 and BF16/);
  const i32 = withHeader((h) => { h['transformer.ln_f.bias'].dtype = 'I32'; });
  await rejectLoad('I32', withWeights(i32), UnsupportedError, /tensor "transformer\.ln_f\.bias" has dtype I32; qkv loads F32, F16 and BF16/);
  const f8 = withHeader((h) => { h['transformer.ln_f.bias'].dtype = 'F8_E4M3'; h['transformer.ln_f.bias'].shape = [32, 4]; });
  await rejectLoad('F8_E4M3', withWeights(f8), UnsupportedError, /has dtype F8_E4M3; qkv loads F32, F16 and BF16/);
  await rejectLoad('unknown dtype', withHeader((h) => { h['transformer.wte.weight'].dtype = 'F128'; }), FormatError,
    /tensor "transformer\.wte\.weight": unknown dtype "F128"/);
  await rejectLoad('dtype not a string', withHeader((h) => { h['transformer.wte.weight'].dtype = 4; }), FormatError,
    /dtype must be a string/);
  for (const arch of ['MambaForCausalLM', 'GPT2ForSequenceClassification']) {
    await rejectLoad(arch, filesOf(GPT2, { config: encodeJson({ ...config, architectures: [arch], model_type: 'x' }) }),
      UnsupportedError, new RegExp(`${arch}.*GPT2LMHeadModel`));
  }
  await rejectLoad('no architectures, model_type mamba', filesOf(GPT2, { config: encodeJson({ ...config, architectures: undefined, model_type: 'mamba' }) }),
    UnsupportedError, /mamba/);
  await rejectLoad('config an array', filesOf(GPT2, { config: encodeJson([config]) }), FormatError, /must be a JSON object, found an array/);
});

test('config/weights mismatches and configs with dims of 0, 2^31 and fractions', async () => {
  const cfg = (changes) => filesOf(GPT2, { config: encodeJson({ ...config, ...changes }) });
  await rejectLoad('vocab_size', cfg({ vocab_size: 50000 }), FormatError, /wte\.weight" has shape \[50257, 32\], but config\.json implies \[50000, 32\]/);
  await rejectLoad('n_positions', cfg({ n_positions: 128 }), FormatError, /wpe\.weight" has shape \[64, 32\], but config\.json implies \[128, 32\]/);
  await rejectLoad('n_inner', cfg({ n_inner: 64 }), UnsupportedError, /n_inner 64 \(qkv's GPT-2 runs only the standard 4 \* n_embd = 128\)/);
  for (const [key, value] of [['n_embd', 0], ['n_layer', 0], ['n_head', 0], ['n_embd', 2 ** 31], ['vocab_size', 2 ** 31],
    ['n_positions', 2 ** 31], ['n_embd', 32.5], ['n_embd', -32], ['n_layer', 'two']]) {
    await rejectLoad(`${key} ${value}`, cfg({ [key]: value }), FormatError, new RegExp(`config\\.json: ${key} must be`));
  }
  await rejectLoad('n_head 3', cfg({ n_head: 3 }), FormatError, /n_embd 32 is not divisible by n_head 3/);
  // LLaMA weights under a GPT-2 config, and the other way round.
  await rejectLoad('llama weights, gpt2 config', filesOf(GPT2, { weights: read('llama-tiny', 'model.safetensors') }), FormatError,
    /lacks \d+ tensor\(s\) the GPT2LMHeadModel config needs/);
  await rejectLoad('gpt2 weights, llama config', filesOf(GPT2, { config: read('llama-tiny', 'config.json') }), FormatError,
    /lacks \d+ tensor\(s\) the LlamaForCausalLM config needs/);
  // A tokenizer larger than the model's vocabulary.
  await rejectLoad('gpt2 tokenizer, llama model', filesOf('llama-tiny', { tokenizer: read(GPT2, 'tokenizer.json') }), FormatError,
    /tokenizer\.json has 50257 tokens but the model only 32000/);
  // The same tensor in two files of one checkpoint.
  await rejectLoad('tensor in two shards', filesOf(GPT2, { weights: [weights, weights] }), FormatError,
    /tensor "transformer\.\S+" is also in model\.safetensors/);
});

test('Gemma 3: a missing norm, layer_types of the wrong length or kind, a wrong head_dim', async () => {
  const GEMMA3 = 'gemma3-tiny';
  const gemma = idsOnlyFiles(GEMMA3)();
  const gemmaConfig = JSON.parse(new TextDecoder().decode(gemma.config));
  // The checkpoint without one tensor: header entry and bytes removed, later offsets moved down.
  const without = (name) => {
    const { header, data } = splitSafetensors(gemma.weights);
    const h = structuredClone(header);
    const [begin, end] = h[name].data_offsets;
    delete h[name];
    for (const [key, t] of Object.entries(h)) {
      if (key !== '__metadata__' && t.data_offsets[0] >= end) t.data_offsets = t.data_offsets.map((o) => o - (end - begin));
    }
    return buildSafetensors(h, new Uint8Array([...data.subarray(0, begin), ...data.subarray(end)]));
  };
  const cfg = (changes) => ({ ...gemma, config: encodeJson({ ...gemmaConfig, ...changes }) });
  for (const norm of ['model.layers.3.post_feedforward_layernorm.weight', 'model.layers.0.self_attn.k_norm.weight',
    'model.layers.5.pre_feedforward_layernorm.weight', 'model.norm.weight']) {
    await rejectLoad(`without ${norm}`, { ...gemma, weights: without(norm) }, FormatError,
      new RegExp(`lacks 1 tensor\\(s\\) the Gemma3ForCausalLM config needs: ${norm.replaceAll('.', '\\.')} `));
  }
  await rejectLoad('layer_types of 5', cfg({ layer_types: gemmaConfig.layer_types.slice(1) }), FormatError,
    /config\.json: layer_types must be a list of num_hidden_layers \(6\) strings, found 5 entries/);
  await rejectLoad('layer_types of 7', cfg({ layer_types: [...gemmaConfig.layer_types, 'full_attention'] }), FormatError,
    /layer_types must be a list of num_hidden_layers \(6\) strings, found 7 entries/);
  await rejectLoad('unknown layer type', cfg({ layer_types: ['sliding_attention', 'sliding_attention', 'local', 'sliding_attention', 'sliding_attention', 'full_attention'] }),
    UnsupportedError, /layer_types\[2\] "local" \(qkv runs "full_attention" and "sliding_attention" layers\)/);
  await rejectLoad('sliding layers without a window', cfg({ sliding_window: null }), FormatError,
    /sliding_window is null but layer 0 is a "sliding_attention" layer/);
  // The first tensor (in file order) whose shape follows head_dim is named: layer 0's k_norm.
  await rejectLoad('head_dim 16', cfg({ head_dim: 16 }), FormatError,
    /tensor "model\.layers\.0\.self_attn\.k_norm\.weight" has shape \[32\], but config\.json implies \[16\]/);
  await rejectLoad('head_dim 20', cfg({ head_dim: 20 }), FormatError,
    /tensor "model\.layers\.0\.self_attn\.k_norm\.weight" has shape \[32\], but config\.json implies \[20\]/);
  await rejectLoad('Gemma 2 attention softcapping', cfg({ attn_logit_softcapping: 50.0 }), UnsupportedError,
    /attn_logit_softcapping/);
  await rejectLoad('rope_scaling yarn', cfg({ rope_scaling: { rope_type: 'yarn', factor: 4.0 } }), UnsupportedError,
    /rope_scaling\.rope_type "yarn"/);
  // After every refusal the Gemma 3 checkpoint itself still loads and decodes as PyTorch.
  const m = await loadModel(idsOnlyFiles(GEMMA3)());
  try {
    await assertGreedy(m, GEMMA3);
  } finally {
    m.dispose();
  }
});

/** A safetensors file with tensor `name` cut to `shape` (f32), or dropped when `shape` is null. */
function withTensorShape(bytes, name, shape) {
  const { header, data } = splitSafetensors(bytes);
  const out = header.__metadata__ ? { __metadata__: header.__metadata__ } : {};
  const parts = [];
  let at = 0;
  for (const { name: n } of tensorsInOrder(bytes)) {
    const t = header[n];
    let piece = data.subarray(t.data_offsets[0], t.data_offsets[1]);
    if (n === name) {
      if (shape === null) continue;
      piece = piece.subarray(0, shape.reduce((a, b) => a * b, 1) * 4);
    }
    out[n] = { ...t, shape: n === name ? shape : t.shape, data_offsets: [at, at + piece.length] };
    parts.push(piece);
    at += piece.length;
  }
  return buildSafetensors(out, Buffer.concat(parts));
}

test('Qwen3 and SmolLM3: q/k norms of the wrong size or missing, a wrong head_dim, bad no_rope_layers', async () => {
  const qwen3 = read('qwen3-tiny', 'model.safetensors');
  const qwen3Config = JSON.parse(read('qwen3-tiny', 'config.json'));
  const tokenizer = smallTokenizer();
  // No tokenizer.json in these folders (ids only): gpt2-tiny's 256 byte tokens stand in.
  const qwen3Files = (changes) => ({ config: read('qwen3-tiny', 'config.json'), weights: qwen3, tokenizer, ...changes });
  await rejectLoad('q_norm of 16', qwen3Files({ weights: withTensorShape(qwen3, 'model.layers.1.self_attn.q_norm.weight', [16]) }),
    FormatError, /"model\.layers\.1\.self_attn\.q_norm\.weight" has shape \[16\], but config\.json implies \[32\]/);
  await rejectLoad('no k_norm', qwen3Files({ weights: withTensorShape(qwen3, 'model.layers.0.self_attn.k_norm.weight', null) }),
    FormatError, /lacks 1 tensor\(s\) the Qwen3ForCausalLM config needs: model\.layers\.0\.self_attn\.k_norm\.weight/);
  // head_dim 16 (hidden_size / num_attention_heads) where the weights have 32: the first tensor
  // in file order that disagrees is named.
  await rejectLoad('head_dim 16', qwen3Files({ config: encodeJson({ ...qwen3Config, head_dim: 16 }) }), FormatError,
    /"model\.layers\.0\.self_attn\.k_norm\.weight" has shape \[32\], but config\.json implies \[16\]/);
  await rejectLoad('head_dim 30', qwen3Files({ config: encodeJson({ ...qwen3Config, head_dim: 30 }) }), UnsupportedError,
    /head size 30/);
  const smollm3 = JSON.parse(read('smollm3-tiny', 'config.json'));
  const smollm3Files = (changes) => ({
    config: encodeJson({ ...smollm3, ...changes }), weights: read('smollm3-tiny', 'model.safetensors'), tokenizer,
  });
  await rejectLoad('no_rope_layers of 2', smollm3Files({ no_rope_layers: [1, 1] }), FormatError,
    /no_rope_layers must be a list of at least num_hidden_layers \(3\) entries 0 or 1, found 2 entries/);
  await rejectLoad('no_rope_layers [1, 1, 2]', smollm3Files({ no_rope_layers: [1, 1, 2] }), FormatError,
    /no_rope_layers\[2\] must be 0 \(no RoPE\) or 1 \(RoPE\), found 2/);
  await rejectLoad('no_rope_layer_interval 0', smollm3Files({ no_rope_layers: null, no_rope_layer_interval: 0 }), FormatError,
    /no_rope_layer_interval must be a positive integer/);
  await rejectLoad('a sliding layer without a window', smollm3Files({ layer_types: ['full_attention', 'sliding_attention', 'full_attention'] }),
    FormatError, /layer_types\[1\] is "sliding_attention" but sliding_window is null/);
});

test('a model larger than wasm memory is refused before allocating, with its size', async () => {
  const before = await wasmHeap();
  const big = { ...config, n_embd: 2048, n_head: 16, n_layer: 24, n_positions: 1024 };
  // 24 x 12 x 2048^2 x 4 bytes + 50257 x 2048 x 4 + ... = 5 GB as f32.
  await rejectLoad('5 GB as f32', filesOf(GPT2, { config: encodeJson(big) }), OutOfMemoryError,
    /the model's weights need 5\d{3} MB as f32, more than qkv's limit of 3221 MB \(wasm memory is 4 GB\); dtype 'q8' takes about a quarter/,
    { dtype: 'f32' });
  await rejectLoad('3.6 GB as f16', filesOf(GPT2, { config: encodeJson({ ...big, n_layer: 36 }) }), OutOfMemoryError,
    /need \d{4} MB as f16, more than qkv's limit of 3221 MB/, { dtype: 'f16' });
  const huge = { ...config, n_embd: 8192, n_head: 64, n_layer: 96 };
  await rejectLoad('80 GB as q8', filesOf(GPT2, { config: encodeJson(huge) }), OutOfMemoryError,
    /need \d{5,} MB as q8, more than qkv's limit of 3221 MB \(wasm memory is 4 GB\)$/, { dtype: 'q8' });
  const llama = { ...JSON.parse(read('llama-tiny', 'config.json')), hidden_size: 4096, intermediate_size: 11008,
    num_attention_heads: 32, num_key_value_heads: 32, head_dim: 128, num_hidden_layers: 32 };
  await rejectLoad('LLaMA-7B shape', filesOf('llama-tiny', { config: encodeJson(llama) }), OutOfMemoryError,
    /need 2\d{4} MB as f32/, { dtype: 'f32' });
  // By default ('auto', the checkpoint's dtype) it is refused from config.json alone, at the least 'auto' could hold.
  await rejectLoad('LLaMA-7B shape, auto', filesOf('llama-tiny', { config: encodeJson(llama) }), OutOfMemoryError,
    /^the model's weights need 1\d{4} MB even as f16, more than qkv's limit of 3221 MB .*dtype 'q8' takes about a quarter/);
  // A checkpoint whose f16 size fits but whose f32 weights do not is refused when its first header names them.
  await rejectLoad('5 GB f32 checkpoint, auto', filesOf(GPT2, { config: encodeJson(big) }), OutOfMemoryError,
    /^model\.safetensors holds F32 weights: the model's weights need 5\d{3} MB as f32, more than qkv's limit/);
  const afterwards = await wasmHeap();
  // Nothing was allocated for those models: the memory did not grow by even one of their tensors.
  assert.ok(afterwards.heapSize - before.heapSize < 64 << 20, `heap grew ${before.heapSize} -> ${afterwards.heapSize}`);
  assert.ok(Math.abs(afterwards.inUse - before.inUse) < 1 << 20, `in use ${before.inUse} -> ${afterwards.inUse}`);
});

test('NaN, negative, huge and mistyped generation options', async () => {
  const bad = [
    ['temperature', NaN, /temperature must be a finite number > 0/], ['temperature', -1, /temperature/],
    ['temperature', Infinity, /temperature/], ['temperature', 1e-50, /temperature must be .*32-bit float.*got 1e-50/],
    ['temperature', 1e300, /temperature.*got 1e\+300/], ['temperature', '0.7', /temperature.*got string/],
    ['top_k', -1, /top_k must be a whole number >= 0/], ['top_k', 2.5, /top_k/], ['top_k', NaN, /top_k/],
    ['top_p', NaN, /top_p must be in \(0, 1\]/], ['top_p', 0, /top_p/], ['top_p', 1.5, /top_p/], ['top_p', -0.5, /top_p/],
    ['top_p', 1e-300, /top_p/], ['repetition_penalty', NaN, /repetition_penalty/], ['repetition_penalty', 0, /repetition_penalty/],
    ['repetition_penalty', -1, /repetition_penalty/], ['repetition_penalty', 1e300, /repetition_penalty/],
    ['max_new_tokens', -1, /max_new_tokens must be a whole number >= 0/], ['max_new_tokens', NaN, /max_new_tokens/],
    ['max_new_tokens', Infinity, /max_new_tokens/], ['max_new_tokens', 1.5, /max_new_tokens/],
    ['seed', -1, /seed must be a whole number >= 0/], ['seed', 2 ** 64, /seed/], ['seed', NaN, /seed/],
    ['do_sample', 'yes', /do_sample must be a boolean/], ['stop', '', /stop must be a non-empty string/],
    ['stop', [1], /stop/], ['eos_token_id', NaN, /eos_token_id/], ['eos_token_id', ['2'], /eos_token_id/],
    ['signal', 'abort', /signal must be an AbortSignal/],
  ];
  for (const [key, value, pattern] of bad) {
    cases++;
    await expectError(() => drain(model.generate('Hi', { max_new_tokens: 2, [key]: value })), InvalidArgumentError, pattern,
      `${key}: ${String(value)}`);
  }
  await expectError(() => drain(model.generate('Hi', null)), InvalidArgumentError, /options must be an object/);
  cases++;
  // Extreme but valid values give valid tokens.
  const vocab = model.info.nVocab;
  for (const options of [{ top_k: 1e12 }, { top_k: 2 ** 53 - 1 }, { temperature: 1e-30 }, { temperature: 3e38 }, { top_p: 1e-30 },
    { repetition_penalty: 1e-30 }, { repetition_penalty: 1e30 }, { seed: 2 ** 53 - 1 }]) {
    cases++;
    const tokens = await drain(model.generate('Hi', { max_new_tokens: 3, do_sample: true, seed: 1, ...options }));
    assert.equal(tokens.length, 3, JSON.stringify(options));
    for (const t of tokens) assert.ok(Number.isInteger(t) && t >= 0 && t < vocab, `${JSON.stringify(options)}: token ${t}`);
  }
  // top_k past the vocabulary is the same as no top_k.
  const all = await drain(model.generate('Hi', { max_new_tokens: 5, do_sample: true, seed: 3 }));
  assert.deepEqual(await drain(model.generate('Hi', { max_new_tokens: 5, top_k: 1e12, seed: 3 })), all);
  // max_new_tokens past the context stops when the context is full.
  cases++;
  const long = await drain(model.generate([1, 2, 3], { max_new_tokens: 1e9 }));
  assert.equal(long.length, 64 - 3 + 1);
  await assertGreedy(model);
  await assertFreshModelWorks();
});

test('out-of-range and mistyped ids, empty and over-long prompts', async () => {
  const calls = {
    forward: (ids) => model.forward(ids),
    generate: (ids) => drain(model.generate(ids, { max_new_tokens: 2 })),
    attention: (ids) => model.attention(ids),
  };
  for (const [name, call] of Object.entries(calls)) {
    // Ids that wrap around in an Int32Array must not turn into valid ones (2^32 + 5 -> 5).
    for (const [ids, pattern] of [
      [[-1], /token id -1 at position 0 is outside the vocabulary \[0, 50257\)/],
      [[5, 2 ** 31], /token id 2147483648 at position 1 is outside/],
      [[2 ** 32 + 5], /token id 4294967301 at position 0 is outside/],
      [[2 ** 53], /token id 9007199254740992 at position 0/],
      [[50256, 50257], /token id 50257 at position 1/],
    ]) {
      cases++;
      await expectError(() => call(ids), InvalidArgumentError, pattern, `${name}(${ids})`);
    }
    for (const ids of [[1.5], [NaN], ['1'], [1, null], { length: 1, 0: 1 }, 42]) {
      cases++;
      await expectError(() => call(ids), InvalidArgumentError, /expected a string or an array of token ids/, `${name}(${ids})`);
    }
    cases++;
    await expectError(() => call([]), InvalidArgumentError, /no tokens to process/, `${name}([])`);
    cases++;
    await expectError(() => call(''), InvalidArgumentError, /no tokens to process/, `${name}('')`);
    cases++;
    // generate() says it in the prompt's terms, before the session sees the ids.
    const tooLong = name === 'generate'
      ? (n) => new RegExp(`^generate: your prompt is ${n} tokens; this model reads at most 64 \\(the model's context\\)`)
      : (n) => new RegExp(`${n} tokens .* exceed the model's context of 64 tokens`);
    await expectError(() => call(new Array(65).fill(1)), InvalidArgumentError, tooLong(65), `${name}: 65 ids`);
    cases++;
    // A long text: its tokens are counted against the context.
    await expectError(() => call('hostile '.repeat(5000)), InvalidArgumentError, tooLong('\\d+'),
      `${name}: 40000 characters`);
  }
  // A prompt that fills the context exactly yields one token, then stops.
  cases++;
  assert.equal((await drain(model.generate(new Array(64).fill(1), { max_new_tokens: 5 }))).length, 1);
  await assertGreedy(model);
  await assertFreshModelWorks();
});

test('use after dispose(), and dispose() while a generation is under way or queued', async () => {
  const m = await loadModel(filesOf(GPT2, {}, { fullTokenizer: true }));
  const running = m.generate('Hello', { max_new_tokens: 10 });
  assert.equal(typeof (await running.next()).value.token, 'number');
  const queued = drain(m.generate('Hello', { max_new_tokens: 10 }));
  queued.catch(() => {}); // awaited below
  m.dispose();
  m.dispose(); // twice is harmless
  cases++;
  await expectError(() => running.next(), QkvError, /disposed/, 'running generation after dispose');
  cases++;
  await expectError(queued, QkvError, /disposed/, 'queued generation after dispose');
  for (const [name, call] of [
    ['forward', () => m.forward([1])], ['generate', () => drain(m.generate('Hi'))], ['attention', () => m.attention('Hi')],
    ['embed', () => m.embed('Hi')],
  ]) {
    cases++;
    const e = await expectError(call, QkvError, name === 'embed' ? /cannot 'encode'; it can 'generate'/ : /this model has been disposed/, `${name} after dispose`);
    if (name !== 'embed') assert.equal(e.code, 'disposed');
  }
  assert.equal(m.tokenizer.encode('Hi').length, 1, 'the tokenizer is plain JS and still works');
  await assertGreedy(model);
  await assertFreshModelWorks();
});

test('two generate() calls at once on one model are queued: in call order, each with its own result', async () => {
  const ref = reference(GPT2);
  const [p0, p1] = ref.prompts;
  const log = [];
  const run = async (label, prompt) => {
    const tokens = [];
    for await (const { token } of model.generate(prompt.ids, { max_new_tokens: prompt.greedy.new_tokens })) {
      log.push(label);
      tokens.push(token);
    }
    return tokens;
  };
  const [a, b] = await Promise.all([run('a', p0), run('b', p1)]);
  cases++;
  assert.deepEqual(a, p0.greedy.ids);
  assert.deepEqual(b, p1.greedy.ids);
  assert.equal(log.join(''), 'a'.repeat(a.length) + 'b'.repeat(b.length), 'the second waits for the first to finish');
  // Seeded sampling: the same text as when run alone, whatever runs at the same time.
  const alone = await drain(model.generate('Hello', { max_new_tokens: 8, temperature: 0.8, seed: 11 }));
  const together = await Promise.all([
    drain(model.generate('Hello', { max_new_tokens: 8, temperature: 0.8, seed: 11 })),
    drain(model.generate('Hello', { max_new_tokens: 8, temperature: 0.8, seed: 11 })),
    model.forward(p0.ids),
    drain(model.generate('Hello', { max_new_tokens: 8, temperature: 0.8, seed: 11 })),
  ]);
  cases++;
  assert.deepEqual(together[0], alone);
  assert.deepEqual(together[1], alone);
  assert.deepEqual(together[3], alone);
  // The first one given up mid-way (break) lets the second run.
  cases++;
  const first = model.generate(p0.ids, { max_new_tokens: 10 });
  await first.next();
  const second = drain(model.generate(p1.ids, { max_new_tokens: p1.greedy.new_tokens }));
  await first.return();
  assert.deepEqual(await second, p1.greedy.ids);
  // A failing call in the queue does not block the next.
  cases++;
  const results = await Promise.allSettled([
    drain(model.generate([50257])), model.forward([1, 2]), drain(model.generate(p0.ids, { max_new_tokens: p0.greedy.new_tokens })),
  ]);
  assert.equal(results[0].status, 'rejected');
  assert.ok(results[0].reason instanceof InvalidArgumentError);
  assert.equal(results[1].status, 'fulfilled');
  assert.deepEqual(results[2].value, p0.greedy.ids);
});

test('abort at every stage of loading: before, in the header, in each tensor, after the last byte, after', async () => {
  const heapBefore = await wasmHeap();
  const tensors = tensorsInOrder(weights);
  // Progress events: one after the header, then (these tensors being small) one per tensor, then 'done'.
  const abortAt = async (label, pick, files = filesOf(GPT2)) => {
    const controller = new AbortController();
    let events = 0;
    cases++;
    await expectError(() => loadModel(files, {
      signal: controller.signal,
      onProgress: (e) => { if (pick(e, events++)) controller.abort(); },
    }), 'AbortError', null, label);
    return events;
  };
  const before = new AbortController();
  before.abort();
  cases++;
  await expectError(() => loadModel(filesOf(GPT2), { signal: before.signal }), 'AbortError', null, 'before');
  await abortAt('in the header', (e, i) => i === 0);
  for (let t = 0; t < tensors.length; t++) {
    await abortAt(`in tensor ${tensors[t].name}`, (e) => e.status === 'progress' && e.loaded > tensors[t].begin);
  }
  await abortAt('after the last byte', (e) => e.status === 'done');
  await abortAt('between shards', (e) => e.status === 'done', {
    config: read('gpt2-tiny-sharded', 'config.json'), tokenizer: filesOf(GPT2).tokenizer,
    weights: ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'].map((f) => read('gpt2-tiny-sharded', f)),
  });
  // Aborting after loadModel resolved changes nothing.
  const controller = new AbortController();
  const m = await loadModel(filesOf(GPT2), { signal: controller.signal });
  controller.abort();
  await assertGreedy(m);
  m.dispose();
  // Every aborted load gave its memory back.
  const heapAfter = await wasmHeap();
  assert.ok(Math.abs(heapAfter.inUse - heapBefore.inUse) < 256 << 10, `in use ${heapBefore.inUse} -> ${heapAfter.inUse}`);
  await assertFreshModelWorks();
});

test('abort generation before the first token and mid-way; the model then continues normally', async () => {
  const prompt = reference(GPT2).prompts[0];
  const controller = new AbortController();
  const it = model.generate(prompt.ids, { max_new_tokens: 10, signal: controller.signal });
  controller.abort(); // before the first next(): before the prompt pass
  cases++;
  await expectError(() => it.next(), 'AbortError', null, 'before the first token');
  // Mid-way: after 3 tokens.
  const mid = new AbortController();
  const got = [];
  cases++;
  await expectError(async () => {
    for await (const { token } of model.generate(prompt.ids, { max_new_tokens: 10, signal: mid.signal })) {
      got.push(token);
      if (got.length === 3) mid.abort();
    }
  }, 'AbortError', null, 'mid-way');
  assert.deepEqual(got, prompt.greedy.ids.slice(0, 3));
  // Aborted while waiting in the queue behind another call.
  const queuedAbort = new AbortController();
  const first = drain(model.generate(prompt.ids, { max_new_tokens: prompt.greedy.new_tokens }));
  const second = drain(model.generate(prompt.ids, { max_new_tokens: 5, signal: queuedAbort.signal }));
  queuedAbort.abort();
  cases++;
  assert.deepEqual(await first, prompt.greedy.ids);
  await expectError(second, 'AbortError', null, 'aborted in the queue');
  // Aborted with a reason: that reason is thrown.
  const withReason = new AbortController();
  withReason.abort(new Error('user pressed stop'));
  cases++;
  await assert.rejects(drain(model.generate('Hi', { signal: withReason.signal })), /user pressed stop/);
  assert.deepEqual(await drain(model.generate(prompt.ids, { max_new_tokens: prompt.greedy.new_tokens })), prompt.greedy.ids);
  await assertFreshModelWorks();
});

test('after all of it: the full model with its tokenizer generates PyTorch\'s greedy text', async () => {
  const m = await loadModel(filesOf(GPT2, {}, { fullTokenizer: true }));
  for (const prompt of reference(GPT2).prompts) {
    let text = '';
    for await (const step of m.generate(prompt.text, { max_new_tokens: prompt.greedy.new_tokens })) text += step.text;
    assert.equal(text, prompt.greedy.text);
  }
  m.dispose();
  await assertFreshModelWorks('llama-tiny');
});
