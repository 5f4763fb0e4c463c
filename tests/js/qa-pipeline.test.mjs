// pipeline('question-answering') against the PyTorch references of tests/fixtures/bert-qa-tiny,
// distilbert-qa-tiny and roberta-qa-tiny (gen_qa.py, transformers' question_answering.py postprocess):
// the answers' text, character start and end and scores, widened to whole words (align_to_words, the
// default: the reference's `answers`) or not (false: `offsets_answers`), equal texts of several windows
// adding their scores, the null answer of handle_impossible_answer; the same through a worker,
// qkv qa (with and without --no-align-to-words) and examples/node/qa.mjs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode, runQkv } from './child-process.mjs';
import { folder, reference } from './fixtures.mjs';
import { InvalidArgumentError, WorkerEngine, pipeline } from '../../dist/index.js';

const SCORE_TOL = 1e-6;
const ref = reference('bert-qa-tiny');

function assertAnswers(got, want, what) {
  const list = Array.isArray(got) ? got : [got];
  assert.deepEqual(list.map(({ start, end, answer }) => ({ start, end, answer })),
    want.map(({ start, end, answer }) => ({ start, end, answer })), what);
  list.forEach((a, i) => assert.ok(Math.abs(a.score - want[i].score) <= SCORE_TOL, `${what}: score ${a.score} vs ${want[i].score}`));
}

for (const name of ['bert-qa-tiny', 'distilbert-qa-tiny', 'roberta-qa-tiny']) {
  test(`${name}: answers widened to whole words, or not, as transformers' pipeline`, async () => {
    const fixture = reference(name);
    const answerer = await pipeline('question-answering', folder(name));
    try {
      let widened = 0;
      for (const c of fixture.cases) {
        const got = await answerer(c.question, c.context, c.options);
        // transformers.js's shapes: one answer object for top_k 1, else a list.
        assert.equal(Array.isArray(got), (c.options.top_k ?? 1) > 1, c.question);
        assertAnswers(got, c.answers, c.question);
        assertAnswers(await answerer(c.question, c.context, { ...c.options, align_to_words: false }), c.offsets_answers,
          `${c.question} (align_to_words false)`);
        if (JSON.stringify(c.answers) !== JSON.stringify(c.offsets_answers)) widened++;
      }
      // Sensitivity: on some cases the words change the answers, so dropping the option would fail.
      assert.ok(widened >= 2, `${name}: align_to_words changes only ${widened} cases`);
    } finally {
      await answerer.dispose();
    }
  });
}

test('question-answering: the null answer, bad inputs', async () => {
  const answerer = await pipeline('question-answering', folder('bert-qa-tiny'));
  try {
    // The null answer competes with handle_impossible_answer, scored by [CLS] in each window.
    const impossible = ref.cases.find((c) => c.options.handle_impossible_answer);
    // A top_k above every span's count, so the (low-scoring) null answer is among those returned.
    const all = await answerer(impossible.question, impossible.context, { ...impossible.options, top_k: 100_000 });
    const none = all.find((a) => a.answer === '');
    assert.ok(none && none.start === 0 && none.end === 0 && Math.abs(none.score - impossible.null_score) <= 1e-9);
    await assert.rejects(answerer('', 'context'), InvalidArgumentError);
    await assert.rejects(answerer('q', 'context', { align_to_words: 'no' }), InvalidArgumentError);
    assertAnswers(await answerer(impossible.question, impossible.context, impossible.options), impossible.answers, 'after the errors');
  } finally {
    await answerer.dispose();
  }
});

test('in a worker, the CLI and the example: the same answers', async () => {
  const c = ref.cases[2];
  const engine = await WorkerEngine.create({ numThreads: 1 });
  try {
    const remote = await engine.loadModel(folder('bert-qa-tiny'));
    assertAnswers(await remote.answer(c.question, c.context, c.options), c.answers, 'worker');
    assertAnswers(await remote.answer(c.question, c.context, { ...c.options, align_to_words: false }), c.offsets_answers, 'worker, offsets');
    await assert.rejects(remote.answer(c.question, c.context, { top_k: 0 }), InvalidArgumentError);
  } finally {
    engine.terminate();
  }
  const lines = (answers) => answers.map((a) => `${a.score.toFixed(4)}\t${a.start}\t${a.end}\t${a.answer}\n`).join('');
  const cli = ['qa', 'tests/fixtures/bert-qa-tiny', '--question', c.question, '--context', c.context,
    '--top-k', '3', '--max-answer-len', '4', '--doc-stride', '20'];
  const out = await runQkv(...cli);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, lines(c.answers));
  const tokens = await runQkv(...cli, '--no-align-to-words');
  assert.equal(tokens.code, 0, tokens.stderr);
  assert.equal(tokens.stdout, lines(c.offsets_answers));
  const wrong = await runQkv('qa', 'tests/fixtures/bert-nli-tiny', '--question', 'q', '--context', 'c');
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^UnsupportedError: qkv qa: BertForSequenceClassification cannot 'question-answering'/m);
  const first = ref.cases[0];
  const example = await runNode('examples/node/qa.mjs', ['tests/fixtures/bert-qa-tiny', first.question, first.context]);
  assert.equal(example.code, 0, example.stderr);
  const a = first.answers[0];
  assert.equal(example.stdout, `${a.score.toFixed(4)}  [${a.start}, ${a.end})  ${JSON.stringify(a.answer)}\n`);
});
