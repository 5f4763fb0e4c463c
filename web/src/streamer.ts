/**
 * TextStreamer in the manner of transformers.js: hand one to a
 * text-generation pipeline and its callback receives the text as it is
 * generated (the prompt too unless skip_prompt).
 */
import { InvalidArgumentError } from './errors.js';
import type { Tokenizer } from './tokenizers/index.js';

export interface TextStreamerOptions {
  /** Leave the prompt out of the stream (default false). */
  skip_prompt?: boolean;
  /** Called with each new piece of text (default: write to the console). */
  callback_function?: (text: string) => void;
  /** Called once generation has ended. */
  on_finalize?: () => void;
}

export class TextStreamer {
  /** The tokenizer this streamer was made for (as in transformers.js; qkv's pipeline decodes for it). */
  readonly tokenizer: Tokenizer;
  readonly skipPrompt: boolean;
  private readonly callback: (text: string) => void;
  private readonly onFinalize: (() => void) | undefined;

  constructor(tokenizer: Tokenizer, options: TextStreamerOptions = {}) {
    if (options.callback_function !== undefined && typeof options.callback_function !== 'function') {
      throw new InvalidArgumentError('TextStreamer: callback_function must be a function');
    }
    this.tokenizer = tokenizer;
    this.skipPrompt = options.skip_prompt === true;
    this.callback = options.callback_function ?? ((text) => { console.log(text); });
    this.onFinalize = options.on_finalize;
  }

  /** @internal The pipeline's entry: text the model produced (or the prompt). */
  onText(text: string, isPrompt: boolean): void {
    if (text === '' || (isPrompt && this.skipPrompt)) return;
    this.callback(text);
  }

  /** @internal Generation has ended. */
  end(): void {
    this.onFinalize?.();
  }
}
