/**
 * qkv ner: the entities a token classifier (a *ForTokenClassification checkpoint) finds in a text,
 * one per token as transformers' token-classification pipeline gives them (aggregation 'none').
 */
import { requireCapability } from '../capabilities.js';
import { tokenEntities } from '../token-classification.js';
import type { Command } from './command.js';
import { openModel } from './load.js';

export const nerCommand: Command = {
  name: 'ner',
  usage: '<model> "<text>"',
  summary: 'entities of a token classifier (BERT/RoBERTa/DistilBERT *ForTokenClassification)',
  positionals: { min: 2, max: 2 },
  options: [
    { name: 'all', type: 'boolean', description: 'print every token, O included (ignore_labels [])' },
    { name: 'json', type: 'boolean', description: 'print the entities as JSON' },
  ],
  details: [
    'Runs the text through the model and its token-classification head and prints one line per token',
    'whose best label is not ignored: "index<TAB>word<TAB>entity<TAB>score" (the softmax probability, as',
    'transformers\' pipeline with aggregation_strategy none; special tokens left out). --all keeps the O',
    'label too. With --json, prints the pipeline\'s [{ "entity", "score", "index", "word" }, ...] instead.',
  ],
  examples: ['qkv ner tests/fixtures/bert-ner-tiny "My name is Sarah and I live in London"'],
  async run(args) {
    const [source, text] = args.positionals as [string, string];
    const { model } = await openModel(source, args);
    try {
      requireCapability(model.info, 'classify-tokens', 'qkv ner');
      const [result] = await model.classifyTokens(text);
      const entities = tokenEntities(model.info.classification!, model.tokenizer, text, result!,
        args.flag('all') ? { ignore_labels: [] } : {});
      if (args.flag('json')) {
        process.stdout.write(`${JSON.stringify(entities)}\n`);
        return;
      }
      const lines = entities.map((e) => `${e.index}\t${e.word}\t${e.entity}\t${e.score.toFixed(4)}`);
      process.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : '');
    } finally {
      model.dispose();
    }
  },
};
