// qkv zero-shot (dist/cli/qkv.js) and examples/node/zero-shot.mjs as child processes, checked against
// the PyTorch reference of tests/fixtures/bert-nli-tiny (gen_classifiers.py): labels with their
// scores best first, --multi-label, --template, --json, and named errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode, runQkv } from './child-process.mjs';
import { reference } from './fixtures.mjs';

const zeroShot = reference('bert-nli-tiny').zero_shot;
const lines = (r) => r.labels.map((l, i) => `${l}\t${r.scores[i].toFixed(4)}\n`).join('');

test('qkv zero-shot prints each label and score, best first; --multi-label, --template, --json', async () => {
  const [plain, multi, templated] = zeroShot.cases;
  const text = zeroShot.texts[0];
  const out = await runQkv('zero-shot', 'tests/fixtures/bert-nli-tiny', text, '--labels', plain.candidate_labels.join(','));
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, lines(plain.results[0]));
  const m = await runQkv('zero-shot', 'tests/fixtures/bert-nli-tiny', text, '--labels', multi.candidate_labels.join(','),
    '--multi-label');
  assert.equal(m.stdout, lines(multi.results[0]), m.stderr);
  const t = await runQkv('zero-shot', 'tests/fixtures/bert-nli-tiny', text, '--labels', templated.candidate_labels.join(','),
    '--template', templated.hypothesis_template, '--json');
  const parsed = JSON.parse(t.stdout);
  assert.deepEqual(parsed.labels, templated.results[0].labels);
  assert.equal(parsed.sequence, text);
});

test('qkv zero-shot: no labels, a template without {}, a model without an entailment label: named errors', async () => {
  const none = await runQkv('zero-shot', 'tests/fixtures/bert-nli-tiny', 'x');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^InvalidArgumentError: zero-shot-classification: give at least one candidate label/m);
  const bad = await runQkv('zero-shot', 'tests/fixtures/bert-nli-tiny', 'x', '--labels', 'a', '--template', 'none');
  assert.match(bad.stderr, /^InvalidArgumentError: .*hypothesis_template/m);
  const sst2 = await runQkv('zero-shot', 'tests/fixtures/distilbert-sst2-tiny', 'x', '--labels', 'a,b');
  assert.match(sst2.stderr, /^UnsupportedError: .*entailment label/m);
});

test('examples/node/zero-shot.mjs prints the reference\'s labels and scores', async () => {
  const c = zeroShot.cases[0];
  const out = await runNode('examples/node/zero-shot.mjs', ['tests/fixtures/bert-nli-tiny', zeroShot.texts[1],
    c.candidate_labels.join(',')]);
  assert.equal(out.code, 0, out.stderr);
  const r = c.results[1];
  assert.equal(out.stdout, `${r.sequence}\n${r.labels.map((l, i) => `  ${l.padEnd(16)} ${r.scores[i].toFixed(4)}\n`).join('')}`);
});
