// loadModel on a GGUF file (web/src/load-gguf.ts): the fixtures of
// tests/fixtures/gguf/models (the tiny Hub checkpoints converted as llama.cpp's
// convert_hf_to_gguf.py does, make_gguf_models.py) against llama.cpp itself
// (node-llama-cpp's log-probabilities of every prompt position and its greedy
// tokens, llama_cpp_logits.mjs) and against PyTorch's logits of the Hub
// checkpoint; a file whose q/k rows are not in llama.cpp's RoPE order shows
// the un-permutation matters; hostile files give named errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { env, FormatError, loadModel, UnsupportedError } from '../../dist/index.js';
import { compareWithLlamaCpp as compareWith, f32FromBase64 } from './llama-cpp-compare.mjs';

env.wasm.numThreads = 1;

const dir = new URL('../fixtures/gguf/models/', import.meta.url);
const path = (file) => new URL(file, dir).pathname;
const llamaCpp = JSON.parse(readFileSync(new URL('../fixtures/gguf/llama-cpp-logits.json', import.meta.url), 'utf8'));

/** qkv's logits against llama.cpp's on one of models/' files (llama-cpp-compare.mjs). */
const compareWithLlamaCpp = (model, file, margin = Infinity) => compareWith(model, llamaCpp.files[file], margin);

// Bounds on max |Δ log-prob| (qkv, 1 thread, vs node-llama-cpp 3.21.1 on CPU
// with an f32 KV cache) over 16 positions x 1024 tokens; measured in brackets.
const CASES = [
  // f32 weights, f32 arithmetic on both sides: only summation order differs [3.0e-5, 6.5e-5].
  { file: 'llama-tiny-v1024-f32.gguf', dtype: 'f32', bound: 3e-4 },
  { file: 'qwen2-tiny-f32.gguf', dtype: 'f32', bound: 3e-4 },
  { file: 'qwen3-tiny-f32.gguf', dtype: 'f32', bound: 3e-4 },
  // F16 files load as f16; llama.cpp's CPU F16 matmul also rounds the activations to f16 [0.021-0.067].
  { file: 'llama-tiny-v1024-f16.gguf', dtype: 'f16', bound: 0.2 },
  { file: 'qwen2-tiny-f16.gguf', dtype: 'f16', bound: 0.2 },
  { file: 'qwen3-tiny-f16.gguf', dtype: 'f16', bound: 0.2 },
  // Q8_0 and Q4_0 load as q8 holding ggml's weights exactly (held as q8h: the file's int8 values and
  // f16 scales, src/kernels/common/q8.h; the same outputs as q8 with f32 scales); both runtimes round
  // the activations to 8-bit blocks, llama.cpp with f16 scales and qkv with f32
  // ones, which on these random models (qwen2-tiny's logits reach ~40) moves a
  // log-probability by up to ~1 [0.30-0.99]; bounds about twice each file's measure.
  { file: 'llama-tiny-v1024-q8_0.gguf', dtype: 'q8', held: 'q8h', bound: 0.7 },
  { file: 'qwen2-tiny-q8_0.gguf', dtype: 'q8', held: 'q8h', bound: 2.0 },
  { file: 'qwen3-tiny-q8_0.gguf', dtype: 'q8', held: 'q8h', bound: 0.7 },
  // Q4_0 asked for as q8 (their default is q4 now, below).
  { file: 'llama-tiny-v1024-q4_0.gguf', dtype: 'q8', held: 'q8h', load: 'q8', bound: 0.9 },
  { file: 'qwen2-tiny-q4_0.gguf', dtype: 'q8', held: 'q8h', load: 'q8', bound: 2.0 },
  { file: 'qwen3-tiny-q4_0.gguf', dtype: 'q8', held: 'q8h', load: 'q8', bound: 0.8 },
  { file: 'llama-tiny-v1024-q5_0.gguf', dtype: 'q8', held: 'q8h', bound: 0.8 },
  // Q4_1 and Q5_1 have offsets q8 cannot hold: dequantized and requantized (half a q8 step more) [1.06, 1.49].
  { file: 'llama-tiny-v1024-q4_1.gguf', dtype: 'q8', load: 'q8', bound: 2.0 },
  { file: 'llama-tiny-v1024-q5_1.gguf', dtype: 'q8', bound: 3.0 },
  // gemma3 (sliding windows, two RoPE bases, norms stored as 1 + w), gpt2 (fused QKV, learned
  // positions, transposed Conv1D weights), Llama 3 (rope_freqs.weight). llama.cpp's CPU GELU
  // (gemma3's GeGLU, gpt2's MLP) looks its value up in a table indexed by the input rounded to f16,
  // so f32 files differ by more than summation order there [6.3e-3, 5.4e-3].
  { file: 'gemma3-tiny-f32.gguf', dtype: 'f32', bound: 0.015 },
  { file: 'gpt2-tiny-v1024-f32.gguf', dtype: 'f32', bound: 0.015 },
  { file: 'llama3-tiny-f32.gguf', dtype: 'f32', bound: 3e-4 },
  { file: 'gemma3-tiny-f16.gguf', dtype: 'f16', bound: 0.2 },
  { file: 'gpt2-tiny-v1024-f16.gguf', dtype: 'f16', bound: 0.2 },
  // attention.sliding_window_pattern 3: layers 2 and 5 full, the others sliding.
  { file: 'gemma3-tiny-swa3-f16.gguf', dtype: 'f16', bound: 0.2 },
  // [0.29, 0.30, 0.42]
  { file: 'gemma3-tiny-q8_0.gguf', dtype: 'q8', held: 'q8h', bound: 0.6 },
  { file: 'gpt2-tiny-v1024-q8_0.gguf', dtype: 'q8', held: 'q8h', bound: 0.6 },
  { file: 'llama3-tiny-q8_0.gguf', dtype: 'q8', held: 'q8h', bound: 0.9 },
  // By default Q4_0 and Q4_1 load as q4, every matrix (embedding and LM head too) holding ggml's values
  // exactly (src/runtime/weight_policy.h): at least as close as q8 was, Q4_1 closer (no requantization).
  // Q4_0: q4 and q8 both hold ggml's values, so the measures equal q8's [0.42, 0.91, 0.38], and so do
  // the bounds; Q4_1 without the requantization: 0.49 against 1.06 as q8, bound 1.0 against 2.0.
  { file: 'llama-tiny-v1024-q4_0.gguf', dtype: 'q4', bound: 0.9 },
  { file: 'qwen2-tiny-q4_0.gguf', dtype: 'q4', bound: 2.0 },
  { file: 'qwen3-tiny-q4_0.gguf', dtype: 'q4', bound: 0.8 },
  { file: 'llama-tiny-v1024-q4_1.gguf', dtype: 'q4', bound: 1.0 },
];

