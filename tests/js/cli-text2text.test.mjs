// qkv translate and qkv summarize (dist/cli/qkv.js) as child processes on nllb-tiny and m2m100-tiny, against
// tests/fixtures/gen_translation_tokenizers.py's PyTorch references: the greedy target with the tgt_lang token
// forced (translate) or without (summarize), the --attention alignment (last decoder layer, mean of the
// heads), texts from stdin, --json, and named errors with exit status 1.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pipeline } from '../../dist/index.js';
import { runNode, runQkv } from './child-process.mjs';
import { folder } from './fixtures.mjs';
import { m2m100SpmFolder, m2m100SpmGoldens } from './m2m100-spm.mjs';

const translation = (name) => JSON.parse(readFileSync(`${folder(name)}/translation.json`, 'utf8'));
const greedy = (max) => ['--num-beams', '1', '--max-new-tokens', String(max)];

test('qkv translate --src-lang/--tgt-lang prints PyTorch\'s greedy translation; --attention its alignment', async () => {
  const { max_new_tokens, cases } = translation('nllb-tiny');
  const c = cases[0];
  const tokens = JSON.parse(readFileSync(`${folder('nllb-tiny')}/tokenizer.json`, 'utf8')).model.vocab.map(([piece]) => piece);
  const out = await runQkv('translate', 'tests/fixtures/nllb-tiny', c.text, '--src-lang', c.src_lang, '--tgt-lang', c.tgt_lang, ...greedy(max_new_tokens), '--attention');
  assert.equal(out.code, 0, out.stderr);
  const [text, ...rows] = out.stdout.trimEnd().split('\n');
  assert.equal(text, c.greedy_text);
  assert.equal(rows.length, c.greedy.length);
  rows.forEach((row, i) => {
    const [target, source, weight] = row.trim().split('\t');
    assert.equal(target, tokens[c.greedy[i]]);
    assert.equal(source, `<- ${tokens[c.src_ids[c.alignment[i].source]]}`, `row ${i}`);
    assert.ok(Math.abs(Number(weight) - c.alignment[i].weight) <= 1e-3, `row ${i}: ${weight} vs ${c.alignment[i].weight}`);
  });
  // Sensitivity: another source language is another source (the alignment's first row names it).
  assert.ok(rows.some((r) => r.includes(`<- ${c.src_lang}`)));
});

test('qkv translate reads one text a line from stdin (blank lines skipped); --json', async () => {
  const { max_new_tokens, cases } = translation('m2m100-tiny');
  const [a, , b] = cases;
  const one = await runNode('dist/cli/qkv.js', ['translate', 'tests/fixtures/m2m100-tiny', '--src-lang', a.src_lang, '--tgt-lang', a.tgt_lang,
    ...greedy(max_new_tokens), '--json', '--threads', '1', '--quiet'], `${a.text}\n\n${a.text}\n`);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(JSON.parse(one.stdout), [{ translation_text: a.greedy_text }, { translation_text: a.greedy_text }]);
  const other = await runQkv('translate', 'tests/fixtures/m2m100-tiny', b.text, '--src-lang', b.src_lang, '--tgt-lang', b.tgt_lang, ...greedy(max_new_tokens));
  assert.equal(other.stdout, `${b.greedy_text}\n`);
});

/** dist/cli/main.js run by cli-stdout-writes.mjs: stdout, and each write to it in order. */
async function recordedWrites(args, input) {
  const out = await runNode('tests/js/cli-stdout-writes.mjs', [...args, '--threads', '1', '--quiet'], input);
  const { code, writes } = JSON.parse(out.stderr.trimEnd().split('\n').at(-1));
  assert.equal(code, 0, out.stderr);
  assert.equal(writes.join(''), out.stdout);
  return writes;
}

test('qkv translate streams each target to stdout as it is decoded; --json prints the list whole at the end', async () => {
  // An M2M100 folder without tokenizer.json (sentencepiece.bpe.model + vocab.json): the goldens of
  // gen_m2m100_tokenizer.py, PyTorch's greedy target for transformers' M2M100Tokenizer ids.
  const dir = m2m100SpmFolder();
  const { max_new_tokens, cases } = m2m100SpmGoldens.translation;
  const [a, b] = cases;
  const writes = await recordedWrites(['translate', dir, a.text, '--src-lang', a.src_lang, '--tgt-lang', a.tgt_lang, ...greedy(max_new_tokens)]);
  // The target came in pieces (one a generated token), then the line's end.
  assert.ok(writes.length >= 4, JSON.stringify(writes));
  assert.equal(writes.at(-1), '\n');
  assert.equal(writes.slice(0, -1).join(''), a.greedy_text);
  // --json: one write of every text's target, the same texts as streamed.
  const json = await recordedWrites(['translate', dir, '--src-lang', a.src_lang, '--tgt-lang', a.tgt_lang, ...greedy(max_new_tokens), '--json'],
    `${a.text}\n${a.text}\n`);
  assert.deepEqual(json.map((w) => JSON.parse(w)), [[{ translation_text: a.greedy_text }, { translation_text: a.greedy_text }]]);
  // Several texts with --attention: each target streamed, ended, and followed by its alignment, in order.
  const both = await recordedWrites(['translate', dir, '--src-lang', b.src_lang, '--tgt-lang', b.tgt_lang, ...greedy(max_new_tokens), '--attention'],
    `${b.text}\n${b.text}\n`);
  const lines = both.join('').trimEnd().split('\n');
  assert.equal(lines.length, 2 * (1 + b.greedy.length));
  assert.equal(lines[0], b.greedy_text);
  assert.equal(lines[1 + b.greedy.length], b.greedy_text);
  assert.ok(lines.slice(1, 1 + b.greedy.length).every((line) => line.startsWith('  ')));
  // Bad input on such a folder: named errors, exit 1, nothing on stdout.
  const unknown = await runQkv('translate', dir, a.text, '--src-lang', 'en', '--tgt-lang', 'xx');
  assert.deepEqual([unknown.code, unknown.stdout], [1, '']);
  assert.match(unknown.stderr, /^InvalidArgumentError: translation: tgt_lang "xx" is not a language of this M2M100 tokenizer; known: af, am/m);
  const noVocab = await runQkv('translate', m2m100SpmFolder(['sentencepiece.bpe.model', 'tokenizer_config.json']), a.text, '--tgt-lang', 'fr');
  assert.deepEqual([noVocab.code, noVocab.stdout], [1, '']);
  assert.match(noVocab.stderr, /^FormatError: M2M100 tokenizer: vocab\.json is missing/m);
});

