// Fixtures of tests/fixtures (written from PyTorch by gen_*.py) and the
// comparisons the model suites share.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const fixtures = new URL('../fixtures/', import.meta.url);
export const folder = (name) => new URL(name, fixtures).pathname;
export const reference = (name) => JSON.parse(readFileSync(new URL(`${name}/reference.json`, fixtures), 'utf8'));

const repo = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `node <script> ...args` from the repository root, as a user runs the CLI or an example; never rejects. */
export function runNode(script, args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: repo, encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : error.code, stdout, stderr }));
  });
}

// qwen2-tiny's, llama3-tiny's and roberta-tiny's 1024-token vocabularies are not real ones, so
// they ship no tokenizer.json: this one names every id (256 byte-level characters, then
// "<t256>" ...) so the API can load it and decode what it generates.
export function idNamingTokenizer(vocabSize) {
  const bytes = [];
  for (let b = 0x21; b <= 0x7e; b++) bytes.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bytes.push(b);
  for (let b = 0xae; b <= 0xff; b++) bytes.push(b);
  const chars = new Array(256);
  for (const b of bytes) chars[b] = String.fromCharCode(b);
  let extra = 0;
  for (let b = 0; b < 256; b++) if (chars[b] === undefined) chars[b] = String.fromCharCode(256 + extra++);
  const vocab = Object.fromEntries(chars.map((c, id) => [c, id]));
  const added = [];
  for (let id = 256; id < vocabSize; id++) added.push({ id, content: `<t${id}>`, special: false });
  return new TextEncoder().encode(JSON.stringify({
    added_tokens: added,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, use_regex: true },
    post_processor: null,
    model: { type: 'BPE', vocab, merges: [] },
  }));
}

/** ModelFiles of an ids-only fixture: its config and weights, and idNamingTokenizer. */
export const idsOnlyFiles = (name) => () => ({
  config: readFileSync(new URL(`${name}/config.json`, fixtures)),
  weights: readFileSync(new URL(`${name}/model.safetensors`, fixtures)),
  tokenizer: idNamingTokenizer(reference(name).config.vocab_size),
});

/** ModelFiles of a fixture folder with its config.json changed by `edit` (an object merged over it). */
export function filesWithConfig(name, edit) {
  const file = (f) => readFileSync(new URL(`${name}/${f}`, fixtures));
  return {
    config: new TextEncoder().encode(JSON.stringify({ ...JSON.parse(file('config.json')), ...edit })),
    weights: file('model.safetensors'),
    tokenizer: file('tokenizer.json'),
  };
}

export const referenceLogits = (name) => {
  const bin = readFileSync(new URL(`${name}/reference-logits.bin`, fixtures));
  return new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
};

// Max |logit difference| over every stored full row, top-1 agreement, and
// the agreement on rows whose reference top-2 gap is at least `margin` (an
// error under margin / 2 cannot flip those).
export async function compareLogits(model, name, margin = 0) {
  const ref = reference(name);
  const all = referenceLogits(name);
  const vocab = ref.logits.vocab_size;
  let maxAbs = 0;
  let rows = 0;
  let agree = 0;
  let clearRows = 0;
  let clearAgree = 0;
  for (const block of ref.logits.blocks) {
    const { ids } = ref.prompts[block.prompt];
    const { logits, dims } = await model.forward(ids);
    assert.deepEqual(dims, [ids.length, vocab]);
    block.positions.forEach((pos, i) => {
      const want = all.subarray(block.offset / 4 + i * vocab, block.offset / 4 + (i + 1) * vocab);
      const got = logits.subarray(pos * vocab, (pos + 1) * vocab);
      let wantTop = 0;
      let gotTop = 0;
      for (let v = 0; v < vocab; v++) {
        maxAbs = Math.max(maxAbs, Math.abs(got[v] - want[v]));
        if (want[v] > want[wantTop]) wantTop = v;
        if (got[v] > got[gotTop]) gotTop = v;
      }
      let second = -Infinity;
      for (let v = 0; v < vocab; v++) if (v !== wantTop) second = Math.max(second, want[v]);
      rows++;
      agree += wantTop === gotTop ? 1 : 0;
      if (want[wantTop] - second >= margin) {
        clearRows++;
        clearAgree += wantTop === gotTop ? 1 : 0;
      }
    });
  }
  return { maxAbs, rows, agree, clearRows, clearAgree };
}

/** Largest |got - want| between per-layer [head][q][k] probabilities and the nested reference. */
export function maxAttentionError(layers, want, n) {
  assert.equal(layers.length, want.length);
  let worst = 0;
  want.forEach((heads, l) => heads.forEach((rows, h) => rows.forEach((row, q) => row.forEach((w, k) => {
    worst = Math.max(worst, Math.abs(layers[l][(h * n + q) * n + k] - w));
  }))));
  return worst;
}

/** Largest |a[i] - b[i]| between a typed array and a (nested) number array. */
export function maxAbsError(got, want) {
  const flat = want.flat(Infinity);
  assert.equal(got.length, flat.length);
  let worst = 0;
  flat.forEach((w, i) => { worst = Math.max(worst, Math.abs(got[i] - w)); });
  return worst;
}

// Each row of data ([rows, dim]) against the reference vectors: max |error| and min cosine.
export function compareRows(data, dim, wantRows) {
  let maxAbs = 0;
  let minCos = 1;
  wantRows.forEach((want, r) => {
    const got = data.subarray(r * dim, (r + 1) * dim);
    maxAbs = Math.max(maxAbs, maxAbsError(got, want));
    minCos = Math.min(minCos, cosine(got, want));
  });
  return { maxAbs, minCos };
}

/** Cosine similarity of two vectors. */
export function cosine(a, b) {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}
