/**
 * qkv ner: the entities a token classifier (a *ForTokenClassification checkpoint) finds in a text,
 * as transformers' token-classification pipeline gives them: one per token (--aggregation none, the
 * default) or grouped into entities (simple, first, average, max), each with its character span.
 */
import { AGGREGATION_STRATEGIES, type AggregationStrategy, tokenEntities } from '../token-classification.js';
import { requireTokenizer } from '../tokenizers/id-only.js';
import type { Command } from './command.js';
import { jsonOption, runModelTask } from './model-task.js';

export const nerCommand: Command = {
  name: 'ner',
  usage: '<model> "<text>"',
  summary: 'entities of a token classifier (BERT/RoBERTa/DistilBERT *ForTokenClassification)',
  positionals: { min: 2, max: 2 },
  options: [
    {
      name: 'aggregation', type: 'string', placeholder: 'STRATEGY', choices: [...AGGREGATION_STRATEGIES],
      description: 'aggregation_strategy: none (one line per token, the default), simple (adjacent tokens of one '
        + 'entity grouped), first / average / max (tokens of a word agree on a label first)',
    },
    { name: 'all', type: 'boolean', description: 'print every token, O included (ignore_labels [])' },
    jsonOption('the entities'),
  ],
  details: [
    'Runs the text through the model and its token-classification head and prints one line per entity',
    'whose label is not ignored. Without --aggregation: "index<TAB>word<TAB>entity<TAB>score<TAB>start-end" per',
    'token (the softmax probability, as transformers\' pipeline with aggregation_strategy none; special tokens',
    'left out; start-end is the span of the text, in UTF-16 units). With --aggregation STRATEGY:',
    '"word<TAB>entity_group<TAB>score<TAB>start-end" per entity. --all keeps the O label too. With --json,',
    'prints the pipeline\'s output instead ([{ entity, score, index, word, start, end }, ...], or',
    '[{ entity_group, score, word, start, end }, ...] when aggregated).',
  ],
  examples: [
    'qkv ner tests/fixtures/bert-ner-tiny "My name is Sarah and I live in London"',
    'qkv ner tests/fixtures/bert-ner-tiny --aggregation first "My name is Sarah and I live in London"',
  ],
  async run(args) {
    const text = args.positionals[1]!;
    const strategy = (args.string('aggregation') ?? 'none') as AggregationStrategy;
    await runModelTask(args, {
      command: 'ner',
      capability: 'classify-tokens',
      run: async (model) => {
        const [result] = await model.classifyTokens(text);
        return tokenEntities(model.info.classification!, requireTokenizer(model.tokenizer, 'qkv ner'), text, result!,
          { aggregation_strategy: strategy, ...(args.flag('all') ? { ignore_labels: [] } : {}) });
      },
      lines: (entities) => entities.map((e) => ('entity_group' in e
        ? `${e.word}\t${e.entity_group}\t${e.score.toFixed(4)}\t${e.start}-${e.end}`
        : `${e.index}\t${e.word}\t${e.entity}\t${e.score.toFixed(4)}\t${e.start}-${e.end}`)),
    });
  },
};
