// text-ranking: documents ordered by a one-logit cross-encoder's score for a query (qkv's rerank:
// the sigmoid of each (query, document) pair's logit, as sentence-transformers' CrossEncoder.rank).
import { rerank } from '../../../dist/index.js';
import { scoreRow } from '../task-panel.js';

/** The documents to rank: the input's non-empty lines. */
const documentsOf = (text) => text.split('\n').map((line) => line.trim()).filter((line) => line !== '');

export const rerankTask = {
  id: 'rerank',
  label: 'Rerank documents for a query',
  available: (info) => info.capabilities.includes('classify') && info.classification.labels.length === 1,
  fields: [
    { id: 'query', label: 'Query', rows: 1, value: 'How do cats sleep?' },
    {
      id: 'documents', label: 'Documents, one per line', rows: 4,
      value: 'Cats sleep up to sixteen hours a day.\nThe stock market fell sharply today.\nA kitten naps on the rug.',
    },
  ],
  run(model, { query, documents }) {
    return rerank(model, query, documentsOf(documents), { return_documents: true });
  },
  render(ranked, output) {
    const table = document.createElement('table');
    table.className = 'task-scores';
    table.append(...ranked.map(({ text, score, corpus_id: id }) => {
      const row = scoreRow(text, score);
      row.dataset.corpusId = String(id);
      return row;
    }));
    output.append(table);
  },
};
