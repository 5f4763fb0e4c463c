/**
 * A conversation with a chat model that keeps its KV cache between turns.
 * Each send() renders the whole conversation through the chat template, as
 * generate(messages) does, and the model's prompt cache (prompt-cache.ts)
 * finds that all but the new message and the assistant's header are already
 * in the cache: a turn costs its new tokens, not the history's. A Chat works
 * the same over a Model and over a WorkerModel.
 */
import { InvalidArgumentError } from './errors.js';
import type { GenerationOptions } from './generation.js';
import type { GeneratedToken } from './model.js';
import type { ChatMessage } from './tokenizers/chat-template.js';

/** What a Chat talks to: Model and WorkerModel both are. */
export interface ChatModel {
  generate(prompt: readonly ChatMessage[], options?: GenerationOptions): AsyncGenerator<GeneratedToken>;
}

export interface ChatOptions {
  /** The system message the conversation starts with. */
  system?: string;
  /** Earlier turns to continue from (after the system message). */
  messages?: readonly ChatMessage[];
  /** Generation options for every turn; a send()'s own options override them key by key. */
  generation?: GenerationOptions;
}

export class Chat {
  /** The conversation so far: the system message, then user and assistant turns. */
  readonly messages: ChatMessage[];
  private readonly start: readonly ChatMessage[];
  private readonly generation: GenerationOptions;
  private busy = false;

  /** @internal Use model.chat(). */
  constructor(private readonly model: ChatModel, options: ChatOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('chat: options must be an object');
    const { system, messages = [], generation = {} } = options;
    if (system !== undefined && typeof system !== 'string') {
      throw new InvalidArgumentError(`chat: system must be a string, got ${typeof system}`);
    }
    if (!Array.isArray(messages) || !messages.every(isMessage)) {
      throw new InvalidArgumentError('chat: messages must be an array of { role, content } with string role and content');
    }
    this.start = [...(system !== undefined ? [{ role: 'system', content: system }] : []), ...messages.map((m) => ({ ...m }))];
    this.messages = this.start.map((m) => ({ ...m }));
    this.generation = generation;
  }

  /**
   * Adds a user message and streams the assistant's reply, which joins the
   * conversation once the stream has ended. A turn that throws (an abort
   * included) or is left early leaves the conversation as it was; with
   * on_abort: 'finish' an abort ends the stream, and the reply so far is kept.
   */
  async *send(content: string, options: GenerationOptions = {}): AsyncGenerator<GeneratedToken> {
    if (typeof content !== 'string') throw new InvalidArgumentError(`chat.send: content must be a string, got ${typeof content}`);
    if (this.busy) throw new InvalidArgumentError('chat.send: the previous turn is still streaming; finish or abort it first');
    this.busy = true;
    try {
      const user: ChatMessage = { role: 'user', content };
      let reply = '';
      let ended = false;
      for await (const step of this.model.generate([...this.messages, user], { ...this.generation, ...options })) {
        reply += step.text;
        ended = step.finishReason !== undefined;
        yield step;
      }
      if (ended) this.messages.push(user, { role: 'assistant', content: reply });
    } finally {
      this.busy = false;
    }
  }

  /** Forgets the turns: back to the system message and the messages the chat started with. */
  reset(): void {
    if (this.busy) throw new InvalidArgumentError('chat.reset: a turn is still streaming');
    this.messages.splice(0, this.messages.length, ...this.start.map((m) => ({ ...m })));
  }
}

function isMessage(m: unknown): m is ChatMessage {
  return typeof m === 'object' && m !== null && typeof (m as ChatMessage).role === 'string' &&
    typeof (m as ChatMessage).content === 'string';
}
