/**
 * qkv rerank: documents ranked for a query by a cross-encoder reranker (a one-logit
 * *ForSequenceClassification checkpoint such as ms-marco MiniLM or bge-reranker) through rerank(),
 * as sentence-transformers' CrossEncoder.rank ranks them.
 */
import { readFileSync } from 'node:fs';
import { rerank } from '../classification-pipeline.js';
import { InvalidArgumentError } from '../errors.js';
import type { ParsedArgs } from './args.js';
import type { Command } from './command.js';
import { given, jsonOption, runModelTask, textOption, topKOption } from './model-task.js';

export const rerankCommand: Command = {
  name: 'rerank',
  usage: '<model> --query "<text>" --document "<text>"...',
  summary: 'documents ranked for a query by a cross-encoder reranker (a one-logit *ForSequenceClassification)',
  details: [
    'Scores each (query, document) pair through the tokenizer\'s pair template by the sigmoid of the model\'s',
    'one logit (never softmax, which over one logit is always 1), then prints the best --top-k documents,',
    'one "score<TAB>index<TAB>text" per line, index counting the documents from 0 in the order given.',
    'The documents are --document values (the option repeated) or the lines of --documents-file (- reads',
    'stdin; blank lines are skipped). --json prints rerank()\'s [{ "corpus_id", "score", "text" }, ...].',
  ],
  positionals: { min: 1, max: 1 },
  options: [
    textOption('query', 'the query (required)'),
    textOption('document', 'a document to rank', true),
    { name: 'documents-file', type: 'string', placeholder: 'PATH', description: 'a file of documents, one per line (- for stdin)' },
    topKOption('documents to print, best first (default: all)'),
    jsonOption('the ranking'),
  ],
  examples: [
    'qkv rerank tests/fixtures/rerank-tiny --query "where is the capital of france" --document "Paris is the capital of France." --document "Berlin is in Germany."',
    'qkv rerank ./ms-marco-MiniLM-L6-v2 --query "how do plants make food" --documents-file passages.txt --top-k 3',
  ],
  async run(args) {
    const query = args.string('query');
    if (query === undefined) throw new InvalidArgumentError('qkv rerank: give the query with --query "<text>"');
    const documents = documentsOf(args);
    await runModelTask(args, {
      command: 'rerank',
      capability: 'classify',
      run: (model) => rerank(model, query, documents, { return_documents: true, ...given('top_k', args.number('top-k')) }),
      lines: (ranked) => ranked.map((r) => `${r.score.toFixed(4)}\t${r.corpus_id}\t${r.text!}`),
    });
  },
};

/** The --document values, or the non-blank lines of --documents-file; checked before the model loads. */
function documentsOf(args: ParsedArgs): string[] {
  const listed = args.strings('document');
  const file = args.string('documents-file');
  if (file === undefined) {
    if (listed.length === 0) {
      throw new InvalidArgumentError('qkv rerank: no documents: give --document "<text>" (repeatable) or --documents-file <path>');
    }
    return [...listed];
  }
  // One list, so that each index names one document the user gave.
  if (listed.length > 0) throw new InvalidArgumentError('qkv rerank: give --document or --documents-file, not both');
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new InvalidArgumentError(`qkv rerank: cannot read --documents-file ${file}: ${(e as Error).message}`);
  }
  const documents = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (documents.length === 0) throw new InvalidArgumentError(`qkv rerank: --documents-file ${file} has no documents (no non-blank line)`);
  return documents;
}
