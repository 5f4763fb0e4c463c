// token-classification (NER): the entities of a text marked in it, each span's label and score in
// its title; with a grouping strategy (transformers' aggregation_strategy) whole words and entities,
// with 'none' each token (qkv's classifyTokenTexts, its character offsets into the text).
import { classifyTokenTexts } from '../../../dist/index.js';

export const nerTask = {
  id: 'ner',
  label: 'Find the entities of a text (NER)',
  available: (info) => info.capabilities.includes('classify-tokens'),
  fields: [
    { id: 'text', label: 'Text', value: 'My name is Sarah and I live in London.' },
    { id: 'aggregation', label: 'Grouping (aggregation_strategy)', options: ['simple', 'first', 'average', 'max', 'none'] },
  ],
  run(model, { text, aggregation }) {
    return classifyTokenTexts(model, text, { aggregation_strategy: aggregation });
  },
  /** The text again, each entity's span in a <mark> (data-entity: its label without B-/I-). */
  render(entities, output, { text }) {
    const shown = document.createElement('p');
    shown.className = 'ner-text';
    let at = 0;
    // Spans in text order; a token-level result can hold overlapping ones only if offsets do, which they do not.
    for (const e of [...entities].sort((a, b) => a.start - b.start)) {
      if (e.start < at) continue;
      shown.append(text.slice(at, e.start));
      const mark = document.createElement('mark');
      const label = e.entity_group ?? e.entity;
      mark.dataset.entity = label.replace(/^[BI]-/, '');
      mark.dataset.label = label;
      mark.dataset.score = String(e.score);
      mark.title = `${label} ${e.score.toFixed(3)}`;
      mark.textContent = text.slice(e.start, e.end);
      shown.append(mark);
      at = e.end;
    }
    shown.append(text.slice(at));
    const count = document.createElement('p');
    count.className = 'hint';
    count.textContent = entities.length === 0 ? 'No entities (every token is O).'
      : `${entities.length} ${entities.length === 1 ? 'entity' : 'entities'}; point at one for its label and score.`;
    output.append(shown, count);
  },
};
