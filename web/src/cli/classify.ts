/**
 * qkv classify: the labels of a sequence classifier (a *ForSequenceClassification checkpoint:
 * sentiment, NLI, a cross-encoder reranker) for one text or a sentence pair, scored as transformers'
 * text-classification pipeline scores them.
 */
import { classifyTexts } from '../classification-pipeline.js';
import type { TextClassificationOutput } from '../classification.js';
import type { Command } from './command.js';
import { jsonOption, runModelTask, textOption, topKOption } from './model-task.js';

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
    textOption('pair', 'a second text: classify the pair (NLI, a reranker\'s query and document)'),
    topKOption('labels to print, best first (default: all)'),
    jsonOption('the results'),
  ],
  examples: [
    'qkv classify tests/fixtures/distilbert-sst2-tiny "I loved this movie"',
    'qkv classify tests/fixtures/rerank-tiny "where is the capital of france" --pair "Paris is the capital of France."',
  ],
  async run(args) {
    const text = args.positionals[1]!;
    const pair = args.string('pair');
    const input = pair === undefined ? text : { text, text_pair: pair };
    await runModelTask(args, {
      command: 'classify',
      capability: 'classify',
      run: async (model) => await classifyTexts(model, input, { top_k: args.number('top-k') ?? null }) as TextClassificationOutput[],
      lines: (results) => results.map((r) => `${r.label}\t${r.score.toFixed(4)}`),
    });
  },
};