test('qkv summarize: the text without language tokens forced, as PyTorch\'s greedy', async () => {
  const { max_new_tokens, cases } = translation('nllb-tiny');
  const c = cases.find((x) => x.src_lang === null);
  const out = await runQkv('summarize', 'tests/fixtures/nllb-tiny', c.text, ...greedy(max_new_tokens));
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, `${c.greedy_unforced_text}\n`);
  const json = await runQkv('summarize', 'tests/fixtures/nllb-tiny', c.text, ...greedy(3), '--json', '--attention');
  const [only] = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(only), ['summary_text', 'alignment']);
  assert.equal(only.alignment.length, 3);
});

test('qkv translate / summarize on bad input: named errors, exit 1', async () => {
  const cases = [
    [['translate', 'tests/fixtures/nllb-tiny', 'hello', '--tgt-lang', 'xx_Nope'], /^InvalidArgumentError: translation: tgt_lang "xx_Nope" is not a language of this NLLB tokenizer; known: eng_Latn, fra_Latn/m],
    [['translate', 'tests/fixtures/nllb-tiny', 'hello'], /^InvalidArgumentError: translation: this NLLB model needs tgt_lang/m],
    [['translate', 'tests/fixtures/m2m100-tiny', 'hello', '--src-lang', 'klingon', '--tgt-lang', 'fr'], /^InvalidArgumentError: translation: src_lang "klingon"/m],
    [['translate', 'tests/fixtures/nllb-tiny', 'hello', '--tgt-lang', 'fra_Latn', '--num-beams', '0'], /^InvalidArgumentError: qkv translate: --num-beams/m],
    [['summarize', 'tests/fixtures/gpt2-tiny', 'hello'], /^UnsupportedError: qkv summarize: .* cannot 'text2text'/m],
    [['summarize', 'tests/fixtures/bart-tiny', 'hello'], /^NoTokenizerError: /m],
    [['summarize', 'tests/fixtures/nllb-tiny', 'a', 'b'], /^InvalidArgumentError: qkv summarize: expected <model> \["<text>"\]/m],
  ];
  for (const [args, pattern] of cases) {
    const out = await runQkv(...args);
    assert.equal(out.code, 1, args.join(' '));
    assert.match(out.stderr, pattern);
    assert.equal(out.stdout, '');
  }
  const empty = await runNode('dist/cli/qkv.js', ['summarize', 'tests/fixtures/nllb-tiny', '--quiet'], '\n \n');
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /^InvalidArgumentError: qkv summarize: no text/m);
});

test('qkv --help lists translate and summarize; their help names the options', async () => {
  const main = await runNode('dist/cli/qkv.js', ['--help']);
  assert.match(main.stdout, /^ {2}translate <model> \["<text>"\]/m);
  assert.match(main.stdout, /^ {2}summarize <model> \["<text>"\]/m);
  const help = await runNode('dist/cli/qkv.js', ['translate', '--help']);
  for (const option of ['--src-lang', '--tgt-lang', '--num-beams', '--max-new-tokens', '--attention', '--json']) assert.ok(help.stdout.includes(option), option);
});

test('qkv translate on T5: --src-lang/--tgt-lang pick config.json\'s translation_xx_to_yy task (its prefix and beams)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-cli-t5-'));
  try {
    const config = JSON.parse(readFileSync(join(folder('t5-tiny'), 'config.json'), 'utf8'));
    const tasks = { translation_en_to_de: { early_stopping: true, max_length: 10, num_beams: 4, prefix: 'translate English to German: ' } };
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, task_specific_params: tasks }));
    symlinkSync(join(folder('t5-tiny'), 'model.safetensors'), join(dir, 'model.safetensors'));
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) symlinkSync(join(folder('t5-tokenizer'), f), join(dir, f));
    const text = 'the house is wonderful';
    const translator = await pipeline('translation_en_to_de', dir);
    const [{ translation_text: want }] = await translator(text);
    // Sensitivity: the plain 'translation' task (no prefix, no beams) gives another target.
    const plain = await pipeline('translation', dir);
    const [{ translation_text: other }] = await plain(text);
    await Promise.all([translator.dispose(), plain.dispose()]);
    assert.notEqual(other, want);
    const out = await runQkv('translate', dir, text, '--src-lang', 'en', '--tgt-lang', 'de');
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, `${want}\n`);
    const none = await runQkv('translate', dir, text, '--src-lang', 'en', '--tgt-lang', 'fr');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^InvalidArgumentError: qkv translate: this model has no language tokens; --src-lang \/ --tgt-lang must name one of its config's translation tasks \(translation_en_to_de\)$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
