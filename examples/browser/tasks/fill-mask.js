// fill-mask: the tokens a masked-LM head puts in place of each mask token of a text, best first with
// their probabilities (WorkerModel.fillMask: transformers' fill-mask pipeline in the worker). The
// example text carries the loaded model's own mask token ([MASK], <mask>, …).
import { optionalNumber, scoreRow } from '../task-panel.js';

export const fillMaskTask = {
  id: 'fill-mask',
  label: 'Fill the mask',
  available: (info) => info.capabilities.includes('fill-mask'),
  fields: [
    {
      id: 'text', label: 'Text, with the mask token where a word is missing',
      // A tokenizer without a mask token (no tokenizer_config.json) gets [MASK]; Run then names the problem.
      value: (model) => `The capital of France is ${model.tokenizer.mask_token ?? '[MASK]'}.`,
    },
    { id: 'top_k', label: 'Predictions per mask (top_k)', type: 'number', min: 1, value: 5 },
  ],
  async run(model, { text, top_k: topK }) {
    const result = await model.fillMask(text, { top_k: optionalNumber(topK) });
    // One mask gives its list; several, a list per mask.
    return Array.isArray(result[0]) ? result : [result];
  },
  /** A table per mask (captioned when there are several): each token with its score, the filled text in its title. */
  render(masks, output) {
    for (const [m, predictions] of masks.entries()) {
      const table = document.createElement('table');
      table.className = 'task-scores';
      if (masks.length > 1) table.createCaption().textContent = `Mask ${m + 1} of ${masks.length}`;
      table.append(...predictions.map(({ token_str: text, score, token, sequence }) => {
        const row = scoreRow(text, score);
        row.dataset.token = String(token);
        row.title = sequence;
        return row;
      }));
      output.append(table);
    }
  },
};
