/**
 * qkv fill-mask: the tokens a masked LM (a *ForMaskedLM checkpoint) puts at the mask token of a
 * text, scored as transformers' fill-mask pipeline scores them.
 */
import { requireCapability } from '../capabilities.js';
import { fillMask, type FillMaskOutput } from '../fill-mask.js';
import type { Command } from './command.js';
import { openModel } from './load.js';

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
    { name: 'top-k', type: 'integer', min: 1, placeholder: 'N', description: 'tokens per mask, best first (default 5)' },
    { name: 'targets', type: 'string', placeholder: 'A,B', description: 'comma-separated tokens to score instead of the vocabulary' },
    { name: 'json', type: 'boolean', description: 'print the results as JSON' },
  ],
  examples: [
    'qkv fill-mask tests/fixtures/bert-mlm-tiny "The capital of France is [MASK]."',
    'qkv fill-mask tests/fixtures/bert-mlm-tiny "The man worked as a [MASK]." --targets doctor,teacher',
  ],
  async run(args) {
    const [source, text] = args.positionals as [string, string];
    const targets = args.string('targets');
    const { model } = await openModel(source, args);
    try {
      requireCapability(model.info, 'fill-mask', 'qkv fill-mask');
      const topK = args.number('top-k');
      const results = await fillMask(model, text, {
        ...(topK !== undefined ? { top_k: topK } : {}),
        ...(targets !== undefined ? { targets: targets.split(',') } : {}),
      }) as FillMaskOutput[] | FillMaskOutput[][];
      if (args.flag('json')) {
        process.stdout.write(`${JSON.stringify(results)}\n`);
        return;
      }
      const line = (r: FillMaskOutput) => `${r.score.toFixed(4)}\t${r.token_str}\t${r.sequence}`;
      const masks = Array.isArray(results[0]) ? results as FillMaskOutput[][] : null;
      const lines = masks === null ? (results as FillMaskOutput[]).map(line)
        : masks.flatMap((list, m) => [`# mask ${m + 1}`, ...list.map(line)]);
      process.stdout.write(`${lines.join('\n')}\n`);
    } finally {
      model.dispose();
    }
  },
};
