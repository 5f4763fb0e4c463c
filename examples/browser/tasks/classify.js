// text-classification: a text, or a sentence pair (an NLI model's premise and hypothesis), through
// the model's classification head; every label with its score, best first (qkv's classifyTexts with
// top_k null, the scores as transformers' pipeline computes them).
import { classifyTexts } from '../../../dist/index.js';
import { scoreRow } from '../task-panel.js';

export const classifyTask = {
  id: 'classify',
  label: 'Classify a text or a pair',
  // A one-logit head is a reranker's (tasks/rerank.js); a regression head still classifies.
  available: (info) => info.capabilities.includes('classify') && info.classification.labels.length > 1,
  fields: [
    { id: 'text', label: 'Text', value: 'This film was a delight from start to finish.' },
    { id: 'pair', label: 'Second text (optional: makes a sentence pair)', rows: 1, value: '' },
  ],
  run(model, { text, pair }) {
    const input = pair.trim() === '' ? text : { text, text_pair: pair };
    return classifyTexts(model, input, { top_k: null });
  },
  render(labels, output) {
    const table = document.createElement('table');
    table.className = 'task-scores';
    table.append(...labels.map(({ label, score }) => scoreRow(label, score)));
    output.append(table);
  },
};