for (const c of CASES) {
  test(`${c.file}${c.load ? ` as ${c.load}` : ''}: qkv's log-probabilities match llama.cpp's within ${c.bound}`, async () => {
    const model = await loadModel(path(c.file), c.load ? { dtype: c.load } : {});
    try {
      assert.equal(model.info.format, 'gguf');
      assert.equal(model.info.dtype, c.dtype);
      // Every matrix took the path its dtype names (q4: ggml's 4-bit blocks repacked, not requantized to q8;
      // Q8_0, Q5_0 and Q4_0 under q8: q8h, the blocks with their f16 scales).
      for (const [tensor, dtype] of Object.entries(model.info.weightDtypes)) assert.equal(dtype, c.held ?? c.dtype, tensor);
      const { worst, greedy, clear, clearAgree } = await compareWithLlamaCpp(model, c.file, 2 * c.bound);
      console.log(`${c.file}: max |Δ log p| ${worst.toExponential(2)}; top-1 agrees at ${clearAgree} of ${clear} clear positions`);
      assert.ok(worst <= c.bound, `${worst} > ${c.bound}`);
      assert.equal(clearAgree, clear);
      // Greedy decoding from each prompt: all 6 tokens as llama.cpp's for f32/f16. For q8 the two
      // runtimes' 8-bit rounding of activations differs, and these random models' near-ties diverge.
      if (c.dtype !== 'q8' && c.dtype !== 'q4') for (const [mine, theirs] of greedy) assert.deepEqual(mine, theirs);
    } finally {
      model.dispose();
    }
  });
}

