// qkv classify and qkv ner (dist/cli/qkv.js) and examples/node/classify.mjs as child processes, checked against the
// PyTorch references of tests/fixtures/distilbert-sst2-tiny, rerank-tiny and bert-ner-tiny (gen_classifiers.py): labels
// with their scores, best first, --top-k, --pair, --json, and the named error on a model without a
// classification head.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { reference } from './fixtures.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `node <script> ...args` from the repository root; never rejects. */
function run(script, args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: repo, encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : error.code, stdout, stderr }));
  });
}

const qkv = (...args) => run('dist/cli/qkv.js', [...args, '--threads', '1', '--quiet']);

test('qkv classify prints every label and score, best first; --top-k and --json', async () => {
  const ref = reference('distilbert-sst2-tiny');
  const input = ref.inputs[1];
  const all = await qkv('classify', 'tests/fixtures/distilbert-sst2-tiny', input.text);
  assert.equal(all.code, 0, all.stderr);
  assert.equal(all.stdout, input.results.map((r) => `${r.label}\t${r.score.toFixed(4)}`).join('\n') + '\n');
  const top = await qkv('classify', 'tests/fixtures/distilbert-sst2-tiny', input.text, '--top-k', '1', '--json');
  assert.equal(top.code, 0, top.stderr);
  const [best] = JSON.parse(top.stdout);
  assert.equal(best.label, input.results[0].label);
  assert.ok(Math.abs(best.score - input.results[0].score) <= 1e-5);
});

test('qkv classify --pair scores a reranker\'s (query, document) by the sigmoid of its logit', async () => {
  const ref = reference('rerank-tiny');
  const doc = ref.documents[0];
  const out = await qkv('classify', 'tests/fixtures/rerank-tiny', ref.query, '--pair', doc.text, '--json');
  assert.equal(out.code, 0, out.stderr);
  const [only] = JSON.parse(out.stdout);
  assert.equal(only.label, 'LABEL_0');
  assert.ok(Math.abs(only.score - doc.score) <= 1e-5);
});

test('qkv classify on a model without a classification head: a named error, exit 1', async () => {
  const out = await qkv('classify', 'tests/fixtures/bert-tiny', 'hello');
  assert.equal(out.code, 1);
  assert.match(out.stderr, /^UnsupportedError: qkv classify: BertModel cannot 'classify'; it can 'encode' \(embed\(\)\)$/m);
});

test('qkv ner prints the pipeline\'s entities, one token a line; --all keeps O; --json', async () => {
  const ref = reference('bert-ner-tiny');
  const text = ref.texts[0];
  const out = await qkv('ner', 'tests/fixtures/bert-ner-tiny', text.text);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, text.entities.map((e) => `${e.index}\t${e.word}\t${e.entity}\t${e.score.toFixed(4)}\t${e.start}-${e.end}\n`).join(''));
  for (const strategy of ['simple', 'first', 'average', 'max']) {
    const grouped = await qkv('ner', 'tests/fixtures/bert-ner-tiny', text.text, '--aggregation', strategy);
    assert.equal(grouped.code, 0, grouped.stderr);
    assert.equal(grouped.stdout, text.strategies[strategy]
      .map((e) => `${e.word}\t${e.entity_group}\t${e.score.toFixed(4)}\t${e.start}-${e.end}\n`).join(''), strategy);
  }
  const bad = await qkv('ner', 'tests/fixtures/bert-ner-tiny', text.text, '--aggregation', 'best');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^InvalidArgumentError: qkv ner: --aggregation must be one of none, simple, first, average, max/m);
  const all = await qkv('ner', 'tests/fixtures/bert-ner-tiny', text.text, '--all', '--json');
  assert.equal(all.code, 0, all.stderr);
  const parsed = JSON.parse(all.stdout);
  assert.deepEqual(parsed.map((e) => e.index), text.unfiltered.map((e) => e.index));
  parsed.forEach((e, i) => assert.ok(Math.abs(e.score - text.unfiltered[i].score) <= 1e-5));
  const wrong = await qkv('ner', 'tests/fixtures/distilbert-sst2-tiny', 'x');
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^UnsupportedError: qkv ner: DistilBertForSequenceClassification cannot 'classify-tokens'/m);
});

test('examples/node/ner.mjs prints each entity with its span marked, as the references', async () => {
  const text = reference('bert-ner-tiny').texts[0];
  for (const strategy of ['simple', 'first']) {
    const out = await run('examples/node/ner.mjs', ['tests/fixtures/bert-ner-tiny', text.text, '--aggregation', strategy]);
    assert.equal(out.code, 0, out.stderr);
    const want = text.strategies[strategy].map((e) => `${e.entity_group.padEnd(8)} ${e.score.toFixed(4)} `
      + `${String(e.start).padStart(3)}-${String(e.end).padEnd(3)} ${text.text.slice(0, e.start)}[${text.text.slice(e.start, e.end)}]${text.text.slice(e.end)}`);
    assert.equal(out.stdout, `${want.join('\n')}\n`, strategy);
  }
  const bad = await run('examples/node/ner.mjs', ['tests/fixtures/bert-ner-tiny', 'x', '--aggregation', 'best']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^InvalidArgumentError: token-classification: aggregation_strategy must be/m);
});

test('examples/node/classify.mjs prints every label of each text, and of a pair, as the references', async () => {
  const ref = reference('distilbert-sst2-tiny');
  const texts = ref.inputs.slice(0, 2);
  const out = await run('examples/node/classify.mjs', ['tests/fixtures/distilbert-sst2-tiny', ...texts.map((i) => i.text)]);
  assert.equal(out.code, 0, out.stderr);
  const want = texts.flatMap((i) => [i.text, ...i.results.map((r) => `  ${r.label.padEnd(16)} ${r.score.toFixed(4)}`)]);
  assert.equal(out.stdout, `${want.join('\n')}\n`);
  const rerank = reference('rerank-tiny');
  const doc = rerank.documents[1];
  const pair = await run('examples/node/classify.mjs', ['tests/fixtures/rerank-tiny', rerank.query, '--pair', doc.text]);
  assert.equal(pair.code, 0, pair.stderr);
  assert.equal(pair.stdout, `${rerank.query} | ${doc.text}\n  ${'LABEL_0'.padEnd(16)} ${doc.score.toFixed(4)}\n`);
});
