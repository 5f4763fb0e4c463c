// web/src/sources/gguf-files.ts: which GGUF files of a Hub repository load
// for { file } or { quant }, as llama.cpp's `-hf repo:quant` picks them
// (common/download.cpp find_best_model / get_split_files), from the listing
// of a loopback fake Hub (tests/js/fake-hub.mjs); split models as all their
// parts in order; each wrong choice a named error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HubError, InvalidArgumentError } from '../../dist/index.js';
import { openRepository } from '../../dist/hub/repository.js';
import { CachedFiles } from '../../dist/io/url-cache.js';
import {
  checkGgufParts, ggufQuantTag, ggufRepositoryFiles, ggufSplitName, hasGgufModel, pickGgufFiles,
} from '../../dist/sources/gguf-files.js';
import { uniqueId, useFakeHub } from './hub-support.mjs';

let hub;
useFakeHub((started) => {
  hub = started;
});

// Each file's bytes are its own name, so what was opened is known.
const repoFiles = (paths) => Object.fromEntries(paths.map((p) => [p, `bytes of ${p}`]));
const SPLIT = ['Big-Q8_0-00001-of-00003.gguf', 'Big-Q8_0-00002-of-00003.gguf', 'Big-Q8_0-00003-of-00003.gguf'];
const QUANTS = [
  'README.md', 'config.json',
  'Qwen3-0.6B-BF16.gguf', 'Qwen3-0.6B-F16.gguf', 'Qwen3-0.6B-Q4_K_M.gguf', 'Qwen3-0.6B-q5_k_m.gguf',
  'Qwen3-0.6B-Q8_0.gguf', 'mmproj-Qwen3-0.6B-Q8_0.gguf', 'imatrix.gguf',
];

async function open(id) {
  return openRepository(id, { cached: new CachedFiles() });
}

async function textOf(file) {
  const src = await file.open({ cached: new CachedFiles() });
  try {
    const bytes = new Uint8Array(src.size);
    await src.read(0, bytes);
    await src.complete?.();
    return new TextDecoder().decode(bytes);
  } finally {
    await src.close();
  }
}

test('a quant picks its file case-insensitively, a file by its path; projectors and imatrix never; the bytes are that file\'s', async () => {
  const id = uniqueId('qwen3-gguf');
  hub.addRepo(id, repoFiles(QUANTS));
  const repo = await open(id);
  const pick = (choice) => ggufRepositoryFiles(repo, choice).map((f) => f.name);
  assert.deepEqual(pick({ quant: 'Q8_0' }), ['Qwen3-0.6B-Q8_0.gguf']);
  assert.deepEqual(pick({ quant: 'q4_k_m' }), ['Qwen3-0.6B-Q4_K_M.gguf']);
  assert.deepEqual(pick({ quant: 'Q5_K_M' }), ['Qwen3-0.6B-q5_k_m.gguf']);
  // 'F16' is a tag of its own: BF16 does not match it (llama.cpp's first-in-listing would take BF16).
  assert.deepEqual(pick({ quant: 'F16' }), ['Qwen3-0.6B-F16.gguf']);
  assert.deepEqual(pick({ quant: 'bf16' }), ['Qwen3-0.6B-BF16.gguf']);
  assert.deepEqual(pick({ file: 'Qwen3-0.6B-Q8_0.gguf' }), ['Qwen3-0.6B-Q8_0.gguf']);
  // Neither: Q4_K_M, llama.cpp's default.
  assert.deepEqual(pick({}), ['Qwen3-0.6B-Q4_K_M.gguf']);
  const [file] = ggufRepositoryFiles(repo, { quant: 'Q8_0' });
  assert.equal(file.size, 'bytes of Qwen3-0.6B-Q8_0.gguf'.length);
  assert.equal(await textOf(file), 'bytes of Qwen3-0.6B-Q8_0.gguf');
});

