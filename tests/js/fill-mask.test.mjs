// Fill-mask through the public API (loadModel + fillMaskLogits, pipeline('fill-mask'), fillMask), a
// worker (WorkerModel.fillMaskLogits / fillMask) and the CLI (qkv fill-mask) against the PyTorch
// references of tests/fixtures/{bert,roberta,distilbert,modernbert}-mlm-tiny (gen_fill_mask.py): the
// masked-LM heads' logits at the mask positions, and the pipeline's top-k, targets and several masks
// as transformers' fill_mask.py post-processes them. Each reference also records the head computed
// wrong (bias dropped, transform LayerNorm skipped, RoBERTa's untied decoder replaced by the tied
// embeddings): qkv must be far from those, so the comparisons can fail.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { folder, reference, runNode } from './fixtures.mjs';
import {
  InvalidArgumentError, UnsupportedError, WorkerEngine, env, fillMask, loadModel, pipeline,
} from '../../dist/index.js';

const TOL = 2e-4; // logits: f32 through two tiny layers and a 4096-wide head
const SCORE_TOL = 1e-5;
const FIXTURES = ['bert-mlm-tiny', 'roberta-mlm-tiny', 'distilbert-mlm-tiny', 'modernbert-mlm-tiny'];
const ARCHITECTURES = ['BertForMaskedLM', 'RobertaForMaskedLM', 'DistilBertForMaskedLM', 'ModernBertForMaskedLM'];

/** Largest |got - want| over a case's masks at its logit_ids (want: [masks][logit_ids]). */
function errorAt(result, c, want) {
  let worst = 0;
  want.forEach((row, m) => row.forEach((v, i) => {
    worst = Math.max(worst, Math.abs(result.logits[m * result.dims[1] + c.logit_ids[i]] - v));
  }));
  return worst;
}

function assertPropositions(got, want, what) {
  assert.equal(got.length, want.length, `${what}: count`);
  got.forEach((g, i) => {
    const w = want[i];
    assert.deepEqual({ token: g.token, token_str: g.token_str, sequence: g.sequence },
      { token: w.token, token_str: w.token_str, sequence: w.sequence }, `${what}: proposition ${i}`);
    assert.ok(Math.abs(g.score - w.score) <= SCORE_TOL, `${what}: score ${g.score} vs ${w.score}`);
  });
}

/** A result for one text: a list, or one list per mask. */
function assertResults(got, want, what) {
  if (Array.isArray(want[0])) {
    assert.equal(got.length, want.length, `${what}: masks`);
    want.forEach((w, m) => assertPropositions(got[m], w, `${what} mask ${m}`));
  } else {
    assertPropositions(got, want, what);
  }
}

/** Runs `fn` with console.warn collected. */
async function collectWarnings(fn) {
  const warnings = [];
  const warn = console.warn;
  console.warn = (m) => warnings.push(String(m));
  try {
    return { result: await fn(), warnings };
  } finally {
    console.warn = warn;
  }
}

const pipes = {};
before(async () => {
  env.wasm.numThreads = 1;
  for (const name of FIXTURES) pipes[name] = await pipeline('fill-mask', folder(name));
});
after(() => Promise.all(Object.values(pipes).map((p) => p.dispose())));

