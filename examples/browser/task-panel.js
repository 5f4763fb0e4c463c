// The encoder-task panel: the tasks the loaded model can do (a classifier classifies, a one-logit
// cross-encoder reranks, …) in a list, each task's inputs, its Run button and its result. Each task
// is a module of tasks/ with the same shape (see tasks/classify.js); this file knows none of them.
// Knows nothing about loading: main.js says which model is loaded and when the page is busy.
//
// A task's field is text (a textarea) unless it has `options` (a select), or `type` 'number' (a number
// input; its value stays a string, '' when empty) or 'checkbox' (its value is true or false). A field's
// `value` may be a function of the loaded model (a WorkerModel): fill-mask writes the model's own mask token;
// it may return a promise (the translation task asks the worker for the model's languages), filled in when it
// resolves. A task's run(model, values, onText) may hand text to onText as it generates it (the translation
// task streams its target); the panel shows it until render() draws the result.

export class TaskPanel {
  /** tasks: the task modules in the order the list shows them. */
  constructor({ select, fields, run, output, status, hint }, tasks) {
    Object.assign(this, { select, fields, runButton: run, output, status, hint, tasks });
    this.available = [];
    this.model = undefined; // the loaded WorkerModel, for fields whose example depends on it
    this.inputs = new Map(); // field id -> its input, for the task shown
    select.addEventListener('change', () => this.showTask());
  }

  /** The task shown, or undefined when the loaded model can do none. */
  current() {
    return this.available.find((t) => t.id === this.select.value);
  }

  /** A model was loaded (a WorkerModel) or unloaded (undefined): the list offers what its info says it can do. */
  setModel(model) {
    this.model = model;
    this.available = model === undefined ? [] : this.tasks.filter((t) => t.available(model.info));
    this.select.replaceChildren(...this.available.map((t) => new Option(t.label, t.id)));
    this.hint.hidden = this.available.length > 0;
    this.showTask();
  }

  /** The inputs of the task chosen, filled with its example. */
  showTask() {
    const task = this.current();
    this.inputs.clear();
    this.fields.replaceChildren();
    this.clearResult();
    if (task === undefined) return;
    for (const field of task.fields) {
      const label = document.createElement('label');
      const value = typeof field.value === 'function' ? field.value(this.model) : field.value;
      const input = inputFor(field, value instanceof Promise ? undefined : value);
      // Unless the field was typed in or another task shown meanwhile; a failure leaves it empty.
      if (value instanceof Promise) value.then((v) => { if (input.value === '' && this.inputs.get(field.id) === input) input.value = v; }, () => {});
      input.id = `task-${field.id}`;
      label.htmlFor = input.id;
      // A checkbox sits before its words, inside its label; the other inputs under theirs.
      if (input.type === 'checkbox') label.append(input, ` ${field.label}`);
      else label.textContent = field.label;
      this.fields.append(label);
      if (input.type !== 'checkbox') this.fields.append(input);
      this.inputs.set(field.id, input);
    }
  }

  /** Whether Run can be pressed (a task is shown); main.js also disables it while the page is busy. */
  canRun() {
    return this.current() !== undefined;
  }

  /** Runs the task shown on `model` (a WorkerModel) with the inputs' values, and shows its result or error. */
  async run(model) {
    const task = this.current();
    const values = Object.fromEntries([...this.inputs].map(([id, input]) => [id, input.type === 'checkbox' ? input.checked : input.value]));
    this.clearResult();
    const started = performance.now();
    // A task that generates text shows it as it comes (onText), until render() shows the whole result.
    let live;
    const onText = (piece) => {
      if (live === undefined) {
        live = document.createElement('p');
        live.id = 'task-live-output';
        this.output.append(live);
      }
      live.textContent += piece;
    };
    try {
      const result = await task.run(model, values, onText);
      this.output.replaceChildren();
      task.render(result, this.output, values);
      this.status.textContent = `${task.label}: ${(performance.now() - started).toFixed(0)} ms.`;
    } catch (e) {
      this.output.replaceChildren();
      this.status.textContent = e.message;
      this.status.classList.add('error');
      this.status.setAttribute('role', 'alert');
    }
  }

  clearResult() {
    this.output.replaceChildren();
    this.status.textContent = '';
    this.status.classList.remove('error');
    this.status.removeAttribute('role');
  }
}

/** The input of one field (see the top of this file), holding `value`. */
function inputFor(field, value) {
  if (field.options !== undefined) {
    // A choice among the options, the first chosen.
    const select = document.createElement('select');
    select.append(...field.options.map((o) => new Option(o, o)));
    return select;
  }
  if (field.type === 'number' || field.type === 'checkbox') {
    const input = document.createElement('input');
    input.type = field.type;
    if (field.type === 'checkbox') input.checked = value === true;
    else Object.assign(input, { min: field.min ?? '', step: '1', value: String(value ?? '') });
    return input;
  }
  const text = document.createElement('textarea');
  text.rows = field.rows ?? 2;
  text.value = value ?? '';
  return text;
}

/** A number field's value for an option: undefined when empty (the API's default), else the number typed. */
export const optionalNumber = (value) => (value.trim() === '' ? undefined : Number(value));

/** A row of a result table: a name, a bar as long as the score (0..1), and the score written out. */
export function scoreRow(name, score) {
  const row = document.createElement('tr');
  const label = document.createElement('td');
  label.textContent = name;
  const bar = document.createElement('td');
  bar.className = 'score-bar';
  const fill = document.createElement('span');
  fill.style.width = `${Math.max(0, Math.min(1, score)) * 100}%`;
  bar.append(fill);
  const value = document.createElement('td');
  value.className = 'score';
  value.textContent = score.toFixed(4);
  value.dataset.value = String(score);
  row.append(label, bar, value);
  return row;
}
