/**
 * qkv zero-shot: a text's candidate labels scored by an NLI classifier (a *ForSequenceClassification
 * checkpoint with an entailment label), as transformers' zero-shot-classification pipeline scores them.
 */
import { requireCapability } from '../capabilities.js';
import { DEFAULT_HYPOTHESIS_TEMPLATE, zeroShotClassify, type ZeroShotClassificationOutput } from '../zero-shot.js';
import type { Command } from './command.js';
import { openModel } from './load.js';

export const zeroShotCommand: Command = {
  name: 'zero-shot',
  usage: '<model> "<text>" --labels a,b,c',
  summary: 'candidate labels of a text scored by an NLI classifier (zero-shot-classification)',
  details: [
    'Pairs the text with one hypothesis per label (--template, default "This example is {}.", the label in',
    'place of {}) and scores each label by the model\'s entailment logit: a softmax over the labels, or with',
    '--multi-label each label\'s entailment against its contradiction. Prints "label<TAB>score" per label,',
    'best first; with --json, the pipeline\'s { "sequence", "labels", "scores" } instead.',
  ],
  positionals: { min: 2, max: 2 },
  options: [
    { name: 'labels', type: 'string', placeholder: 'A,B,C', description: 'the candidate labels, comma-separated (required)' },
    { name: 'template', type: 'string', placeholder: 'T', description: `the hypothesis, {} for the label (default "${DEFAULT_HYPOTHESIS_TEMPLATE}")` },
    { name: 'multi-label', type: 'boolean', description: 'score each label on its own (they need not add up to 1)' },
    { name: 'json', type: 'boolean', description: 'print the result as JSON' },
  ],
  examples: ['qkv zero-shot tests/fixtures/bert-nli-tiny "The team won the match" --labels sports,politics,music'],
  async run(args) {
    const [source, text] = args.positionals as [string, string];
    const labels = args.string('labels') ?? '';
    const template = args.string('template');
    const { model } = await openModel(source, args);
    try {
      requireCapability(model.info, 'classify', 'qkv zero-shot');
      const result = await zeroShotClassify(model, text, labels, {
        multi_label: args.flag('multi-label'), ...(template !== undefined ? { hypothesis_template: template } : {}),
      }) as ZeroShotClassificationOutput;
      if (args.flag('json')) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      process.stdout.write(`${result.labels.map((l, i) => `${l}\t${result.scores[i]!.toFixed(4)}`).join('\n')}\n`);
    } finally {
      model.dispose();
    }
  },
};
