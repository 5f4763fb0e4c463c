// The numbers shown while text streams: tokens so far, time to first token,
// and decode speed (tokens after the first, over the time since the first).
export class GenerationStats {
  constructor(seed) {
    this.started = performance.now();
    this.first = undefined;
    this.tokens = 0;
    this.ttftMs = undefined;
    this.tokensPerSecond = undefined;
    this.seed = seed;
    this.stopped = false;
    this.reason = undefined;
    this.totalMs = undefined;
  }

  /** One streamed item; token -1 only releases held-back text (an unfinished character). */
  add(token) {
    const now = performance.now();
    this.first ??= now;
    if (token >= 0) this.tokens++;
    this.ttftMs = this.first - this.started;
    if (this.tokens > 1) this.tokensPerSecond = (this.tokens - 1) / ((now - this.first) / 1000);
  }

  /** The stream's finishReason ('eos' | 'max_new_tokens' | 'context' | 'stop' | 'abort'); nCtx names a full context. */
  finish(reason, nCtx) {
    this.reason = reason;
    this.stopped = reason === 'abort';
    this.nCtx = nCtx;
    this.totalMs = performance.now() - this.started;
  }

  /** Why the generation ended, in words. */
  reasonText() {
    switch (this.reason) {
      case 'eos': return 'end of sequence';
      case 'max_new_tokens': return 'reached max new tokens';
      case 'context': return `context full (${this.nCtx} tokens)`;
      case 'stop': return 'stop string';
      case 'abort': return 'aborted';
      default: return String(this.reason);
    }
  }
}
