/**
 * qkv translate and qkv summarize: an encoder-decoder (T5, BART, Marian, M2M100, NLLB) through the
 * translation / summarization pipeline, one text from the command line or one per line of stdin, each target
 * streamed to stdout as it is decoded (--json prints the list whole at the end), and with
 * --attention the cross-attention read as an alignment (each generated token and the source token the step
 * that produced it attended to most, averaged over the heads of the last decoder layer).
 */
import { readFileSync } from 'node:fs';
import { crossAlignment } from '../cross-alignment.js';
import { InvalidArgumentError } from '../errors.js';
import type { Model } from '../index.js';
import { text2textRunner, type Text2TextOptions, type Text2TextRun, type Text2TextTask } from '../text2text-pipeline.js';
import { requireTokenizer } from '../tokenizers/id-only.js';
import type { Tokenizer } from '../tokenizers/index.js';
import { translationLanguages } from '../translation-languages.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import type { Command } from './command.js';
import { given, jsonOption, runModelTask } from './model-task.js';

const GENERATION_OPTIONS: readonly OptionSpec[] = [
  { name: 'num-beams', type: 'integer', min: 1, placeholder: 'N', description: 'beam search with N beams (1: greedy; default: the checkpoint\'s)' },
  { name: 'max-new-tokens', type: 'integer', min: 0, placeholder: 'N', description: 'target tokens to generate at most (default: the checkpoint\'s max_length)' },
  { name: 'attention', type: 'boolean', description: 'also print the alignment: each target token and the source token it attends to most (last decoder layer, mean of the heads)' },
  jsonOption('[{ "translation_text" | "summary_text", "alignment"? }, ...]'),
];

