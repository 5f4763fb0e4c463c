// The streamed text and its numbers: time to first token, decode speed, count.
export class OutputView {
  constructor({ output, ttft, speed, count, note }) {
    Object.assign(this, { output, ttft, speed, count, note });
  }

  start(prompt) {
    this.output.replaceChildren(Object.assign(document.createElement('span'), { className: 'prompt', textContent: prompt }));
    this.generated = document.createElement('span');
    this.generated.className = 'generated';
    this.output.append(this.generated);
    this.ttft.textContent = '…';
    this.speed.textContent = '…';
    this.count.textContent = '0';
    this.clearNote();
    this.note.textContent = 'Generating…';
  }

  append(text, stats) {
    this.generated.append(text);
    this.stats(stats);
  }

  stats({ tokens, ttftMs, tokensPerSecond }) {
    this.count.textContent = String(tokens);
    if (ttftMs !== undefined) this.ttft.textContent = `${ttftMs.toFixed(0)} ms`;
    if (tokensPerSecond !== undefined) this.speed.textContent = tokensPerSecond.toFixed(1);
  }

  fail(message) {
    for (const field of [this.ttft, this.speed]) if (field.textContent === '…') field.textContent = '–';
    this.note.textContent = `Generation failed: ${message}`;
    this.note.classList.add('error');
    this.note.setAttribute('role', 'alert');
  }

  /** A plain note under the output (not an error), replacing any earlier one. */
  showNote(text) {
    this.clearNote();
    this.note.textContent = text;
  }

  clearNote() {
    this.note.textContent = '';
    this.note.classList.remove('error');
    this.note.removeAttribute('role');
  }

  finish(stats) {
    this.stats(stats);
    const how = stats.stopped ? 'Stopped' : 'Done';
    this.note.textContent = `${how}: ${stats.tokens} tokens in ${(stats.totalMs / 1000).toFixed(2)} s (seed ${stats.seed}).`;
  }
}