// bert: llama.cpp's pooled embeddings (node-llama-cpp's embedding context, the file's bert.pooling_type,
// not normalized) of [CLS] ... [SEP] id prompts [max |Δ| 2.2e-3 f32, 4.4e-2 q8]. Entries are O(1); llama.cpp's GELU goes
// through f16 (see CASES) and Q8_0 rounds activations to 8 bits on both sides, differently.
test('bert GGUFs embed as llama.cpp does, pooled as bert.pooling_type says', async () => {
  const cases = [['bert-tiny-v1024-f32.gguf', 'f32', 'mean', 'cls', 0.01], ['bert-tiny-v1024-q8_0.gguf', 'q8', 'cls', 'mean', 0.1]];
  for (const [file, dtype, pooling, other, bound] of cases) {
    const model = await loadModel(path(file));
    try {
      assert.equal(model.info.dtype, dtype);
      assert.equal(model.info.embedding?.pooling, pooling);
      let worst = 0, otherWorst = 0;
      for (const { ids, vector } of llamaCpp.files[file].embeddings) {
        const want = f32FromBase64(vector);
        const { data, dims } = await model.embed([ids]);
        assert.deepEqual(dims, [1, want.length]);
        const { data: wrong } = await model.embed([ids], { pooling: other });
        for (let i = 0; i < want.length; i++) {
          worst = Math.max(worst, Math.abs(data[i] - want[i]));
          otherWorst = Math.max(otherWorst, Math.abs(wrong[i] - want[i]));
        }
      }
      console.log(`${file}: max |Δ| ${worst.toExponential(2)} (${other} pooling: ${otherWorst.toExponential(2)})`);
      assert.ok(worst <= bound, `${file}: ${worst} > ${bound}`);
      assert.ok(otherWorst > 4 * bound, `${file}: ${other} pooling is as close (${otherWorst})`);
      // The file's WordPiece vocabulary (1024 pieces: mostly [unused] rows and single characters) as the tokenizer.
      const ids = model.tokenizer.encode('hello');
      assert.equal(ids[0], 101);
      assert.equal(ids[ids.length - 1], 102);
    } finally {
      model.dispose();
    }
  }
});

/** Largest |qkv - PyTorch| logit over the reference positions of a Hub fixture's reference.json. */
async function worstAgainstPytorch(model, folder) {
  const refDir = new URL(`../fixtures/${folder}/`, import.meta.url);
  const ref = JSON.parse(readFileSync(new URL('reference.json', refDir), 'utf8'));
  const bin = readFileSync(new URL('reference-logits.bin', refDir));
  const vocab = ref.logits.vocab_size;
  let worst = 0, rows = 0;
  for (const block of ref.logits.blocks) {
    const { logits } = await model.forward(ref.prompts[block.prompt].ids);
    const want = new Float32Array(bin.buffer.slice(bin.byteOffset + block.offset, bin.byteOffset + block.offset + block.positions.length * vocab * 4));
    block.positions.forEach((pos, i) => {
      for (let v = 0; v < vocab; v++) worst = Math.max(worst, Math.abs(logits[pos * vocab + v] - want[i * vocab + v]));
      rows++;
    });
  }
  assert.ok(rows > 0);
  return worst;
}

// llama3-tiny's rope_scaling (type llama3) reaches qkv as rope_freqs.weight: the Hub checkpoint's
// PyTorch logits still hold (the converter's factors are the same formula in float64, then rounded).
test('llama3-tiny-f32.gguf gives PyTorch\'s logits of the Hub checkpoint (rope_freqs = rope_scaling llama3)', async () => {
  const model = await loadModel(path('llama3-tiny-f32.gguf'));
  try {
    const worst = await worstAgainstPytorch(model, 'llama3-tiny');
    assert.ok(worst <= 1e-3, `max |Δ logit| ${worst}`);
  } finally {
    model.dispose();
  }
});

// The Hub checkpoint's PyTorch logits (qwen2-tiny: full attention, as llama.cpp
// runs it), from the F32 GGUF read as a Blob.
test('qwen2-tiny-f32.gguf from a Blob gives PyTorch\'s logits of the Hub checkpoint', async () => {
  const refDir = new URL('../fixtures/qwen2-tiny/', import.meta.url);
  const ref = JSON.parse(readFileSync(new URL('reference.json', refDir), 'utf8'));
  const bin = readFileSync(new URL('reference-logits.bin', refDir));
  const model = await loadModel(new Blob([readFileSync(path('qwen2-tiny-f32.gguf'))]));
  try {
    const vocab = ref.logits.vocab_size;
    let worst = 0, rows = 0;
    for (const block of ref.logits.blocks) {
      const { logits } = await model.forward(ref.prompts[block.prompt].ids);
      const want = new Float32Array(bin.buffer.slice(bin.byteOffset + block.offset, bin.byteOffset + block.offset + block.positions.length * vocab * 4));
      block.positions.forEach((pos, i) => {
        for (let v = 0; v < vocab; v++) worst = Math.max(worst, Math.abs(logits[pos * vocab + v] - want[i * vocab + v]));
        rows++;
      });
    }
    assert.ok(rows > 0);
    assert.ok(worst <= 1e-4, `max |Δ logit| ${worst}`);
  } finally {
    model.dispose();
  }
});

