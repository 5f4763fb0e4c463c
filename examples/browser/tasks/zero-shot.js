// zero-shot-classification: how well a text fits each candidate label, with an NLI classifier scoring
// "This example is {label}." as a hypothesis for the text (qkv's zeroShotClassify, as transformers'
// pipeline): the labels' scores add up to 1, or each label is scored on its own (multi-label).
import { zeroShotClassify } from '../../../dist/index.js';
import { scoreRow } from '../task-panel.js';

/** Whether a sequence classifier is an NLI model: transformers' rule, a label whose name starts with "entail". */
const isNli = (classification) => classification.labels.some((label) => label.toLowerCase().startsWith('entail'));

export const zeroShotTask = {
  id: 'zero-shot',
  label: 'Classify a text with labels you choose (zero-shot)',
  available: (info) => info.capabilities.includes('classify') && isNli(info.classification),
  fields: [
    { id: 'text', label: 'Text', value: 'The team won the match last night.' },
    { id: 'labels', label: 'Candidate labels, separated by commas', rows: 1, value: 'sports, politics, music, film' },
    { id: 'template', label: 'Hypothesis ({} is where each label goes)', rows: 1, value: 'This example is {}.' },
    { id: 'multi', label: 'Several labels can be true (multi_label: each label scored on its own)', type: 'checkbox', value: false },
  ],
  run(model, { text, labels, template, multi }) {
    // The labels go as typed: the pipeline splits them at commas, as transformers does.
    return zeroShotClassify(model, text, labels, { hypothesis_template: template, multi_label: multi });
  },
  render({ labels, scores }, output) {
    const table = document.createElement('table');
    table.className = 'task-scores';
    table.append(...labels.map((label, i) => scoreRow(label, scores[i])));
    output.append(table);
  },
};
