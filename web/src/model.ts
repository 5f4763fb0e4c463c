/**
 * A loaded model: its tokenizer, generation, raw logits and attention
 * weights. Calls on one model run one at a time, in the order they were made
 * (a second generate() waits for the first to finish or be aborted).
 */
import type { Backend } from './backend.js';
import { InvalidArgumentError, QkvError } from './errors.js';
import { resolveGenerationOptions, type GenerationOptions } from './generation.js';
import type { Tokenizer } from './tokenizers/index.js';
import type { ModelHandle, SessionHandle } from './wasm-module.js';

export interface ModelInfo {
  /** Hub architecture, e.g. 'GPT2LMHeadModel'. */
  architecture: string;
  /** Weight type in memory. */
  dtype: 'f32' | 'f16' | 'q8';
  nVocab: number;
  nCtx: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  /** Bytes of weights held in wasm memory. */
  weightBytes: number;
}

export interface GeneratedToken {
  /** The token id. */
  token: number;
  /** The text this token completes (may be '' while a multi-byte character is split across tokens). */
  text: string;
}

export interface ForwardResult {
  /** Logits of every position, row-major [seq, vocab]. */
  logits: Float32Array;
  dims: [number, number];
}

export interface AttentionResult {
  /** The token strings of the input, as the tokenizer names them. */
  tokens: string[];
  /** The ids of the input. */
  ids: number[];
  /** Per layer: probabilities [head, query, key] as one row-major array. */
  layers: Float32Array[];
  dims: [number, number, number];
}

export class Model {
  readonly tokenizer: Tokenizer;
  readonly info: ModelInfo;
  private readonly backend: Backend;
  private handle: ModelHandle | undefined;
  private session: SessionHandle | undefined;
  private readonly eos: number[];
  private queue: Promise<unknown> = Promise.resolve();

  /** @internal Use loadModel(). */
  constructor(backend: Backend, handle: ModelHandle, tokenizer: Tokenizer, info: ModelInfo, eos: number[]) {
    this.backend = backend;
    this.handle = handle;
    this.session = backend.call(() => handle.createSession());
    this.tokenizer = tokenizer;
    this.info = info;
    this.eos = eos;
  }

  /** Frees the model's wasm memory. Any later call throws. */
  dispose(): void {
    this.session?.delete();
    this.handle?.delete();
    this.session = undefined;
    this.handle = undefined;
  }

  /**
   * Streams generated tokens. The prompt is tokenized exactly as
   * tokenizer.encode(prompt) does.
   */
  async *generate(prompt: string | readonly number[], options: GenerationOptions = {}): AsyncGenerator<GeneratedToken> {
    const resolved = resolveGenerationOptions(options, this.eos);
    const ids = this.promptIds(prompt);
    const release = await this.acquire();
    try {
      const session = this.live();
      const { sampling, signal } = resolved;
      signal?.throwIfAborted();
      this.backend.call(() => {
        session.reset();
        session.seed(resolved.seed);
        session.append(Int32Array.from(ids), false);
      });
      const decoder = this.tokenizer.createDecodeStream();
      let text = '';
      let emitted = 0; // characters of `text` already yielded
      const longestStop = Math.max(0, ...resolved.stop.map((s) => s.length));
      let last = -1;
      for (let i = 0; i < resolved.maxNewTokens; i++) {
        signal?.throwIfAborted();
        const token = this.backend.call(() => session.sample(sampling.doSample, sampling.temperature, sampling.topK,
          sampling.topP, sampling.repetitionPenalty));
        if (resolved.eos.includes(token)) break;
        last = token;
        text += decoder.push(token);
        const stopAt = firstStop(text, resolved.stop);
        if (stopAt >= 0) {
          if (stopAt > emitted) yield { token, text: text.slice(emitted, stopAt) };
          return;
        }
        // Hold back text that could still turn into a stop string.
        const safe = Math.max(emitted, text.length - Math.max(0, longestStop - 1));
        yield { token, text: text.slice(emitted, safe) };
        emitted = safe;
        if (i + 1 < resolved.maxNewTokens) {
          if (session.position() >= this.info.nCtx) break; // context full
          this.backend.call(() => session.append(Int32Array.of(token), false));
        }
      }
      // Text held back for stop strings, and any bytes of an unfinished character.
      const rest = text + decoder.flush();
      if (rest.length > emitted) yield { token: last, text: rest.slice(emitted) };
    } finally {
      release();
    }
  }

  /** Logits of every position for these ids (or this text). */
  async forward(input: string | readonly number[]): Promise<ForwardResult> {
    const ids = this.promptIds(input);
    const release = await this.acquire();
    try {
      const session = this.live();
      const logits = this.backend.call(() => {
        session.reset();
        session.append(Int32Array.from(ids), true);
        return session.allLogits();
      });
      return { logits, dims: [ids.length, this.info.nVocab] };
    } finally {
      release();
    }
  }

  /** Attention probabilities of every layer and head for this text (or ids). */
  async attention(input: string | readonly number[]): Promise<AttentionResult> {
    const ids = this.promptIds(input);
    const release = await this.acquire();
    try {
      const session = this.live();
      const layers = this.backend.call(() => session.attention(Int32Array.from(ids)));
      const tokens = ids.map((id) => this.tokenizer.idToToken(id) ?? String(id));
      return { tokens, ids, layers, dims: [this.info.nHead, ids.length, ids.length] };
    } finally {
      release();
    }
  }

  private promptIds(input: string | readonly number[]): number[] {
    if (typeof input === 'string') return this.tokenizer.encode(input);
    if (Array.isArray(input) && input.every((t) => Number.isInteger(t))) return [...input];
    throw new InvalidArgumentError('expected a string or an array of token ids');
  }

  private live(): SessionHandle {
    if (this.session === undefined) throw new QkvError('disposed', 'this model has been disposed');
    return this.session;
  }

  /** Waits for earlier calls on this model; returns the release function. */
  private async acquire(): Promise<() => void> {
    this.live();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => { release = resolve; });
    const previous = this.queue;
    this.queue = previous.then(() => mine);
    await previous;
    return release;
  }
}

function firstStop(text: string, stops: readonly string[]): number {
  let first = -1;
  for (const s of stops) {
    const at = text.indexOf(s);
    if (at >= 0 && (first < 0 || at < first)) first = at;
  }
  return first;
}