/** A GGUF's tensor infos, read with qkv's own header reader. */
async function tensorsOf(bytes) {
  const { getBackend } = await import('../../dist/backend.js');
  const { bufferSource } = await import('../../dist/io/byte-source.js');
  const { readGgufHeader } = await import('../../dist/weights/gguf-header.js');
  return (await readGgufHeader(await getBackend(), bufferSource('t.gguf', bytes))).tensors;
}

test('without its q/k rows in llama.cpp\'s RoPE order, the llama file no longer matches llama.cpp', async () => {
  const bytes = new Uint8Array(readFileSync(path('llama-tiny-v1024-f32.gguf')));
  // Undo the converter's permutation inside the file: qkv's un-permutation then scrambles the rows.
  for (const t of await tensorsOf(bytes)) {
    const heads = /attn_q\.weight$/.test(t.name) ? 4 : /attn_k\.weight$/.test(t.name) ? 2 : 0;
    if (heads === 0) continue;
    const [width, rows] = t.dims;
    const headDim = rows / heads;
    const src = new Float32Array(bytes.slice(t.offset, t.offset + t.nbytes).buffer);
    const dst = new Float32Array(src.length);
    for (let g = 0; g < rows; g++) {
      const within = g % headDim;
      const hub = g - within + (within % 2) * (headDim / 2) + Math.floor(within / 2);
      dst.set(src.subarray(g * width, (g + 1) * width), hub * width);
    }
    bytes.set(new Uint8Array(dst.buffer), t.offset);
  }
  const model = await loadModel(bytes);
  try {
    const { worst } = await compareWithLlamaCpp(model, 'llama-tiny-v1024-f32.gguf');
    assert.ok(worst > 0.05, `max |Δ log p| ${worst}: the RoPE order made no difference`);
  } finally {
    model.dispose();
  }
});

/** `bytes` with every F32 tensor whose name matches `re` changed by `f` in place. */
async function mapF32(bytes, re, f) {
  for (const t of await tensorsOf(bytes)) {
    if (!re.test(t.name)) continue;
    assert.equal(t.typeName, 'F32');
    const a = new Float32Array(bytes.slice(t.offset, t.offset + t.nbytes).buffer);
    for (let i = 0; i < a.length; i++) a[i] = f(a[i]);
    bytes.set(new Uint8Array(a.buffer), t.offset);
  }
  return bytes;
}

// Each part of the mapping shows in llama.cpp's numbers: without it the comparison fails.
test('gemma3 and Llama 3 GGUFs: without the norms\' stored +1, the window, its pattern or rope_freqs, llama.cpp no longer matches', async () => {
  const variants = [
    // Norm gains 1 + w in the file turned into w: as if qkv dropped the converter's +1.
    ['gemma3-tiny-f32.gguf', 'norm +1 omitted', await mapF32(new Uint8Array(readFileSync(path('gemma3-tiny-f32.gguf'))), /norm\.weight$/, (x) => x - 1)],
    // gemma3.attention.sliding_window (u32 type, then the u32 value) 6 -> 100: no layer slides within the prompts.
    ['gemma3-tiny-f32.gguf', 'window ignored', patched('gemma3-tiny-f32.gguf', 'gemma3.attention.sliding_window', 4, Buffer.from([100, 0, 0, 0]))],
    // gemma3.attention.sliding_window_pattern (u32 type, u32 value) 3 -> 6: llama.cpp's default period.
    ['gemma3-tiny-swa3-f16.gguf', 'pattern ignored', patched('gemma3-tiny-swa3-f16.gguf', 'gemma3.attention.sliding_window_pattern', 4, Buffer.from([6, 0, 0, 0]))],
    // rope_freqs.weight renamed: a tensor qkv does not read, so the default RoPE.
    ['llama3-tiny-f32.gguf', 'rope_freqs ignored', patched('llama3-tiny-f32.gguf', 'rope_freqs.weight', -17, 'xope')],
  ];
  for (const [file, what, bytes] of variants) {
    const model = await loadModel(bytes);
    try {
      const { worst } = await compareWithLlamaCpp(model, file);
      console.log(`${file}, ${what}: max |Δ log p| ${worst.toExponential(2)}`);
      assert.ok(worst > 0.05, `${what}: max |Δ log p| ${worst}, as if it made no difference`);
    } finally {
      model.dispose();
    }
  }
});