for (const [n, name] of FIXTURES.entries()) {
  test(`${name}: the head's logits at the masks equal PyTorch's, far from the wrong variants`, async () => {
    const { model } = pipes[name];
    const ref = reference(name);
    assert.equal(model.info.architecture, ARCHITECTURES[n]);
    assert.deepEqual(model.info.capabilities, ['encode', 'fill-mask']);
    assert.equal(model.tokenizer.mask_token, '[MASK]');
    assert.equal(model.tokenizer.mask_token_id, ref.mask_token_id);
    // All texts in one call: packed together, each mask's row where its text's masks are.
    const results = await model.fillMaskLogits(ref.cases.map((c) => c.text));
    for (const [i, c] of ref.cases.entries()) {
      const r = results[i];
      assert.deepEqual(r.ids, c.ids, c.text);
      assert.deepEqual(r.maskPositions, c.mask_positions, c.text);
      assert.deepEqual(r.dims, [c.mask_positions.length, model.info.nVocab]);
      const err = errorAt(r, c, c.logits);
      assert.ok(err <= TOL, `${c.text}: max |logit error| ${err}`);
      for (const variant of Object.keys(c).filter((k) => k.endsWith('_logits') && k !== 'logits')) {
        const gap = errorAt(r, c, c[variant]);
        assert.ok(gap > 100 * TOL, `${c.text}: ${variant} is only ${gap} away`);
      }
    }
    const [alone] = await model.fillMaskLogits(ref.cases[1].text);
    assert.deepEqual(alone.logits, results[1].logits, 'a text alone gives what it gives in a batch');
  });

  test(`${name}: pipeline('fill-mask') gives transformers' top 5, a list per mask, targets and top_k`, async () => {
    const fm = pipes[name];
    const ref = reference(name);
    for (const c of ref.cases) assertResults(await fm(c.text), c.results, c.text);
    const several = await fm(ref.cases.map((c) => c.text));
    ref.cases.forEach((c, i) => assertResults(several[i], c.results, `batched ${c.text}`));
    const t = ref.cases.find((c) => c.targets !== undefined);
    const { result, warnings } = await collectWarnings(() => fm(t.text, { targets: t.targets }));
    assertResults(result, t.targets_results, 'targets');
    // nurse, Paris and zyzzyva are outside the cut vocabulary: their first sub-token, with a warning each.
    assert.equal(warnings.length, 3, warnings.join('\n'));
    assert.ok(warnings.every((w) => /not in the vocabulary; using its first token/.test(w)), warnings.join('\n'));
    assertResults(await fm(t.text, { top_k: 2 }), t.top_k_2_results, 'top_k 2');
    // top_k above the number of (distinct) targets is capped.
    assert.equal((await fm(t.text, { targets: ['doctor', 'teacher', 'doctor'], top_k: 10 })).length, 2);
  });
}

test('bad inputs: named errors, and the model stays usable', async () => {
  const fm = pipes['bert-mlm-tiny'];
  const ref = reference('bert-mlm-tiny');
  await assert.rejects(fm('no mask here'), (e) => e instanceof InvalidArgumentError && /no mask_token \(\[MASK\]\)/.test(e.message));
  await assert.rejects(fm(['a [MASK]', 'none']), (e) => e instanceof InvalidArgumentError && /text 1/.test(e.message));
  for (const top_k of [0, -1, 1.5, '3']) {
    await assert.rejects(fm(ref.cases[0].text, { top_k }), (e) => e instanceof InvalidArgumentError && /top_k/.test(e.message));
  }
  await assert.rejects(fm(ref.cases[0].text, { targets: [] }), (e) => e instanceof InvalidArgumentError && /at least one target/.test(e.message));
  await assert.rejects(fm(ref.cases[0].text, { targets: [3] }), InvalidArgumentError);
  await assert.rejects(fm.model.fillMaskLogits([]), InvalidArgumentError);
  await assert.rejects(fm.model.fillMaskLogits('[MASK] '.repeat(70)), (e) => e instanceof InvalidArgumentError && /at most 64/.test(e.message));
  // A model without the head: pipeline() refuses it by task, fillMaskLogits() by capability.
  await assert.rejects(pipeline('fill-mask', folder('bert-nli-tiny')),
    (e) => e instanceof InvalidArgumentError && /cannot 'fill-mask'/.test(e.message));
  const classifier = await loadModel(folder('bert-nli-tiny'));
  try {
    await assert.rejects(classifier.fillMaskLogits('a [MASK]'), (e) => e instanceof UnsupportedError && /cannot 'fill-mask'/.test(e.message));
    await assert.rejects(fillMask(classifier, 'a [MASK]'), UnsupportedError);
  } finally {
    classifier.dispose();
  }
  assertResults(await fm(ref.cases[0].text), ref.cases[0].results, 'still usable');
});

test('a tokenizer without a mask_token (no tokenizer_config.json): a named error', async () => {
  const read = (f) => readFileSync(`${folder('bert-mlm-tiny')}/${f}`);
  const model = await loadModel({ config: read('config.json'), weights: read('model.safetensors'), tokenizer: read('tokenizer.json') });
  try {
    assert.equal(model.tokenizer.mask_token, undefined);
    await assert.rejects(model.fillMaskLogits('a [MASK]'), (e) => e instanceof UnsupportedError && /does not define a mask_token/.test(e.message));
  } finally {
    model.dispose();
  }
});

