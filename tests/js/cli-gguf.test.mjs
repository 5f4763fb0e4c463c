// `qkv inspect` on GGUF models (web/src/cli/inspect-gguf.ts), as a child
// process: the committed fixtures (tests/fixtures/gguf, written by an
// independent Python writer that also wrote NAME.json, its account of each
// file) and llama.cpp's vocabulary files (read here by a small GGUF walker of
// this test's own); split models from a folder, a URL and the fake Hub
// (--quant / --file); hostile files as one error line and exit status 1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createTestServer } from './http-server.mjs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { startFakeHub } from './fake-hub.mjs';
import { uniqueId } from './hub-support.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = join(repo, 'tests/fixtures/gguf');
const tmp = mkdtempSync(join(tmpdir(), 'qkv-cli-gguf-'));
let hub;

before(async () => {
  hub = await startFakeHub();
});
after(async () => {
  await hub.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs `node dist/cli/qkv.js ...args`; never rejects. */
function qkv(args, variables = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/cli/qkv.js', ...args], {
      cwd: repo, encoding: 'utf8', timeout: 60_000, env: { ...process.env, HF_HUB_CACHE: join(tmp, 'hub-cache'), ...variables },
    }, (error, stdout, stderr) => resolve({ code: error === null ? 0 : error.code, stdout, stderr }));
  });
}

