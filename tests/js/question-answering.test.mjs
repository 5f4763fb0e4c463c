// Question answering through the public API against the PyTorch references of tests/fixtures/
// bert-qa-tiny, distilbert-qa-tiny and roberta-qa-tiny (gen_qa.py: the *ForQuestionAnswering heads'
// qa_outputs, then transformers' question_answering.py with a fast tokenizer: only_second windows with
// doc_stride, select_starts_ends and decode_spans): each window's ids, its start and end logits, its
// best token spans with their scores, the null score; the sensitivity of the question mask; bad inputs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { folder, reference } from './fixtures.mjs';
import { InvalidArgumentError, UnsupportedError, loadModel } from '../../dist/index.js';

const TOL = 1e-4; // logits: f32 through two tiny layers
const SCORE_TOL = 1e-6; // span probabilities ~1e-3, float32 logits through float64 softmaxes
const FIXTURES = ['bert-qa-tiny', 'distilbert-qa-tiny', 'roberta-qa-tiny'];
const ref = reference('bert-qa-tiny');

let model;
before(async () => { model = await loadModel(folder('bert-qa-tiny')); });
after(() => model.dispose());

function assertSpans(got, want, what) {
  assert.deepEqual(got.map((s) => [s.start, s.end]), want.map((s) => [s.start, s.end]), `${what}: spans`);
  got.forEach((s, i) => assert.ok(Math.abs(s.score - want[i].score) <= SCORE_TOL, `${what}: score ${s.score} vs ${want[i].score}`));
}

function maxAbsError(got, want) {
  return Math.max(...Array.from(got, (x, i) => Math.abs(x - want[i])));
}

for (const name of FIXTURES) {
  test(`${name}: windows over the context, each window's logits and best spans as transformers' pipeline`, async () => {
    const fixture = reference(name);
    const qa = name === 'bert-qa-tiny' ? model : await loadModel(folder(name));
    try {
      assert.deepEqual(qa.info.capabilities, ['encode', 'question-answering']);
      for (const c of fixture.cases) {
        const { windows, settings } = await qa.answerSpans(c.question, c.context, c.options);
        assert.equal(settings.topK, c.options.top_k ?? 1);
        assert.equal(windows.length, c.windows.length, `${c.question}: windows`);
        windows.forEach((w, i) => {
          const want = c.windows[i];
          assert.deepEqual(w.ids, want.ids, `${c.question}: window ${i} ids`);
          assert.equal(w.contextStart, want.context_start);
          assert.equal(w.contextOffset, want.context_offset);
          assert.ok(maxAbsError(w.startLogits, want.logits.map((l) => l[0])) <= TOL, `${c.question}, window ${i}: start logits`);
          assert.ok(maxAbsError(w.endLogits, want.logits.map((l) => l[1])) <= TOL, `${c.question}, window ${i}: end logits`);
          assertSpans(w.spans, want.spans, `${c.question}, window ${i}`);
        });
        if (c.null_score !== null) {
          const nullScore = Math.min(...windows.map((w) => w.nullScore));
          assert.ok(Math.abs(nullScore - c.null_score) <= 1e-9, `null score ${nullScore} vs ${c.null_score}`);
        }
      }
    } finally {
      if (qa !== model) qa.dispose();
    }
  });
}

test('sensitivity: spans that let the question\'s tokens in are far from what qkv finds', async () => {
  let differ = 0;
  for (const c of ref.cases) {
    const { windows } = await model.answerSpans(c.question, c.context, c.options);
    windows.forEach((w, i) => {
      const unmasked = c.unmasked_question_spans[i];
      if (JSON.stringify(w.spans.map((s) => [s.start, s.end])) !== JSON.stringify(unmasked.map((s) => [s.start, s.end]))) differ++;
    });
  }
  assert.ok(differ >= 3, `only ${differ} windows change when the question is not masked`);
});

test('bad inputs: named errors, and the model stays usable', async () => {
  const c = ref.cases[0];
  await assert.rejects(model.answerSpans('', c.context), InvalidArgumentError);
  await assert.rejects(model.answerSpans(c.question, ''), InvalidArgumentError);
  await assert.rejects(model.answerSpans(7, c.context), InvalidArgumentError);
  // A question longer than the model's 64 positions leaves no room for the context.
  await assert.rejects(model.answerSpans('why '.repeat(70), c.context), (e) => e instanceof InvalidArgumentError && /question/.test(e.message));
  await assert.rejects(model.answerSpans(c.question, c.context, { top_k: 0 }), InvalidArgumentError);
  await assert.rejects(model.answerSpans(c.question, c.context, { max_answer_len: 0 }), InvalidArgumentError);
  await assert.rejects(model.answerSpans(c.question, c.context, { doc_stride: 100 }), InvalidArgumentError);
  // A stride as long as the room a window leaves for the context.
  await assert.rejects(model.answerSpans(c.question, ref.cases[1].context, { doc_stride: 60 }), InvalidArgumentError);
  const nli = await loadModel(folder('bert-nli-tiny'));
  try {
    await assert.rejects(nli.answerSpans(c.question, c.context), (e) => e instanceof UnsupportedError && /question-answering/.test(e.message));
  } finally {
    nli.dispose();
  }
  const { windows } = await model.answerSpans(c.question, c.context);
  assertSpans(windows[0].spans, c.windows[0].spans, 'after the errors');
});
