/**
 * qkv classify: the labels of a sequence classifier (a *ForSequenceClassification checkpoint:
 * sentiment, NLI, a cross-encoder reranker) for one text or a sentence pair, scored as transformers'
 * text-classification pipeline scores them.
 */
import { classifyTexts } from '../classification-pipeline.js';
import type { TextClassificationOutput } from '../classification.js';
import { requireCapability } from '../capabilities.js';
import type { Command } from './command.js';
import { openModel } from './load.js';

export const classifyCommand: Command = {
  name: 'classify',
  usage: '<model> "<text>"',
  summary: 'labels and scores of a sequence classifier (DistilBERT/BERT/RoBERTa *ForSequenceClassification)',
  details: [
    'Runs the text (with --pair, the sentence pair "text", "pair" through the tokenizer\'s pair template)',
    'through the model and its classification head, then prints the best --top-k labels with their scores,',
    'one "label<TAB>score" per line. Scores are as transformers\' pipeline computes them: softmax over',
    'several labels, sigmoid for one logit (a reranker) or a multi-label problem_type. With --json, prints',
    'the pipeline\'s [{ "label", "score" }, ...] instead.',
  ],
  positionals: { min: 2, max: 2 },
  options: [
    { name: 'pair', type: 'string', description: 'a second text: classify the pair (NLI, a reranker\'s query and document)' },
    { name: 'top-k', type: 'integer', min: 1, placeholder: 'N', description: 'labels to print, best first (default: all)' },
    { name: 'json', type: 'boolean', description: 'print the results as JSON' },
  ],
  examples: [
    'qkv classify tests/fixtures/distilbert-sst2-tiny "I loved this movie"',
    'qkv classify tests/fixtures/rerank-tiny "where is the capital of france" --pair "Paris is the capital of France."',
  ],
  async run(args) {
    const [source, text] = args.positionals as [string, string];
    const pair = args.string('pair');
    const { model } = await openModel(source, args);
    try {
      requireCapability(model.info, 'classify', 'qkv classify');
      const topK = args.number('top-k') ?? null;
      const input = pair === undefined ? text : { text, text_pair: pair };
      const results = await classifyTexts(model, input, { top_k: topK }) as TextClassificationOutput[];
      if (args.flag('json')) {
        process.stdout.write(`${JSON.stringify(results)}\n`);
        return;
      }
      process.stdout.write(`${results.map((r) => `${r.label}\t${r.score.toFixed(4)}`).join('\n')}\n`);
    } finally {
      model.dispose();
    }
  },
};
