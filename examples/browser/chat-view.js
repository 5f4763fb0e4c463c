// Chat mode's view: the transcript (user and assistant bubbles, the reply
// streaming into its bubble), the numbers line under it, and the error beside
// the input. The conversation itself is the Chat's (chat.messages): a turn
// that fails is drawn again from it, so what shows is what the model will be
// given next turn (a reply that streamed to its end is already what the Chat keeps).
export class ChatView {
  constructor({ transcript, status, error }) {
    Object.assign(this, { transcript, status, error });
  }

  /** Draws the conversation's user and assistant turns (the system message is in its own field). */
  show(messages) {
    this.transcript.replaceChildren(...messages.filter((m) => m.role !== 'system').map((m) => bubble(m.role, m.content)));
    this.transcript.scrollTop = this.transcript.scrollHeight;
  }

  /** A turn starts: the user's message, and an empty reply bubble the stream will fill. */
  start(text) {
    this.clearError();
    this.transcript.append(bubble('user', text));
    this.reply = bubble('assistant', '');
    this.reply.classList.add('streaming');
    this.transcript.append(this.reply);
    this.transcript.scrollTop = this.transcript.scrollHeight;
    this.status.textContent = 'Replying…';
    for (const key of ['finishReason', 'promptTokens', 'cachedTokens', 'generatedTokens']) delete this.status.dataset[key];
  }

  /** Streamed text; the transcript follows it unless the user has scrolled up to read. */
  append(text) {
    const box = this.transcript;
    const following = box.scrollHeight - box.scrollTop - box.clientHeight < 8;
    this.reply.querySelector('.text').append(text);
    if (following) box.scrollTop = box.scrollHeight;
  }

  /** The reply has ended: its numbers (time to first token, decode speed, why it ended, the prompt cache's share). */
  finish(stats, usage) {
    this.reply.classList.remove('streaming');
    const ttft = stats.ttftMs !== undefined ? `${stats.ttftMs.toFixed(0)} ms` : '–';
    const speed = stats.tokensPerSecond !== undefined ? stats.tokensPerSecond.toFixed(1) : '–';
    const cache = usage !== undefined ? ` ${usage.cachedTokens} of ${usage.promptTokens} prompt tokens from the cache.` : '';
    this.status.textContent = `Reply: ${stats.tokens} tokens in ${(stats.totalMs / 1000).toFixed(2)} s (seed ${stats.seed}); ` +
      `time to first token ${ttft}, ${speed} tokens/s. Stopped: ${stats.reasonText()}.${cache}`;
    this.status.dataset.finishReason = stats.reason;
    if (usage !== undefined) {
      this.status.dataset.promptTokens = String(usage.promptTokens);
      this.status.dataset.cachedTokens = String(usage.cachedTokens);
      this.status.dataset.generatedTokens = String(usage.generatedTokens);
    }
  }

  /** A turn that failed: the error beside the input; the transcript goes back to `messages`. */
  fail(message, messages) {
    this.show(messages);
    this.status.textContent = '';
    this.error.textContent = message;
    this.error.hidden = false;
  }

  clearError() {
    this.error.hidden = true;
    this.error.textContent = '';
  }

  /** An empty conversation: no turns, no numbers, no error. */
  clear() {
    this.transcript.replaceChildren();
    this.status.textContent = '';
    for (const key of ['finishReason', 'promptTokens', 'cachedTokens', 'generatedTokens']) delete this.status.dataset[key];
    this.clearError();
  }
}

function bubble(role, content) {
  const box = document.createElement('div');
  box.className = `bubble ${role}`;
  const who = Object.assign(document.createElement('span'), { className: 'who', textContent: role === 'user' ? 'You' : 'Model' });
  const text = Object.assign(document.createElement('div'), { className: 'text', textContent: content });
  box.append(who, text);
  return box;
}