/** The texts: the one argument, or the non-blank lines of stdin. */
function textsOf(args: ParsedArgs, command: string): string[] {
  if (args.positionals[1] !== undefined) return [args.positionals[1]];
  const lines = readFileSync(0, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new InvalidArgumentError(`qkv ${command}: no text: give "<text>" or lines on stdin`);
  return lines;
}

interface AlignedToken { target: string; source: string; weight: number }
interface Translated { text: string; alignment?: AlignedToken[] }

/** The alignment's lines: "  target<TAB><- source<TAB>weight" per generated token. */
function alignmentLines(translated: Translated): string[] {
  return (translated.alignment ?? []).map((a) => `  ${a.target}\t<- ${a.source}\t${a.weight.toFixed(3)}`);
}

async function alignment(model: Model, tokenizer: Tokenizer, run: Text2TextRun): Promise<AlignedToken[]> {
  const start = model.info.decoderStartTokenId!;
  // The decoder input is the start token then the target: row i is the step that produced target token i.
  const att = await model.attention(run.sourceIds, [start, ...run.targetIds]);
  return crossAlignment(att).slice(0, run.targetIds.length).map(({ source, weight }, i) => ({
    target: tokenizer.idToToken(run.targetIds[i]!), source: att.sourceTokens[source]!, weight,
  }));
}

/**
 * The pipeline task and language options of qkv translate: a multilingual model's src_lang / tgt_lang, else
 * T5's 'translation_xx_to_yy' entry of task_specific_params (its prefix), else plain 'translation' (Marian).
 */
function translationTask(model: Model, tokenizer: Tokenizer, src: string | undefined, tgt: string | undefined):
  { task: Text2TextTask; pair: Text2TextOptions } {
  if (translationLanguages(tokenizer) !== null) return { task: 'translation', pair: { ...given('src_lang', src), ...given('tgt_lang', tgt) } };
  if (src === undefined && tgt === undefined) return { task: 'translation', pair: {} };
  const tasks = Object.keys(model.info.text2text?.tasks ?? {}).filter((t) => t.startsWith('translation_'));
  const named = `translation_${src}_to_${tgt}`;
  if (src !== undefined && tgt !== undefined && tasks.includes(named)) return { task: named as Text2TextTask, pair: {} };
  throw new InvalidArgumentError(`qkv translate: this model has no language tokens; --src-lang / --tgt-lang must name one of its `
    + `config's translation tasks (${tasks.length > 0 ? tasks.join(', ') : 'it has none: give no languages'})`);
}

function text2textCommand(name: 'translate' | 'summarize', spec: Pick<Command, 'summary' | 'details' | 'examples'>,
  languages: readonly OptionSpec[]): Command {
  const key = name === 'translate' ? 'translation_text' : 'summary_text';
  return {
    name,
    usage: '<model> ["<text>"]',
    ...spec,
    positionals: { min: 1, max: 2 },
    options: [...languages, ...GENERATION_OPTIONS],
    async run(args) {
      const texts = textsOf(args, name);
      const options: Text2TextOptions = { ...given('num_beams', args.number('num-beams')), ...given('max_new_tokens', args.number('max-new-tokens')) };
      await runModelTask(args, {
        command: name,
        capability: 'text2text',
        run: async (model) => {
          const tokenizer = requireTokenizer(model.tokenizer, `qkv ${name}`);
          const { task, pair } = name === 'translate'
            ? translationTask(model, tokenizer, args.string('src-lang'), args.string('tgt-lang'))
            : { task: 'summarization' as const, pair: {} };
          const runner = text2textRunner(model, tokenizer, task);
          // Without --json each target streams to stdout as it is decoded (a beam search's best once it has
          // ended), then ends its line; its alignment follows. --json prints the whole list at the end.
          const stream = !args.flag('json');
          const write = (piece: string) => process.stdout.write(piece);
          const out: Translated[] = [];
          for (const text of texts) {
            const result = await runner(text, { ...options, ...pair }, stream ? write : undefined);
            const translated = { text: result.text, ...(args.flag('attention') ? { alignment: await alignment(model, tokenizer, result) } : {}) };
            if (stream) write(`\n${alignmentLines(translated).map((line) => `${line}\n`).join('')}`);
            out.push(translated);
          }
          return out;
        },
        // The lines were written as they were decoded.
        lines: () => [],
        json: (results) => JSON.stringify(results.map((r) => ({ [key]: r.text, ...given('alignment', r.alignment) }))),
      });
    },
  };
}

export const translateCommand = text2textCommand('translate', {
  summary: 'translate text (encoder-decoders: NLLB, M2M100 with --src-lang/--tgt-lang, Marian opus-mt, T5)',
  details: [
    'Prints the translation of the text (or of each line of stdin), one line each, as the translation pipeline',
    'gives it, streamed as it is decoded (a beam search\'s best once it has ended); --json prints the list',
    'whole once every text is done. NLLB and M2M100 take --tgt-lang (and --src-lang, default the tokenizer\'s):',
    'the source is [src_lang] text </s> and the target starts with the tgt_lang token; T5 takes --src-lang en',
    '--tgt-lang de as its config\'s translation_en_to_de task (prefix and beam settings); Marian translates its one',
    'pair. M2M100 repositories without tokenizer.json (sentencepiece.bpe.model + vocab.json) work the same.',
    'With --attention, each translation is followed by its alignment, one "  target<TAB><- source<TAB>weight"',
    'line per generated token (the cross-attention of the step that produced it, last decoder layer, mean of',
    'the heads).',
  ],
  examples: [
    'qkv translate facebook/nllb-200-distilled-600M "Hello world" --src-lang eng_Latn --tgt-lang fra_Latn',
    'qkv translate Helsinki-NLP/opus-mt-en-de "How are you?" --attention',
    'echo "good morning" | qkv translate tests/fixtures/m2m100-tiny --src-lang en --tgt-lang fr --num-beams 1',
  ],
}, [
  { name: 'src-lang', type: 'string', placeholder: 'CODE', description: 'the source language (NLLB: eng_Latn, M2M100: en)' },
  { name: 'tgt-lang', type: 'string', placeholder: 'CODE', description: 'the target language (NLLB: fra_Latn, M2M100: fr)' },
]);

export const summarizeCommand = text2textCommand('summarize', {
  summary: 'summarize text (encoder-decoders: BART/distilbart, T5)',
  details: [
    'Prints the summary of the text (or of each line of stdin), one line each, streamed as it is decoded (--json:',
    'the list whole at the end), as the summarization pipeline gives it: T5\'s "summarize: " prefix and the checkpoint\'s beam settings (config.json\'s',
    'task_specific_params, generation_config.json) apply unless the options say otherwise. With --attention,',
    'each summary is followed by its alignment, as qkv translate prints it.',
  ],
  examples: [
    'qkv summarize sshleifer/distilbart-cnn-6-6 "$(cat article.txt)"',
    'qkv summarize ./t5-small "the quick brown fox jumps over the lazy dog" --num-beams 1 --max-new-tokens 20',
  ],
}, []);
