/**
 * qkv qa: the answer to a question in a context by an extractive question-answering model (a
 * *ForQuestionAnswering checkpoint), as transformers' question-answering pipeline finds it.
 */
import type { Command } from './command.js';
import { given, jsonOption, runModelTask, textOption, topKOption } from './model-task.js';

export const qaCommand: Command = {
  name: 'qa',
  usage: '<model> --question "<text>" --context "<text>"',
  summary: 'the answer to a question in a context (BERT/RoBERTa/DistilBERT/ModernBERT *ForQuestionAnswering)',
  details: [
    'Prints the best --top-k answers (a long context is cut into windows of --max-seq-len tokens sharing --doc-stride),',
    'one "score<TAB>start<TAB>end<TAB>answer" per line, start and end indexing the context\'s characters; --impossible',
    'lets "no answer" (start = end = 0, empty) compete. Answers are widened to whole words unless --no-align-to-words.',
    '--json prints the pipeline\'s result ({ score, start, end, answer }).',
  ],
  positionals: { min: 1, max: 1 },
  options: [
    textOption('question', 'the question (required)'),
    textOption('context', 'the text the answer is taken from (required)'),
    topKOption('answers to print, best first (default 1)'),
    { name: 'max-answer-len', type: 'integer', min: 1, placeholder: 'N', description: 'the longest answer in tokens (default 15)' },
    { name: 'max-seq-len', type: 'integer', min: 1, placeholder: 'N', description: 'tokens per window (default 384, at most the model\'s)' },
    { name: 'doc-stride', type: 'integer', min: 0, placeholder: 'N', description: 'tokens windows share (default min(max-seq-len / 2, 128))' },
    { name: 'impossible', type: 'boolean', description: 'let "no answer" compete (handle_impossible_answer)' },
    { name: 'no-align-to-words', type: 'boolean', description: 'answers keep their tokens\' characters, not widened to whole words' },
    jsonOption('the answers'),
  ],
  examples: ['qkv qa tests/fixtures/bert-qa-tiny --question "Where does the city lie?" --context "The old city of Paris lies on the river Seine."'],
  async run(args) {
    const question = args.string('question') ?? '';
    const context = args.string('context') ?? '';
    await runModelTask(args, {
      command: 'qa',
      capability: 'question-answering',
      run: (model) => model.answer(question, context, {
        ...given('top_k', args.number('top-k')), ...given('max_answer_len', args.number('max-answer-len')),
        ...given('max_seq_len', args.number('max-seq-len')), ...given('doc_stride', args.number('doc-stride')),
        handle_impossible_answer: args.flag('impossible'), align_to_words: !args.flag('no-align-to-words'),
      }),
      lines: (result) => [result].flat().map((a) => `${a.score.toFixed(4)}\t${a.start}\t${a.end}\t${a.answer}`),
    });
  },
};