test('a split model is all its parts in order, from a quant or its first part; a later part or a missing one is named', async () => {
  const id = uniqueId('split-gguf');
  // Listed out of order, with a lone other quant and an unrelated 2-part model of another prefix.
  hub.addRepo(id, repoFiles([SPLIT[2], SPLIT[0], 'Big-Q4_0.gguf', SPLIT[1], 'Other-Q8_K-00001-of-00002.gguf', 'Other-Q8_K-00002-of-00002.gguf']));
  const repo = await open(id);
  const pick = (choice) => ggufRepositoryFiles(repo, choice).map((f) => f.name);
  assert.deepEqual(pick({ quant: 'Q8_0' }), SPLIT);
  assert.deepEqual(pick({ file: SPLIT[0] }), SPLIT);
  assert.deepEqual(pick({}), SPLIT); // Q4_K_M absent, Q8_0 next
  assert.deepEqual(pick({ quant: 'q4_0' }), ['Big-Q4_0.gguf']);
  const texts = await Promise.all(ggufRepositoryFiles(repo, { quant: 'Q8_0' }).map(textOf));
  assert.deepEqual(texts, SPLIT.map((p) => `bytes of ${p}`));
  assert.throws(() => pick({ file: SPLIT[1] }),
    (e) => e instanceof InvalidArgumentError && e.message.includes(`part 2 of a split GGUF model: name its first part, ${SPLIT[0]}`));

  const holey = uniqueId('split-gguf-hole');
  hub.addRepo(holey, repoFiles([SPLIT[0], SPLIT[2]]));
  const broken = await open(holey);
  for (const choice of [{ quant: 'Q8_0' }, { file: SPLIT[0] }, {}]) {
    assert.throws(() => ggufRepositoryFiles(broken, choice),
      (e) => e instanceof HubError && e.reason === 'EntryNotFound' && e.message.includes(`split in 3 parts but lacks part ${SPLIT[1]}`)
        && e.message.includes(holey), JSON.stringify(choice));
  }
  // Only a later part listed: still that model, and part 1 is what is missing.
  assert.throws(() => pickGgufFiles([SPLIT[1], SPLIT[2]], { quant: 'Q8_0' }),
    (e) => e instanceof HubError && e.message.includes(`lacks part ${SPLIT[0]}`));
});

test('no GGUF, a quant that matches none (the quants listed), one that matches several, a file not there: named errors', async () => {
  const id = uniqueId('no-gguf');
  hub.addRepo(id, repoFiles(['config.json', 'model.safetensors', 'mmproj-x-F16.gguf']));
  const none = await open(id);
  assert.equal(hasGgufModel(none.snapshot.files.keys()), false);
  assert.throws(() => ggufRepositoryFiles(none, { quant: 'Q8_0' }),
    (e) => e instanceof HubError && e.reason === 'EntryNotFound' && e.message.includes(`'${id}' at revision 'main'`)
      && e.message.includes('has no GGUF model file (.gguf); only mmproj-x-F16.gguf'));

  const qid = uniqueId('qwen3-gguf');
  hub.addRepo(qid, repoFiles([...QUANTS, ...SPLIT, 'Qwen3-0.6B-UD-Q4_K_XL.gguf', 'sub/Qwen3-0.6B-Q4_K_M.gguf']));
  const repo = await open(qid);
  assert.equal(hasGgufModel(repo.snapshot.files.keys()), true);
  assert.throws(() => ggufRepositoryFiles(repo, { quant: 'IQ2_XXS' }), (e) => e instanceof HubError && e.reason === 'EntryNotFound'
    && e.message.includes("no GGUF model of quant 'IQ2_XXS'")
    && ['BF16 (Qwen3-0.6B-BF16.gguf)', 'Q5_K_M (Qwen3-0.6B-q5_k_m.gguf)', 'Q8_0 (3 parts: Big-Q8_0-00001-of-00003.gguf …)', 'Q4_K_XL']
      .every((s) => e.message.includes(s)) && !e.message.includes('mmproj') && !e.message.includes('imatrix'), 'lists the quants');
  assert.throws(() => ggufRepositoryFiles(repo, { quant: 'Q4_K_M' }), (e) => e instanceof InvalidArgumentError
    && e.message.includes("quant 'Q4_K_M' matches 2 GGUF models") && e.message.includes('Qwen3-0.6B-Q4_K_M.gguf, sub/Qwen3-0.6B-Q4_K_M.gguf')
    && e.message.includes('name one with file'));
  assert.throws(() => ggufRepositoryFiles(repo, { quant: 'Q8_0' }), (e) => e instanceof InvalidArgumentError
    && e.message.includes('Big-Q8_0-00001-of-00003.gguf, Qwen3-0.6B-Q8_0.gguf'));
  assert.throws(() => ggufRepositoryFiles(repo, {}), (e) => e instanceof InvalidArgumentError && e.message.includes("quant 'Q4_K_M' matches 2"));
  assert.deepEqual(ggufRepositoryFiles(repo, { quant: 'ud-q4_k_xl' }).map((f) => f.name), ['Qwen3-0.6B-UD-Q4_K_XL.gguf']);
  assert.deepEqual(ggufRepositoryFiles(repo, { quant: 'Q4_K_XL' }).map((f) => f.name), ['Qwen3-0.6B-UD-Q4_K_XL.gguf']);
  assert.deepEqual(ggufRepositoryFiles(repo, { file: 'sub/Qwen3-0.6B-Q4_K_M.gguf' }).map((f) => f.name), ['sub/Qwen3-0.6B-Q4_K_M.gguf']);
  assert.throws(() => ggufRepositoryFiles(repo, { file: 'Qwen3-0.6B-Q3_K_S.gguf' }), (e) => e instanceof HubError
    && e.reason === 'EntryNotFound' && e.message.includes('has no file Qwen3-0.6B-Q3_K_S.gguf; its GGUF files: Big-Q8_0-00001-of-00003.gguf'));
  assert.throws(() => ggufRepositoryFiles(repo, { file: 'config.json' }), (e) => e instanceof InvalidArgumentError && /must name a \.gguf/.test(e.message));
  assert.throws(() => ggufRepositoryFiles(repo, { file: 'Qwen3-0.6B-F16.gguf', quant: 'F16' }),
    (e) => e instanceof InvalidArgumentError && /not both/.test(e.message));
  assert.throws(() => ggufRepositoryFiles(repo, { quant: 'Q4.*' }), (e) => e instanceof InvalidArgumentError && /quant tag/.test(e.message));
});

