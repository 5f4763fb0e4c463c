/**
 * qkv fill-mask: the tokens a masked LM (a *ForMaskedLM checkpoint) puts at the mask token of a
 * text, scored as transformers' fill-mask pipeline scores them.
 */
import { fillMask, type FillMaskOutput } from '../fill-mask.js';
import type { Command } from './command.js';
import { given, jsonOption, runModelTask, topKOption } from './model-task.js';

export const fillMaskCommand: Command = {
  name: 'fill-mask',
  usage: '<model> "<text with the mask token>"',
  summary: 'tokens for the mask of a masked LM (BERT/RoBERTa/DistilBERT/ModernBERT *ForMaskedLM)',
  details: [
    'Runs the text, which holds the tokenizer\'s mask token ([MASK], <mask>), through the model and its',
    'masked-LM head, then prints the best --top-k tokens for each mask, one "score<TAB>token<TAB>sequence"',
    'per line (the softmax probability over the vocabulary, the token as decoded, the text with the mask',
    'filled). With several masks, each mask\'s list follows a "# mask N" line. --targets scores only',
    'these tokens (a word outside the vocabulary counts as its first sub-token). With --json, prints the',
    'pipeline\'s [{ "score", "token", "token_str", "sequence" }, ...] instead.',
  ],
  positionals: { min: 2, max: 2 },
  options: [
    topKOption('tokens per mask, best first (default 5)'),
    { name: 'targets', type: 'string', placeholder: 'A,B', description: 'comma-separated tokens to score instead of the vocabulary' },
    jsonOption('the results'),
  ],
  examples: [
    'qkv fill-mask tests/fixtures/bert-mlm-tiny "The capital of France is [MASK]."',
    'qkv fill-mask tests/fixtures/bert-mlm-tiny "The man worked as a [MASK]." --targets doctor,teacher',
  ],
  async run(args) {
    const text = args.positionals[1]!;
    await runModelTask(args, {
      command: 'fill-mask',
      capability: 'fill-mask',
      run: async (model) => await fillMask(model, text, {
        ...given('top_k', args.number('top-k')), ...given('targets', args.string('targets')?.split(',')),
      }) as FillMaskOutput[] | FillMaskOutput[][],
      lines: (results) => {
        const line = (r: FillMaskOutput) => `${r.score.toFixed(4)}\t${r.token_str}\t${r.sequence}`;
        // Several masks: one list each, after a '# mask N' line.
        return Array.isArray(results[0]) ? (results as FillMaskOutput[][]).flatMap((list, m) => [`# mask ${m + 1}`, ...list.map(line)])
          : (results as FillMaskOutput[]).map(line);
      },
    });
  },
};