async function inspectJson(...args) {
  const run = await qkv(['inspect', ...args, '--json', '--threads', '1']);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

const manifest = (name) => JSON.parse(readFileSync(join(fixtures, `${name}.json`), 'utf8'));
const product = (dims) => dims.reduce((a, b) => a * b, 1);

/** The writer's value as the summary shows it: arrays cut to their first 8 elements at every level. */
function head(value) {
  return Array.isArray(value) ? value.slice(0, 8).map(head) : value;
}

test('every fixture: version, layout, each metadata key with type and value, each tensor, totals per type, as the writer wrote them', async () => {
  for (const name of ['values-v3', 'tokenizer-v2', 'all-types', 'no-tensors']) {
    const m = manifest(name);
    const s = await inspectJson(`tests/fixtures/gguf/${name}.gguf`);
    assert.equal(s.version, m.version, name);
    assert.equal(s.alignment, m.alignment, name);
    assert.equal(s.headerBytes, m.header_bytes, name);
    assert.equal(s.dataOffset, m.data_offset, name);
    assert.equal(s.fileBytes, m.file_size, name);
    assert.deepEqual(s.metadata.map((e) => e.key), m.metadata.map((e) => e.key), name);
    for (const [i, e] of m.metadata.entries()) {
      const got = s.metadata[i];
      const where = `${name}: ${e.key}`;
      if (e.type.startsWith('arr[')) {
        const inner = e.type.slice(4, -1);
        assert.equal(got.type, `arr[${inner.startsWith('arr[') ? 'arr' : inner},${e.value.length}]`, where);
        assert.equal(got.length, e.value.length, where);
      } else {
        assert.equal(got.type, e.type, where);
      }
      if (e.type === 'u64' || e.type === 'i64') continue; // JSON.parse rounds them: checked exactly below
      if (e.type === 'f32') assert.ok(Math.abs(got.value - e.value) <= 1e-6 * Math.max(1, Math.abs(e.value)), where);
      else if (e.type === 'arr[f32]') got.value.forEach((v, k) => assert.ok(Math.abs(v - e.value[k]) <= 1e-6 * Math.max(1, Math.abs(e.value[k])), where));
      else assert.deepEqual(got.value, head(e.value), where);
    }
    assert.deepEqual(s.tensors.map(({ name: n, type, dims, nbytes }) => ({ n, type, dims, nbytes })),
      m.tensors.map((t) => ({ n: t.name, type: t.type_name, dims: t.dims, nbytes: t.nbytes })), name);
    assert.equal(s.parameters, m.tensors.reduce((n, t) => n + product(t.dims), 0), name);
    const totals = new Map();
    for (const t of m.tensors) {
      const x = totals.get(t.type_name) ?? { type: t.type_name, tensors: 0, elements: 0, nbytes: 0 };
      x.tensors++; x.elements += product(t.dims); x.nbytes += t.nbytes;
      totals.set(t.type_name, x);
    }
    assert.deepEqual([...s.tensorTypes].sort((a, b) => a.type.localeCompare(b.type)),
      [...totals.values()].sort((a, b) => a.type.localeCompare(b.type)), name);
  }
  const v = await inspectJson('tests/fixtures/gguf/values-v3.gguf');
  const value = (key) => v.metadata.find((e) => e.key === key).value;
  assert.equal(value('test.u64'), '18446744073709551615');
  assert.equal(value('test.i64'), '-9223372036854775808');
  assert.equal(v.architecture, 'llama');
  assert.equal(v.hyperParameters.block_count, manifest('values-v3').metadata.find((e) => e.key === 'llama.block_count').value);
});

test('the text: overview, tokenizer and chat template, every key, the tensor table and the totals', async () => {
  const m = manifest('tokenizer-v2');
  const run = await qkv(['inspect', 'tests/fixtures/gguf/tokenizer-v2.gguf', '--threads', '1']);
  assert.equal(run.code, 0, run.stderr);
  const out = run.stdout;
  const meta = (key) => m.metadata.find((e) => e.key === key).value;
  assert.match(out, /^file +tests\/fixtures\/gguf\/tokenizer-v2\.gguf \(\d+(\.\d)? kB\)$/m);
  assert.match(out, new RegExp(`^format +GGUF version 2, alignment 64, header `, 'm'));
  assert.match(out, new RegExp(`^architecture +${meta('general.architecture')}$`, 'm'));
  assert.match(out, new RegExp(`^tokenizer +${meta('tokenizer.ggml.model')}, 300 tokens, 150 merges, bos ${meta('tokenizer.ggml.bos_token_id')}, add_bos ${meta('tokenizer.ggml.add_bos_token')}$`, 'm'));
  assert.match(out, new RegExp(`^chat template +yes \\(${meta('tokenizer.chat_template').length} characters\\)$`, 'm'));
  assert.match(out, /^hyper-parameters +block_count \d+, embedding_length \d+, attention\.head_count \[[-\d, ]+\]/m);
  assert.match(out, new RegExp(`^Metadata \\(${m.metadata.length} keys\\):$`, 'm'));
  assert.match(out, /^ +\d+: +arr\[str,300\] +tokenizer\.ggml\.tokens +\[("[^"]*", ){8}…\]$/m);
  assert.match(out, new RegExp(`^Tensors \\(${m.tensors.length}\\):$`, 'm'));
  for (const t of m.tensors) {
    assert.match(out, new RegExp(`^ +\\d+: +${t.type_name} +${t.name.replaceAll('.', '\\.')} +\\[${t.dims.join(', ')}\\] +${t.nbytes} B$`, 'm'), t.name);
  }
  assert.match(out, /^Totals by type:$/m);
});

/** The keys, types, strings, integers and array lengths of a GGUF file's metadata, walked here independently. */
function walkMetadata(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 4;
  const u32 = () => { const v = view.getUint32(at, true); at += 4; return v; };
  const u64 = () => { const v = Number(view.getBigUint64(at, true)); at += 8; return v; };
  const str = () => { const n = u64(); const s = new TextDecoder().decode(bytes.subarray(at, at + n)); at += n; return s; };
  const sizes = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  const scalar = (type) => {
    if (type === 8) return str();
    const v = type === 4 ? view.getUint32(at, true) : type === 5 ? view.getInt32(at, true) : type === 7 ? bytes[at] !== 0 : undefined;
    at += sizes[type];
    return v;
  };
  const version = u32();
  u64();
  const nKv = u64();
  const out = new Map();
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const type = u32();
    if (type === 9) {
      const elem = u32();
      const count = u64();
      for (let k = 0; k < count; k++) scalar(elem);
      out.set(key, { length: count });
    } else {
      out.set(key, { value: scalar(type) });
    }
  }
  return { version, metadata: out };
}

test("llama.cpp's vocabulary files: tokenizer model, pre, vocab size, merges and special ids as the file holds them", async () => {
  for (const name of ['ggml-vocab-qwen2', 'ggml-vocab-llama-spm', 'ggml-vocab-bert-bge']) {
    const bytes = gunzipSync(readFileSync(join(fixtures, 'vocab', `${name}.gguf.gz`)));
    const path = join(tmp, `${name}.gguf`);
    writeFileSync(path, bytes);
    const { version, metadata } = walkMetadata(bytes);
    const s = await inspectJson(path);
    const get = (key) => metadata.get(`tokenizer.ggml.${key}`);
    assert.equal(s.version, version, name);
    assert.equal(s.metadata.length, metadata.size, name);
    assert.equal(s.tokenizer.model, get('model').value, name);
    assert.equal(s.tokenizer.pre, get('pre')?.value, name);
    assert.equal(s.tokenizer.vocabSize, get('tokens').length, name);
    assert.equal(s.tokenizer.merges, get('merges')?.length, name);
    assert.equal(s.tokenizer.bos, get('bos_token_id')?.value, name);
    assert.equal(s.tokenizer.eos, get('eos_token_id')?.value, name);
    assert.equal(s.chatTemplateChars, metadata.get('tokenizer.chat_template')?.value.length, name);
    assert.equal(s.architecture, metadata.get('general.architecture').value, name);
    const tokens = s.metadata.find((e) => e.key === 'tokenizer.ggml.tokens');
    assert.equal(tokens.type, `arr[str,${get('tokens').length}]`);
    assert.equal(tokens.value.length, 8);
  }
});

// ---- split models -----------------------------------------------------------

/** A minimal GGUF v3 file: general.architecture, split.no/split.count (u16), one F32 tensor of 4 values. */
function splitPart(no, count, tensor) {
  const out = [];
  const le = (v, n) => { let x = BigInt(v); for (let i = 0; i < n; i++) { out.push(Number(x & 0xffn)); x >>= 8n; } };
  const str = (s) => { le(Buffer.byteLength(s), 8); out.push(...Buffer.from(s)); };
  out.push(...Buffer.from('GGUF'));
  le(3, 4); le(1, 8); le(3, 8);
  str('general.architecture'); le(8, 4); str('llama');
  str('split.no'); le(2, 4); le(no, 2);
  str('split.count'); le(2, 4); le(count, 2);
  str(tensor); le(1, 4); le(4, 8); le(0, 4); le(0, 8); // 1 dim of 4, F32, offset 0
  while (out.length % 32 !== 0) out.push(0);
  for (let i = 0; i < 4; i++) le(0x3f800000, 4);
  return new Uint8Array(out);
}
const PARTS = [1, 2, 3].map((i) => `M-Q8_0-0000${i}-of-00003.gguf`);
const partBytes = (i) => splitPart(i, 3, `t${i}.weight`);

test('a split model from its folder, its URL and the Hub (--quant, --file): every part, in order, its tensors listed per part', async () => {
  const dir = join(tmp, 'split');
  mkdirSync(dir, { recursive: true });
  PARTS.forEach((p, i) => writeFileSync(join(dir, p), partBytes(i)));
  writeFileSync(join(dir, 'M-Q4_0.gguf'), splitPart(0, 1, 'other'));
  const check = (s, prefix) => {
    assert.deepEqual(s.files.map((f) => f.name), PARTS.map((p) => `${prefix}${p}`));
    assert.deepEqual(s.tensors.map((t) => [t.name, t.part]), [['t0.weight', 0], ['t1.weight', 1], ['t2.weight', 2]]);
    assert.equal(s.fileBytes, PARTS.reduce((n, _, i) => n + partBytes(i).length, 0));
    assert.equal(s.parameters, 12);
  };
  check(await inspectJson(join(dir, PARTS[0])), `${dir}/`);

  const server = createTestServer((req, res) => {
    const name = decodeURIComponent(req.url.slice(1));
    try {
      const body = readFileSync(join(dir, name));
      res.writeHead(200, { 'Content-Length': body.length }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}/`;
  try {
    check(await inspectJson(`${base}${PARTS[0]}`), base);
  } finally {
    server.close();
  }

  const id = uniqueId('split-gguf');
  hub.addRepo(id, Object.fromEntries([...PARTS.map((p, i) => [p, partBytes(i)]), ['M-Q4_0.gguf', splitPart(0, 1, 'other')]]));
  const env = { HF_ENDPOINT: hub.url };
  for (const pick of [['--quant', 'q8_0'], ['--file', PARTS[0]]]) {
    const run = await qkv(['inspect', id, ...pick, '--json', '--threads', '1'], env);
    assert.equal(run.code, 0, run.stderr);
    check(JSON.parse(run.stdout), `${id}/`);
  }
  const single = await qkv(['inspect', id, '--quant', 'Q4_0', '--json', '--threads', '1'], env);
  assert.deepEqual(JSON.parse(single.stdout).tensors.map((t) => t.name), ['other']);
  const none = await qkv(['inspect', id, '--quant', 'Q6_K', '--threads', '1'], env);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^HubError: .*has no GGUF model of quant 'Q6_K'; it has Q4_0 \(M-Q4_0\.gguf\), Q8_0 \(3 parts: M-Q8_0-00001-of-00003\.gguf …\)\.\n$/);
});

test('hostile or wrong files: one named error line, exit status 1, no stack', async () => {
  const good = readFileSync(join(fixtures, 'values-v3.gguf'));
  const write = (name, bytes) => { const p = join(tmp, name); writeFileSync(p, bytes); return p; };
  const dir = join(tmp, 'holey');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, PARTS[0]), partBytes(0));
  writeFileSync(join(dir, PARTS[2]), partBytes(2));
  const swapped = join(tmp, 'swapped');
  mkdirSync(swapped, { recursive: true });
  PARTS.forEach((p, i) => writeFileSync(join(swapped, p), partBytes(i === 1 ? 2 : i === 2 ? 1 : 0)));
  const cases = [
    [[write('cut.gguf', good.subarray(0, 100))], /^FormatError: .*cut\.gguf/],
    [[write('text.gguf', 'hello, not a GGUF file at all')], /^FormatError: .*text\.gguf/],
    [[write('v1.gguf', Buffer.from([...Buffer.from('GGUF'), 1, 0, 0, 0, ...new Array(16).fill(0)]))], /^UnsupportedError: .*GGUF version 1 is not supported/],
    [[join(dir, PARTS[0])], /^HubError: the folder .* lacks part M-Q8_0-00002-of-00003\.gguf/],
    [[join(swapped, PARTS[0])], /^InvalidArgumentError: .*M-Q8_0-00002-of-00003\.gguf: given as part 2 of 3 but its split\.no says part 3/],
    [[write('lone.gguf', partBytes(0))], /^InvalidArgumentError: .*lone\.gguf: split\.count is 3 but 1 GGUF file was given: give all 3 parts/],
    [['tests/fixtures/gguf/values-v3.gguf', '--quant', 'Q8_0'], /^InvalidArgumentError: qkv inspect: --file and --quant pick from a Hub id/],
    [['no/such-model.gguf'], /^InvalidArgumentError: qkv inspect: no such GGUF file: no\/such-model\.gguf/],
  ];
  for (const [args, pattern] of cases) {
    const run = await qkv(['inspect', ...args, '--threads', '1']);
    assert.equal(run.code, 1, `${args.join(' ')}: ${run.stdout}`);
    assert.match(run.stderr, pattern, args.join(' '));
    assert.equal(run.stderr.split('\n').filter(Boolean).length, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /\n +at /, run.stderr);
  }
});

test('a file of several GB (sparse) is inspected from its header alone', async () => {
  const path = join(tmp, 'big.gguf');
  writeFileSync(path, readFileSync(join(fixtures, 'values-v3.gguf')));
  truncateSync(path, 6e9);
  const start = performance.now();
  const s = await inspectJson(path);
  assert.equal(s.fileBytes, 6e9);
  assert.equal(s.tensors.length, manifest('values-v3').tensors.length);
  // Reading 6 GB (even of a sparse file) takes far longer than starting the CLI and reading 1 MiB.
  assert.ok(performance.now() - start < 20_000);
});

test('generate runs a GGUF file, and a Hub id with --quant; download refuses --quant', async () => {
  // Greedy tokens from the file on disk and from the Hub copy chosen by --quant must agree.
  const file = 'tests/fixtures/gguf/models/qwen3-tiny-q8_0.gguf';
  const fromDisk = await qkv(['generate', file, 'hello world', '--max-new-tokens', '4', '--threads', '1', '--quiet']);
  assert.equal(fromDisk.code, 0, fromDisk.stderr);
  assert.match(fromDisk.stdout, /^hello world\S*( \S+){4}/);
  const id = 'org/cli-gguf-generate';
  hub.addRepo(id, { 'Tiny-Q8_0.gguf': readFileSync(join(repo, file)), 'Tiny-Q4_0.gguf': readFileSync(join(repo, file.replace('q8_0', 'q4_0'))) });
  const env = { HF_ENDPOINT: hub.url };
  const fromHub = await qkv(['generate', id, 'hello world', '--quant', 'Q8_0', '--max-new-tokens', '4', '--threads', '1', '--quiet'], env);
  assert.equal(fromHub.code, 0, fromHub.stderr);
  assert.equal(fromHub.stdout, fromDisk.stdout);
  const download = await qkv(['download', id, '--quant', 'Q8_0'], env);
  assert.notEqual(download.code, 0);
  assert.match(download.stderr, /--file and --quant choose a GGUF/);
});

test('generate on a split model\'s first part finds its siblings: the single file\'s text; inspect lists the parts', async () => {
  const args = ['hello world', '--max-new-tokens', '5', '--threads', '1', '--quiet'];
  const single = await qkv(['generate', 'tests/fixtures/gguf/kquant/llama-kq-Q4_K_M.gguf', ...args]);
  assert.equal(single.code, 0, single.stderr);
  const split = await qkv(['generate', 'tests/fixtures/gguf/kquant/split/llama-kq-Q4_K_M-00001-of-00003.gguf', ...args]);
  assert.equal(split.code, 0, split.stderr);
  assert.equal(split.stdout, single.stdout);
  const summary = await inspectJson('tests/fixtures/gguf/kquant/split/llama-kq-Q4_K_M-00001-of-00003.gguf');
  assert.deepEqual(summary.files.map((f) => basename(f.name)), [1, 2, 3].map((i) => `llama-kq-Q4_K_M-0000${i}-of-00003.gguf`));
  const later = await qkv(['generate', 'tests/fixtures/gguf/kquant/split/llama-kq-Q4_K_M-00002-of-00003.gguf', ...args]);
  assert.equal(later.code, 1);
  assert.match(later.stderr, /part 2 of a split GGUF model: give its first part/);
});
