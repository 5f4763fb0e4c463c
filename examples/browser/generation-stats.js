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

  finish(stopped) {
    this.stopped = stopped;
    this.totalMs = performance.now() - this.started;
  }
}
