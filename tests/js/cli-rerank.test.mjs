// qkv rerank (dist/cli/qkv.js) and examples/node/rerank.mjs as child processes, checked against the PyTorch
// reference of tests/fixtures/rerank-tiny (gen_classifiers.py: each (query, document) pair's logit and its
// sigmoid, and the order they give): documents best first with their scores and indices, --top-k, --json,
// --documents-file (a file and stdin), and the named errors of bad input.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runNode, runQkv } from './child-process.mjs';
import { reference } from './fixtures.mjs';

const ref = reference('rerank-tiny');
const texts = ref.documents.map((d) => d.text);
const model = 'tests/fixtures/rerank-tiny';

/** Checks "score<TAB>index<TAB>text" lines against the reference's order and sigmoid scores. */
function assertRanked(stdout, count = texts.length) {
  const lines = stdout.split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  assert.deepEqual(lines.map((l) => Number(l.split('\t')[1])), ref.order.slice(0, count));
  for (const line of lines) {
    const [score, index, text] = line.split('\t');
    assert.equal(text, texts[index]);
    // Printed with 4 decimals; a softmax score would be 1.0000 (the reference's softmax_scores).
    assert.ok(Math.abs(Number(score) - ref.documents[index].score) <= 5.1e-5, line);
  }
}

test('qkv rerank prints the documents best first as "score<TAB>index<TAB>text", as the PyTorch reference ranks them', async () => {
  const out = await runQkv('rerank', model, '--query', ref.query, ...texts.flatMap((t) => ['--document', t]));
  assert.equal(out.code, 0, out.stderr);
  assertRanked(out.stdout);
});

test('qkv rerank --top-k --json prints rerank()\'s results with the documents\' text', async () => {
  const out = await runQkv('rerank', model, '--query', ref.query, ...texts.flatMap((t) => ['--document', t]), '--top-k', '2', '--json');
  assert.equal(out.code, 0, out.stderr);
  const ranked = JSON.parse(out.stdout);
  assert.deepEqual(ranked.map((r) => r.corpus_id), ref.order.slice(0, 2));
  for (const r of ranked) {
    assert.deepEqual(Object.keys(r), ['corpus_id', 'score', 'text']);
    assert.equal(r.text, texts[r.corpus_id]);
    assert.ok(Math.abs(r.score - ref.documents[r.corpus_id].score) <= 1e-5, JSON.stringify(r));
  }
});

test('qkv rerank --documents-file reads one document a line, blank lines skipped; - reads stdin', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-rerank-'));
  try {
    const file = join(dir, 'documents.txt');
    const lines = `${texts.slice(0, 3).join('\r\n')}\n\n  \n${texts.slice(3).join('\n')}\n`;
    writeFileSync(file, lines);
    const out = await runQkv('rerank', model, '--query', ref.query, '--documents-file', file);
    assert.equal(out.code, 0, out.stderr);
    assertRanked(out.stdout);
    const piped = await runNode('dist/cli/qkv.js',
      ['rerank', model, '--query', ref.query, '--documents-file', '-', '--top-k', '3', '--threads', '1', '--quiet'], lines);
    assert.equal(piped.code, 0, piped.stderr);
    assertRanked(piped.stdout, 3);
    writeFileSync(file, '\n \n');
    const empty = await runQkv('rerank', model, '--query', ref.query, '--documents-file', file);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /^InvalidArgumentError: qkv rerank: --documents-file .* has no documents/m);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('qkv rerank on bad input: named errors and exit 1', async () => {
  const cases = [
    [['--document', 'd'], /^InvalidArgumentError: qkv rerank: give the query with --query/m],
    [['--query', 'q'], /^InvalidArgumentError: qkv rerank: no documents: give --document/m],
    [['--query', 'q', '--document', 'd', '--documents-file', 'x.txt'], /^InvalidArgumentError: qkv rerank: give --document or --documents-file, not both/m],
    [['--query', 'q', '--documents-file', 'tests/fixtures/rerank-tiny/none.txt'], /^InvalidArgumentError: qkv rerank: cannot read --documents-file .*none\.txt: ENOENT/m],
    [['--query', 'q', '--document', 'd', '--top-k', '0'], /^InvalidArgumentError: qkv rerank: --top-k must be a whole number >= 1, got '0'/m],
  ];
  for (const [args, message] of cases) {
    const out = await runQkv('rerank', model, ...args);
    assert.equal(out.code, 1, args.join(' '));
    assert.match(out.stderr, message);
    assert.equal(out.stdout, '');
  }
  // Two labels (SST-2): a classifier, but not a one-logit cross-encoder; no head at all.
  const sst2 = await runQkv('rerank', 'tests/fixtures/distilbert-sst2-tiny', '--query', 'q', '--document', 'd');
  assert.equal(sst2.code, 1);
  assert.match(sst2.stderr, /^InvalidArgumentError: rerank: the model has 2 labels; a reranker is a cross-encoder with one logit/m);
  const bert = await runQkv('rerank', 'tests/fixtures/bert-tiny', '--query', 'q', '--document', 'd');
  assert.equal(bert.code, 1);
  assert.match(bert.stderr, /^UnsupportedError: qkv rerank: BertModel cannot 'classify'/m);
});

test('examples/node/rerank.mjs prints the documents best first with their scores, as the reference', async () => {
  const out = await runNode('examples/node/rerank.mjs', [model, ref.query, ...texts, '--top-k', '4']);
  assert.equal(out.code, 0, out.stderr);
  const want = ref.order.slice(0, 4).map((i) => `  ${ref.documents[i].score.toFixed(4)}  [${i}] ${texts[i]}`);
  assert.equal(out.stdout, `${[ref.query, ...want].join('\n')}\n`);
  const bad = await runNode('examples/node/rerank.mjs', ['tests/fixtures/distilbert-sst2-tiny', 'q', 'd']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^InvalidArgumentError: rerank: the model has 2 labels/m);
});