test('in a worker: fillMaskLogits() and fillMask() as on the main thread; errors keep their class', async () => {
  const engine = await WorkerEngine.create({ numThreads: 1 });
  try {
    const ref = reference('distilbert-mlm-tiny');
    const remote = await engine.loadModel(folder('distilbert-mlm-tiny'));
    assert.deepEqual(remote.info.capabilities, ['encode', 'fill-mask']);
    // The page's side knows the mask token without a call (the demo prefills its text with it).
    assert.deepEqual([remote.tokenizer.mask_token, remote.tokenizer.mask_token_id], [ref.mask_token, ref.mask_token_id]);
    const [two] = await remote.fillMaskLogits(ref.cases[1].text);
    assert.ok(errorAt(two, ref.cases[1], ref.cases[1].logits) <= TOL);
    for (const c of ref.cases) assertResults(await remote.fillMask(c.text), c.results, `worker ${c.text}`);
    const t = ref.cases.find((c) => c.targets !== undefined);
    assertResults(await remote.fillMask(t.text, { targets: t.targets }), t.targets_results, 'worker targets');
    await assert.rejects(remote.fillMask('no mask'), InvalidArgumentError);
    await assert.rejects(remote.fillMask(t.text, { top_k: 0 }), InvalidArgumentError);
    const bert = await engine.loadModel(folder('bert-tiny'));
    await assert.rejects(bert.fillMaskLogits('a [MASK]'), (e) => e instanceof UnsupportedError && /cannot 'fill-mask'/.test(e.message));
    assert.equal(bert.tokenizer.mask_token, undefined, 'bert-tiny has no tokenizer_config.json');
    assert.equal((await remote.fillMask(t.text)).length, 5, 'still usable');
  } finally {
    engine.terminate();
  }
});

const run = runNode;
const qkv = (...args) => run('dist/cli/qkv.js', [...args, '--threads', '1', '--quiet']);
const line = (r) => `${r.score.toFixed(4)}\t${r.token_str}\t${r.sequence}`;

test('qkv fill-mask: score, token and sequence per line; several masks; --top-k, --targets, --json; named errors', async () => {
  const ref = reference('bert-mlm-tiny');
  const one = await qkv('fill-mask', 'tests/fixtures/bert-mlm-tiny', ref.cases[0].text);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, ref.cases[0].results.map(line).join('\n') + '\n');
  const two = await qkv('fill-mask', 'tests/fixtures/bert-mlm-tiny', ref.cases[1].text, '--top-k', '3');
  assert.equal(two.code, 0, two.stderr);
  assert.equal(two.stdout, ref.cases[1].results.flatMap((list, m) => [`# mask ${m + 1}`, ...list.slice(0, 3).map(line)]).join('\n') + '\n');
  const t = ref.cases.find((c) => c.targets !== undefined);
  const targets = await qkv('fill-mask', 'tests/fixtures/bert-mlm-tiny', t.text, '--targets', 'doctor,teacher', '--json');
  assert.equal(targets.code, 0, targets.stderr);
  assert.deepEqual(JSON.parse(targets.stdout).map((r) => r.token_str), t.targets_results
    .filter((r) => ['doctor', 'teacher'].includes(r.token_str)).map((r) => r.token_str));
  const none = await qkv('fill-mask', 'tests/fixtures/bert-mlm-tiny', 'no mask');
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /InvalidArgumentError: .*no mask_token/);
  const headless = await qkv('fill-mask', 'tests/fixtures/bert-nli-tiny', 'a [MASK]');
  assert.notEqual(headless.code, 0);
  assert.match(headless.stderr, /UnsupportedError: qkv fill-mask: BertForSequenceClassification cannot 'fill-mask'/);
  const help = await run('dist/cli/qkv.js', ['--help']);
  assert.match(help.stdout, /fill-mask/);
});

test('examples/node/fill-mask.mjs runs on a fixture', async () => {
  const ref = reference('bert-mlm-tiny');
  const out = await run('examples/node/fill-mask.mjs', ['tests/fixtures/bert-mlm-tiny', ref.cases[0].text]);
  assert.equal(out.code, 0, out.stderr);
  assert.ok(out.stdout.includes(ref.cases[0].results[0].sequence), out.stdout);
});
