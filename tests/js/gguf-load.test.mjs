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

env.wasm.numThreads = 1;

const dir = new URL('../fixtures/gguf/models/', import.meta.url);
const path = (file) => new URL(file, dir).pathname;
const llamaCpp = JSON.parse(readFileSync(new URL('../fixtures/gguf/llama-cpp-logits.json', import.meta.url), 'utf8'));

function logSoftmaxRows(logits, vocab) {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / vocab; r++) {
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) max = Math.max(max, logits[r * vocab + v]);
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(logits[r * vocab + v] - max);
    const lse = max + Math.log(sum);
    for (let v = 0; v < vocab; v++) out[r * vocab + v] = logits[r * vocab + v] - lse;
  }
  return out;
}

function argmax(a, from = 0, n = a.length) {
  let best = 0;
  for (let i = 1; i < n; i++) if (a[from + i] > a[from + best]) best = i;
  return best;
}

/** Largest |qkv - llama.cpp| over every position's log-probabilities, and the greedy tokens' agreement. */
async function compareWithLlamaCpp(model, file, margin = Infinity) {
  const { vocab, prompts } = llamaCpp.files[file];
  let worst = 0, clear = 0, clearAgree = 0;
  const greedy = [];
  for (const p of prompts) {
    if (p.logprobs !== undefined) {
      const { logits } = await model.forward(p.ids);
      const mine = logSoftmaxRows(logits, vocab);
      const theirs = new Float32Array(Buffer.from(p.logprobs, 'base64').buffer.slice(0));
      assert.equal(theirs.length, mine.length);
      for (let i = 0; i < mine.length; i++) worst = Math.max(worst, Math.abs(mine[i] - theirs[i]));
      // Positions where llama.cpp's top token leads by at least `margin`: an error below margin / 2 cannot flip them.
      for (let r = 0; r < p.ids.length; r++) {
        const top = argmax(theirs, r * vocab, vocab);
        let second = -Infinity;
        for (let v = 0; v < vocab; v++) if (v !== top) second = Math.max(second, theirs[r * vocab + v]);
        if (theirs[r * vocab + top] - second < margin) continue;
        clear++;
        clearAgree += argmax(mine, r * vocab, vocab) === top ? 1 : 0;
      }
    }
    const ids = [...p.ids];
    const tokens = [];
    for (let i = 0; i < p.greedy.length; i++) {
      const { logits: l } = await model.forward(ids);
      const next = argmax(l, l.length - vocab, vocab);
      tokens.push(next);
      ids.push(next);
    }
    greedy.push([tokens, p.greedy]);
  }
  return { worst, greedy, clear, clearAgree };
}

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
  // Q8_0 and Q4_0 load as q8 holding ggml's weights exactly; both runtimes round
  // the activations to 8-bit blocks, llama.cpp with f16 scales and qkv with f32
  // ones, which on these random models (qwen2-tiny's logits reach ~40) moves a
  // log-probability by up to ~1 [0.30-0.99]; bounds about twice each file's measure.
  { file: 'llama-tiny-v1024-q8_0.gguf', dtype: 'q8', bound: 0.7 },
  { file: 'qwen2-tiny-q8_0.gguf', dtype: 'q8', bound: 2.0 },
  { file: 'qwen3-tiny-q8_0.gguf', dtype: 'q8', bound: 0.7 },
  // Q4_0 asked for as q8 (their default is q4 now, below).
  { file: 'llama-tiny-v1024-q4_0.gguf', dtype: 'q8', load: 'q8', bound: 0.9 },
  { file: 'qwen2-tiny-q4_0.gguf', dtype: 'q8', load: 'q8', bound: 2.0 },
  { file: 'qwen3-tiny-q4_0.gguf', dtype: 'q8', load: 'q8', bound: 0.8 },
  { file: 'llama-tiny-v1024-q5_0.gguf', dtype: 'q8', bound: 0.8 },
  // Q4_1 and Q5_1 have offsets q8 cannot hold: dequantized and requantized (half a q8 step more) [1.06, 1.49].
  { file: 'llama-tiny-v1024-q4_1.gguf', dtype: 'q8', load: 'q8', bound: 2.0 },
  { file: 'llama-tiny-v1024-q5_1.gguf', dtype: 'q8', bound: 3.0 },
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
      // Every matrix took the path its dtype names (q4: ggml's 4-bit blocks repacked, not requantized to q8).
      for (const [tensor, dtype] of Object.entries(model.info.weightDtypes)) assert.equal(dtype, c.dtype, tensor);
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
