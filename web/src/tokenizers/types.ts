/** The public shape every tokenizer implements. */
export interface DecodeOptions {
  /** Leave out special added tokens such as <|endoftext|> (default false). */
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
  /** Ids for `text`, exactly as Hugging Face's tokenizer (without a post-processor's extra tokens). */
  encode(text: string): number[];
  decode(ids: readonly number[], options?: DecodeOptions): string;
  createDecodeStream(options?: DecodeOptions): DecodeStream;
  /** The token's string as the vocabulary writes it (byte-level characters for BPE), for labels. */
  idToToken(id: number): string;
  /** One more than the largest id. */
  readonly vocabSize: number;
}