test('several models and no Q4_K_M or Q8_0: a choice is asked for; one model alone is taken', () => {
  assert.throws(() => pickGgufFiles(['a-Q6_K.gguf', 'a-Q5_K_S.gguf'], {}, "'org/a'"), (e) => e instanceof InvalidArgumentError
    && e.message === "'org/a' has 2 GGUF models and none of Q4_K_M, Q8_0: choose one with quant or file (Q6_K (a-Q6_K.gguf), Q5_K_S (a-Q5_K_S.gguf)).");
  assert.deepEqual(pickGgufFiles(['README.md', 'model.gguf'], {}), ['model.gguf']);
});

test('split names and quant tags as llama.cpp reads them', () => {
  assert.deepEqual(ggufSplitName('d/M-Q4_K_M-00002-of-00010.gguf'), { prefix: 'd/M-Q4_K_M', index: 2, count: 10 });
  assert.equal(ggufSplitName('M-Q4_K_M.gguf'), undefined);
  assert.equal(ggufSplitName('M-00000-of-00002.gguf'), undefined);
  assert.equal(ggufSplitName('M-00003-of-00002.gguf'), undefined);
  assert.equal(ggufQuantTag('Qwen3-0.6B-Q8_0.gguf'), 'Q8_0');
  assert.equal(ggufQuantTag('llama.q4_k_m-00001-of-00002.gguf'), 'Q4_K_M');
  assert.equal(ggufQuantTag('model.gguf'), undefined);
});

test('split headers: split.no and split.count must say what the order says', () => {
  const part = (name, no, count) => ({ name, metadata: new Map([['split.no', no], ['split.count', count], ['split.tensors.count', 7]]) });
  checkGgufParts([{ name: 'one.gguf', metadata: new Map() }]);
  checkGgufParts([part('a', 0, 3), part('b', 1, 3), part('c', 2, 3)]);
  assert.throws(() => checkGgufParts([part('a', 0, 3), part('c', 2, 3), part('b', 1, 3)]),
    (e) => e instanceof InvalidArgumentError && e.message === 'c: given as part 2 of 3 but its split.no says part 3');
  assert.throws(() => checkGgufParts([part('a', 0, 3)]),
    (e) => e instanceof InvalidArgumentError && /split\.count is 3 but 1 GGUF file was given: give all 3 parts/.test(e.message));
  assert.throws(() => checkGgufParts([part('a', 0, 2), part('b', 1, 3)]),
    (e) => e instanceof InvalidArgumentError && /^a: split\.count is 2 but 2|^b: split\.count is 3 but 2/.test(e.message));
});
