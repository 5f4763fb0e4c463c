// examples/node/translate.mjs and summarize.mjs run as a user runs them, against
// tests/fixtures/gen_translation_tokenizers.py's PyTorch references on nllb-tiny and m2m100-tiny: the greedy
// translation with the tgt_lang token forced, --align's alignment, the summary without it, named errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runNode } from './child-process.mjs';
import { folder } from './fixtures.mjs';

const translation = (name) => JSON.parse(readFileSync(`${folder(name)}/translation.json`, 'utf8'));

test('translate.mjs prints the greedy translation PyTorch gives; --align each token\'s most-attended source token', async () => {
  const { max_new_tokens, cases } = translation('m2m100-tiny');
  const c = cases[2];
  const vocab = JSON.parse(readFileSync(`${folder('m2m100-tiny')}/tokenizer.json`, 'utf8')).model.vocab.map(([piece]) => piece);
  const out = await runNode('examples/node/translate.mjs', ['tests/fixtures/m2m100-tiny', c.text, '--src-lang', c.src_lang,
    '--tgt-lang', c.tgt_lang, '--num-beams', '1', '--max-new-tokens', String(max_new_tokens), '--align']);
  assert.equal(out.code, 0, out.stderr);
  const want = c.greedy.map((t, i) => `  ${vocab[t]} <- ${vocab[c.src_ids[c.alignment[i].source]]} ${c.alignment[i].weight.toFixed(3)}`);
  assert.equal(out.stdout, [c.greedy_text, ...want].join('\n') + '\n');
});

test('summarize.mjs prints one summary a line, PyTorch\'s greedy target', async () => {
  const { max_new_tokens, cases } = translation('nllb-tiny');
  const c = cases.find((x) => x.src_lang === null);
  const out = await runNode('examples/node/summarize.mjs', ['tests/fixtures/nllb-tiny', c.text, c.text, '--num-beams', '1',
    '--max-new-tokens', String(max_new_tokens)]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, `${c.greedy_unforced_text}\n${c.greedy_unforced_text}\n`);
});

test('translate.mjs and summarize.mjs name errors and exit 1', async () => {
  const bad = await runNode('examples/node/translate.mjs', ['tests/fixtures/nllb-tiny', 'hello', '--tgt-lang', 'zz']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^InvalidArgumentError: translation: tgt_lang "zz" is not a language of this NLLB tokenizer; known: eng_Latn/);
  const usage = await runNode('examples/node/summarize.mjs', ['tests/fixtures/nllb-tiny']);
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /^usage: node examples\/node\/summarize\.mjs/);
  const decoder = await runNode('examples/node/summarize.mjs', ['tests/fixtures/gpt2-tiny', 'hello']);
  assert.equal(decoder.code, 1);
  assert.match(decoder.stderr, /^InvalidArgumentError: .*cannot 'text2text'/);
});