/** `bytes` with `count` bytes at the end of the first occurrence of `marker` (plus `skip`) replaced. */
function patched(file, marker, skip, replacement) {
  const bytes = Buffer.from(readFileSync(path(file)));
  const at = bytes.indexOf(Buffer.from(marker));
  assert.ok(at >= 0, marker);
  Buffer.from(replacement).copy(bytes, at + marker.length + skip);
  return new Uint8Array(bytes);
}

function u64(v) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
}

test('hostile GGUF files are named errors and the backend stays usable', async () => {
  const file = 'qwen2-tiny-f32.gguf';
  const cases = [
    // general.architecture's value: u32 type, u64 length, then the string.
    [patched(file, 'general.architecture', 12, 'qwenX'), UnsupportedError, /GGUF architecture "qwenX" is not supported/],
    [patched(file, 'blk.1.ffn_up.weight', -6, 'X'), FormatError, /lacks 1 tensor\(s\) the qwen2 model needs: blk\.1\.ffn_up\.weight/],
    // blk.0.ffn_up.weight's infos: u32 n_dims, u64 ne[0] (64), u64 ne[1] (128 -> 64).
    [patched(file, 'blk.0.ffn_up.weight', 4 + 8, u64(64)), FormatError, /"model\.layers\.0\.mlp\.up_proj\.weight" \(blk\.0\.ffn_up\.weight in the file\) has shape \[64, 64\], but config\.json implies \[128, 64\]/],
    // ... then the u32 ggml type: F32 -> IQ4_NL (20).
    [patched(file, 'blk.0.ffn_up.weight', 4 + 16, Buffer.from([20, 0, 0, 0])), UnsupportedError, /has dtype IQ4_NL/],
    [patched('gemma3-tiny-q8_0.gguf', 'blk.1.post_ffw_norm', -1, 'X'), FormatError, /lacks 1 tensor\(s\) the gemma3 model needs: blk\.1\.post_ffw_norm\.weight/],
    // gemma3.rope.scaling.type's value "linear" -> "yarnxx".
    [patched('gemma3-tiny-q8_0.gguf', 'gemma3.rope.scaling.type', 12, 'yarnxx'), UnsupportedError, /gemma3\.rope\.scaling\.type "yarnxx" is not supported/],
    [patched('gpt2-tiny-v1024-q8_0.gguf', 'position_embd.weight', -1, 'X'), FormatError, /lacks 1 tensor\(s\) the gpt2 model needs: position_embd\.weight/],
    [patched('gemma3-tiny-q8_0.gguf', 'gemma3.attention.layer_norm_rms_epsilon', -1, 'X'), FormatError, /lacks metadata key gemma3\.attention\.layer_norm_rms_epsilon/],
    [patched('gpt2-tiny-v1024-q8_0.gguf', 'gpt2.attention.layer_norm_epsilon', -1, 'X'), FormatError, /lacks metadata key gpt2\.attention\.layer_norm_epsilon/],
    // blk.0.attn_qkv.weight's infos: u32 n_dims, u64 ne[0] (32), u64 ne[1] (96 -> 64): a fused QKV of the wrong height.
    [patched('gpt2-tiny-v1024-f32.gguf', 'blk.0.attn_qkv.weight', 4 + 8, u64(64)), FormatError, /"h\.0\.attn\.c_attn\.weight" \(blk\.0\.attn_qkv\.weight in the file\) has shape \[64, 32\], but config\.json implies \[96, 32\]/],
    // bert.pooling_type (u32 type, u32 value) 1 (mean) -> 4 (rank: a classifier head).
    [patched('bert-tiny-v1024-f32.gguf', 'bert.pooling_type', 4, Buffer.from([4, 0, 0, 0])), UnsupportedError, /bert\.pooling_type 4 is not supported/],
    [patched('bert-tiny-v1024-f32.gguf', 'token_types.weight', -1, 'X'), FormatError, /lacks 1 tensor\(s\) the bert model needs: token_types\.weight/],
    // rope_freqs.weight's infos: u32 n_dims (1), u64 ne[0] (8 -> 4).
    [patched('llama3-tiny-q8_0.gguf', 'rope_freqs.weight', 4, u64(4)), FormatError, /rope_freqs\.weight has dims \[4\], but a head of 16 has 8 RoPE frequencies/],
  ];
  for (const [bytes, type, message] of cases) {
    await assert.rejects(loadModel(bytes), (e) => {
      assert.ok(e instanceof type, `${e?.constructor?.name}: ${e?.message}`);
      assert.match(e.message, message);
      return true;
    });
  }
  const model = await loadModel(path('qwen2-tiny-q8_0.gguf'));
  try {
    const { logits } = await model.forward([1, 2, 3]);
    assert.equal(logits.length, 3 * 1024);
  } finally {
    model.dispose();
  }
});

