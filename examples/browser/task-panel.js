// The encoder-task panel: the tasks the loaded model can do (a classifier classifies, a one-logit
// cross-encoder reranks, …) in a list, each task's inputs, its Run button and its result. Each task
// is a module of tasks/ with the same shape (see tasks/classify.js); this file knows none of them.
// Knows nothing about loading: main.js says which model is loaded and when the page is busy.

export class TaskPanel {
  /** tasks: the task modules in the order the list shows them. */
  constructor({ select, fields, run, output, status, hint }, tasks) {
    Object.assign(this, { select, fields, runButton: run, output, status, hint, tasks });
    this.available = [];
    this.inputs = new Map(); // field id -> its textarea, for the task shown
    select.addEventListener('change', () => this.showTask());
  }

  /** The task shown, or undefined when the loaded model can do none. */
  current() {
    return this.available.find((t) => t.id === this.select.value);
  }

  /** A model was loaded (its ModelInfo) or unloaded (undefined): the list offers what it can do. */
  setModel(info) {
    this.available = info === undefined ? [] : this.tasks.filter((t) => t.available(info));
    this.select.replaceChildren(...this.available.map((t) => new Option(t.label, t.id)));
    this.hint.hidden = this.available.length > 0;
    this.showTask();
  }

  /** The inputs of the task chosen (textareas, or selects for fields with options), filled with its example. */
  showTask() {
    const task = this.current();
    this.inputs.clear();
    this.fields.replaceChildren();
    this.clearResult();
    if (task === undefined) return;
    for (const field of task.fields) {
      const label = document.createElement('label');
      label.htmlFor = `task-${field.id}`;
      label.textContent = field.label;
      // A field with `options` is a choice among them (the first chosen); the others are text.
      const input = field.options !== undefined ? document.createElement('select') : document.createElement('textarea');
      input.id = `task-${field.id}`;
      if (field.options !== undefined) {
        input.append(...field.options.map((o) => new Option(o, o)));
      } else {
        input.rows = field.rows ?? 2;
        input.value = field.value ?? '';
      }
      this.fields.append(label, input);
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
    const values = Object.fromEntries([...this.inputs].map(([id, input]) => [id, input.value]));
    this.clearResult();
    const started = performance.now();
    try {
      const result = await task.run(model, values);
      task.render(result, this.output, values);
      this.status.textContent = `${task.label}: ${(performance.now() - started).toFixed(0)} ms.`;
    } catch (e) {
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
