// The README's text-classification, token-classification, zero-shot and question-answering snippets,
// run as a reader would copy them: each ```js block after "**Text classification.**", "**Token
// classification (NER).**", "**Zero-shot classification.**" and "**Question answering.**" as a Node.js
// script from the repository root (their fixture paths are relative to it), with only the import
// specifier 'qkv' pointed at this checkout's dist/. A README edit that breaks them fails here.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repo, run, snippet } from './readme-snippets.mjs';

test('README: the text-classification snippet runs and prints what its comments say', async () => {
  const { code, stdout, stderr } = await run(snippet('**Text classification.**'));
  assert.equal(code, 0, stderr);
  const [one, two, all, nli, ranked] = stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(one.length, 1);
  assert.equal(one[0].label, 'POSITIVE');
  assert.match(one[0].score.toFixed(3), /^0\.978$/);
  assert.equal(two.length, 2);
  assert.deepEqual(all.map((r) => r.label).sort(), ['NEGATIVE', 'POSITIVE']);
  assert.equal(nli.length, 3);
  assert.equal(ranked.length, 1);
  assert.ok(ranked[0].corpus_id === 0 || ranked[0].corpus_id === 1);
});

test('README: the NER snippet runs and gives { entity, score, index, word, start, end } per entity', async () => {
  const { code, stdout, stderr } = await run(snippet('**Token classification (NER).**').replace(
    "const ner = await pipeline('ner'", "import { pipeline } from 'qkv';\nconst ner = await pipeline('ner'")
    .replace("from 'qkv'", `from '${pathToFileURL(join(repo, 'dist', 'index.js')).href}'`));
  assert.equal(code, 0, stderr);
  const [tokens, groups] = stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.ok(tokens.length > 0 && groups.length > 0);
  for (const e of tokens) assert.deepEqual(Object.keys(e), ['entity', 'score', 'index', 'word', 'start', 'end']);
  for (const e of groups) assert.deepEqual(Object.keys(e), ['entity_group', 'score', 'word', 'start', 'end']);
});

test('README: the zero-shot snippet runs and gives { sequence, labels, scores } best first', async () => {
  const { code, stdout, stderr } = await run(snippet('**Zero-shot classification.**'));
  assert.equal(code, 0, stderr);
  const [one, list] = stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(one.sequence, 'The team won the match');
  assert.deepEqual([...one.labels].sort(), ['music', 'politics', 'sports']);
  assert.ok(Math.abs(one.scores.reduce((a, b) => a + b, 0) - 1) < 1e-6 && one.scores[0] >= one.scores[2]);
  assert.deepEqual(list.map((r) => r.sequence), ['a text', 'another']);
  for (const r of list) assert.deepEqual([...r.labels].sort(), ['music', 'sports']);
});

test('README: the question-answering snippet runs and gives { score, start, end, answer } in the context', async () => {
  const { code, stdout, stderr } = await run(snippet('**Question answering.**'));
  assert.equal(code, 0, stderr);
  const context = 'The old city of Paris lies on the river Seine.';
  const [best, two, tokens] = stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(two.length, 2);
  assert.deepEqual(two[0], best);
  for (const a of [best, ...two, tokens]) {
    assert.deepEqual(Object.keys(a), ['score', 'start', 'end', 'answer']);
    assert.equal(context.slice(a.start, a.end), a.answer);
  }
});