// A Q8_0 block whose f16 scale is inf has no values: the load is a FormatError naming the tensor, row and
// block (llama.cpp's ggml_validate_row_data refuses it too), and the backend stays usable.
test('a block scale that is inf or NaN is a named error', async () => {
  const { getBackend } = await import('../../dist/backend.js');
  const { readGgufHeader } = await import('../../dist/weights/gguf-header.js');
  const { openInput } = await import('../../dist/sources/file-input.js');
  const file = path('qwen2-tiny-q8_0.gguf');
  const src = await openInput(file, file, {});
  const header = await readGgufHeader(await getBackend(), src);
  await src.close();
  const down = header.tensors.find((t) => t.name === 'blk.1.ffn_down.weight');
  assert.equal(down.typeName, 'Q8_0');
  const rowBlocks = down.dims[0] / 32;
  for (const bits of [0x7c00, 0x7e01]) {
    const bytes = readFileSync(file);
    bytes.writeUInt16LE(bits, down.offset + (2 * rowBlocks + 1) * 34); // row 2, block 1: its d
    await assert.rejects(loadModel(new Uint8Array(bytes)), (e) => {
      assert.ok(e instanceof FormatError, `${e?.constructor?.name}: ${e?.message}`);
      assert.match(e.message, /"model\.layers\.1\.mlp\.down_proj\.weight": block 1 of row 2 has an inf or NaN scale/);
      return true;
    });
  }
  const model = await loadModel(file);
  try {
    assert.equal((await model.forward([1, 2, 3])).logits.length, 3 * 1024);
  } finally {
    model.dispose();
  }
});

test('a GGUF URL streams like a safetensors one, with progress over the file', async () => {
  const { startFixtureServer } = await import('./fixture-server.mjs');
  const server = await startFixtureServer();
  try {
    const events = [];
    const model = await loadModel(`${server.url}/gguf/models/qwen3-tiny-q8_0.gguf`, { onProgress: (e) => events.push(e) });
    try {
      assert.equal(model.info.dtype, 'q8');
      assert.deepEqual(model.info.ggmlTypes, { F32: 9, Q8_0: 15 });
      const last = events[events.length - 1];
      assert.equal(last.status, 'done');
      assert.equal(last.loaded, last.total);
      const { worst } = await compareWithLlamaCpp(model, 'qwen3-tiny-q8_0.gguf');
      assert.ok(worst <= 0.7, `${worst}`);
    } finally {
      model.dispose();
    }
  } finally {
    await server.close();
  }
});

test('a GGUF brings its own tokenizer: text in, tokens and text out', async () => {
  const model = await loadModel(path('qwen3-tiny-q8_0.gguf'));
  try {
    // The fixture's vocabulary is SentencePiece with byte fallback and no word pieces: <s> = 1, </s> = 2,
    // byte b = 3 + b. So the text is <s> and then its bytes, spaces as "▁" (what llama.cpp gives too).
    const text = 'hello world';
    const bytes = [...Buffer.from(`▁${text.replaceAll(' ', '▁')}`, 'utf8')];
    assert.deepEqual(model.tokenizer.encode(text), [1, ...bytes.map((b) => 3 + b)]);
    const steps = [];
    for await (const step of model.generate(text, { max_new_tokens: 3 })) steps.push(step);
    assert.equal(steps.length, 3);
    for (const step of steps) assert.equal(typeof step.text, 'string');
  } finally {
    model.dispose();
  }
});
