// question-answering: the span of a context that answers a question, marked where it is in the
// context, with its probability (WorkerModel.answer: transformers' question-answering pipeline in the
// worker). With top_k above 1 the answers are listed best first; choosing one marks it instead.
import { optionalNumber, scoreRow } from '../task-panel.js';

/** The context shown whole, `answer`'s characters in a <mark> (none for the null answer, start = end = 0). */
function markAnswer(shown, context, answer) {
  if (answer.end <= answer.start) {
    shown.replaceChildren(context);
    return;
  }
  const mark = document.createElement('mark');
  mark.textContent = context.slice(answer.start, answer.end);
  Object.assign(mark.dataset, { start: String(answer.start), end: String(answer.end), score: String(answer.score) });
  mark.title = `score ${answer.score.toFixed(4)}`;
  shown.replaceChildren(context.slice(0, answer.start), mark, context.slice(answer.end));
}

export const questionAnsweringTask = {
  id: 'question-answering',
  label: 'Answer a question from a context',
  available: (info) => info.capabilities.includes('question-answering'),
  fields: [
    { id: 'question', label: 'Question', rows: 1, value: 'Where does the city lie?' },
    { id: 'context', label: 'Context', rows: 4, value: 'The old city of Paris lies on the river Seine.' },
    { id: 'top_k', label: 'Answers (top_k)', type: 'number', min: 1, value: 1 },
    { id: 'impossible', label: 'Allow "no answer" (handle_impossible_answer)', type: 'checkbox', value: false },
  ],
  async run(model, { question, context, top_k: topK, impossible }) {
    const result = await model.answer(question, context, { top_k: optionalNumber(topK), handle_impossible_answer: impossible });
    // top_k 1 gives one answer, more a list.
    return Array.isArray(result) ? result : [result];
  },
  render(answers, output, { context }) {
    const shown = document.createElement('p');
    shown.className = 'qa-context';
    const table = document.createElement('table');
    table.className = 'task-scores qa-answers';
    const rows = answers.map((answer) => {
      const row = scoreRow(answer.answer === '' ? '(no answer)' : answer.answer, answer.score);
      Object.assign(row.dataset, { start: String(answer.start), end: String(answer.end) });
      row.tabIndex = 0;
      return row;
    });
    const choose = (i) => {
      rows.forEach((row, j) => row.setAttribute('aria-current', String(i === j)));
      markAnswer(shown, context, answers[i]);
    };
    rows.forEach((row, i) => {
      row.addEventListener('click', () => choose(i));
      row.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          choose(i);
        }
      });
    });
    table.append(...rows);
    choose(0);
    output.append(shown, table);
    if (answers.length > 1) {
      const hint = document.createElement('p');
      hint.className = 'hint';
      hint.textContent = 'The best answer is marked; choose another in the list to mark it instead.';
      output.append(hint);
    }
  },
};
