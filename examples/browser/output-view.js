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
    // Start at the end, where the text will arrive (a long prompt may already fill the box).
    this.output.scrollTop = this.output.scrollHeight;
    this.ttft.textContent = '…';
    this.speed.textContent = '…';
    this.count.textContent = '0';
    this.clearNote();
    this.note.textContent = 'Generating…';
  }

  /** Adds streamed text; the box follows it unless the user has scrolled up to read. */
  append(text, stats) {
    const box = this.output;
    const following = box.scrollHeight - box.scrollTop - box.clientHeight < 8;
    this.generated.append(text);
    if (following) box.scrollTop = box.scrollHeight;
    this.stats(stats);
  }

  /** The prompt and generated text, as shown. */
  text() {
    return this.output.textContent;
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
    delete this.note.dataset.finishReason;
    this.note.classList.remove('error');
    this.note.removeAttribute('role');
  }

  /** The numbers and why the stream ended ("Stopped: end of sequence", "…: aborted"). */
  finish(stats) {
    this.stats(stats);
    this.note.textContent = `Done: ${stats.tokens} tokens in ${(stats.totalMs / 1000).toFixed(2)} s (seed ${stats.seed}). ` +
      `Stopped: ${stats.reasonText()}.`;
    this.note.dataset.finishReason = stats.reason;
  }
}
