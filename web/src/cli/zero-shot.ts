/**
 * qkv zero-shot: a text's candidate labels scored by an NLI classifier (a *ForSequenceClassification
 * checkpoint with an entailment label), as transformers' zero-shot-classification pipeline scores them.
 */
import { DEFAULT_HYPOTHESIS_TEMPLATE, zeroShotClassify, type ZeroShotClassificationOutput } from '../zero-shot.js';
import type { Command } from './command.js';
import { given, jsonOption, runModelTask } from './model-task.js';

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
    jsonOption('the result'),
  ],
  examples: ['qkv zero-shot tests/fixtures/bert-nli-tiny "The team won the match" --labels sports,politics,music'],
  async run(args) {
    const text = args.positionals[1]!;
    await runModelTask(args, {
      command: 'zero-shot',
      capability: 'classify',
      run: async (model) => await zeroShotClassify(model, text, args.string('labels') ?? '', {
        multi_label: args.flag('multi-label'), ...given('hypothesis_template', args.string('template')),
      }) as ZeroShotClassificationOutput,
      lines: (result) => result.labels.map((l, i) => `${l}\t${result.scores[i]!.toFixed(4)}`),
    });
  },
};
