/** The public shape every tokenizer implements. */
export interface EncodeOptions {
  /**
   * Add the special tokens of tokenizer.json's post_processor around the text:
   * `<s>` before it for LLaMA, `[CLS]` … `[SEP]` for BERT, nothing for GPT-2
   * and Qwen2 (default true, as in transformers.js).
   */
  add_special_tokens?: boolean;
}

export interface DecodeOptions {
  /** Leave out special added tokens such as <|endoftext|>, <s> or [CLS] (default false). */
  skip_special_tokens?: boolean;
}

/** Turns ids into text one at a time, holding back bytes of a character split across tokens. */
export interface DecodeStream {
  /** The text this token completes ('' while a multi-byte character is incomplete). */
  push(id: number): string;
  /** Whatever is held back, with U+FFFD for an incomplete character. */
  flush(): string;
}

export interface Tokenizer {
  /**
   * Ids for `text`, exactly as Hugging Face's tokenizer gives them: added
   * tokens (e.g. <|im_start|>) are recognized in the text, and with
   * add_special_tokens (the default) the post-processor's tokens are added.
   */
  encode(text: string, options?: EncodeOptions): number[];
  /** The text of `ids` through tokenizer.json's decoder (e.g. ▁ back to spaces, bytes back to characters). */
  decode(ids: readonly number[], options?: DecodeOptions): string;
  createDecodeStream(options?: DecodeOptions): DecodeStream;
  /** The token's string as the vocabulary writes it (byte-level characters, ▁ or ## included), for labels. */
  idToToken(id: number): string;
  /** One more than the largest id. */
  readonly vocabSize: number;
}
