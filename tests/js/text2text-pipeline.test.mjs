// pipeline('summarization' | 'translation_en_to_de' | 'translation' | 'text2text-generation') on t5-tiny with
// the T5 tokenizer fixture and t5-small's task_specific_params, as transformers' text2text_generation.py runs
// them: the task's prefix before the text and its beam settings as defaults, the target decoded without
// special tokens, in transformers.js's shapes ([{ summary_text }], [{ translation_text }], [{ generated_text }]).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { InvalidArgumentError, pipeline, UnsupportedError } from '../../dist/index.js';
import { folder } from './fixtures.mjs';

// t5-small's config.json entries (max_length cut to keep the test short).
const TASKS = {
  summarization: { early_stopping: true, length_penalty: 2.0, max_length: 12, min_length: 3, no_repeat_ngram_size: 3, num_beams: 4, prefix: 'summarize: ' },
  translation_en_to_de: { early_stopping: true, max_length: 10, num_beams: 4, prefix: 'translate English to German: ' },
};

const dir = mkdtempSync(join(tmpdir(), 'qkv-t5-pipeline-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const config = JSON.parse(readFileSync(join(folder('t5-tiny'), 'config.json'), 'utf8'));
writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, task_specific_params: TASKS }));
symlinkSync(join(folder('t5-tiny'), 'model.safetensors'), join(dir, 'model.safetensors'));
for (const f of ['tokenizer.json', 'tokenizer_config.json']) symlinkSync(join(folder('t5-tokenizer'), f), join(dir, f));

/** The target the pipeline must give: generate() on the prefixed text with the task's settings, decoded. */
async function expected(model, text, settings) {
  const { prefix = '', ...options } = settings;
  const tokens = [];
  for await (const { token } of model.generate(model.tokenizer.encode(prefix + text), options)) {
    if (token >= 0 && token < model.tokenizer.vocabSize) tokens.push(token); // HF decode drops ids it has no token for
  }
  return model.tokenizer.decode(tokens, { skip_special_tokens: true });
}

test("summarization and translation_en_to_de: the task's prefix and beams, transformers.js's shapes", async () => {
  const text = 'the quick brown fox jumps over the lazy dog';
  const summarizer = await pipeline('summarization', dir);
  try {
    const want = await expected(summarizer.model, text, TASKS.summarization);
    assert.deepEqual(await summarizer(text), [{ summary_text: want }]);
    assert.deepEqual(await summarizer([text, text]), [{ summary_text: want }, { summary_text: want }]);
    // Sensitivity: without the prefix and the beams the target differs.
    assert.notEqual(await expected(summarizer.model, text, {}), want);
    // The caller's options win over the task's.
    assert.deepEqual(await summarizer(text, { num_beams: 1, max_new_tokens: 3 }),
      [{ summary_text: await expected(summarizer.model, text, { ...TASKS.summarization, num_beams: 1, max_new_tokens: 3, max_length: undefined }) }]);
  } finally {
    await summarizer.dispose();
  }
  const translator = await pipeline('translation_en_to_de', dir);
  try {
    assert.deepEqual(await translator(text), [{ translation_text: await expected(translator.model, text, TASKS.translation_en_to_de) }]);
    await assert.rejects(translator(text, { src_lang: 'en', tgt_lang: 'de' }), UnsupportedError);
  } finally {
    await translator.dispose();
  }
});

test('num_return_sequences: each text gives its n beams, best first, in one flat list (transformers.js\'s batch_decode)', async () => {
  const text = 'the quick brown fox jumps over the lazy dog', other = 'a lazy dog';
  const summarizer = await pipeline('summarization', dir);
  try {
    // The n sequences generate() returns with the task's settings, each decoded without special tokens.
    const sequencesOf = async (t) => {
      const { prefix, ...settings } = TASKS.summarization;
      let last;
      for await (const step of summarizer.model.generate(summarizer.model.tokenizer.encode(prefix + t), { ...settings, num_return_sequences: 3 })) last = step;
      const { tokenizer } = summarizer.model;
      return last.sequences.map((q) => ({ summary_text: tokenizer.decode(q.tokens.filter((t) => t < tokenizer.vocabSize), { skip_special_tokens: true }) }));
    };
    const want = await sequencesOf(text);
    assert.equal(want.length, 3);
    // (Sensitivity) the beams' texts differ, so the order, or the best repeated, would show.
    assert.ok(new Set(want.map((w) => w.summary_text)).size >= 2, JSON.stringify(want));
    assert.deepEqual(await summarizer(text, { num_return_sequences: 3 }), want);
    assert.deepEqual(await summarizer([text, other], { num_return_sequences: 3 }), [...want, ...await sequencesOf(other)]);
    // The best is the one-sequence call's output.
    assert.deepEqual(await summarizer(text), [want[0]]);
    await assert.rejects(summarizer(text, { num_return_sequences: 5 }), (e) => e instanceof InvalidArgumentError && /more than num_beams 4/.test(e.message));
  } finally {
    await summarizer.dispose();
  }
});

test('text2text-generation and translation: no task entry, no prefix; errors by name', async () => {
  const generator = await pipeline('text2text-generation', dir);
  try {
    const text = 'question: who lives here? context: the fox lives here.';
    assert.deepEqual(await generator(text, { max_new_tokens: 5 }),
      [{ generated_text: await expected(generator.model, text, { max_new_tokens: 5 }) }]);
    await assert.rejects(generator(42), InvalidArgumentError);
  } finally {
    await generator.dispose();
  }
  const translator = await pipeline('translation', dir);
  const [out] = await translator('hello', { max_new_tokens: 4 });
  assert.deepEqual(Object.keys(out), ['translation_text']);
  await translator.dispose();
  await assert.rejects(pipeline('summarization', folder('gpt2-tiny')), (e) => e instanceof InvalidArgumentError && /cannot 'text2text'/.test(e.message));
  await assert.rejects(pipeline('translation', folder('t5-tiny')), (e) => e.name === 'NoTokenizerError');
});
