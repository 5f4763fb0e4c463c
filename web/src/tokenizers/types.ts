import type { ChatMessage } from './chat-template.js';

/** The public shape every tokenizer implements. */
export interface EncodeOptions {
  /**
   * Add the special tokens of tokenizer.json's post_processor around the text:
   * `<s>` before it for LLaMA, `[CLS]` … `[SEP]` for BERT, nothing for GPT-2
   * and Qwen2 (default true, as in transformers.js).
   */
  add_special_tokens?: boolean;
}

/** A sentence pair's ids and token types (segment ids), one per token. */
export interface EncodedPair {
  input_ids: number[];
  token_type_ids: number[];
}

/**
 * Ids with each token's span in the text: `text.slice(start, end)` is what the token stands for.
 * Offsets are UTF-16 indices (JavaScript string indices); Python's return_offsets_mapping counts code
 * points, which is the same for text without characters beyond U+FFFF (emoji). Tokens the
 * post-processor added ([CLS], <s>) have [0, 0], as in Python.
 */
export interface EncodingWithOffsets {
  ids: number[];
  offsets: Array<[number, number]>;
  /**
   * The word each token comes from, counted from 0 in its text (the pre-tokenizer's pieces and the
   * added tokens found in the text), null for the template's special tokens: Python's
   * encoding.word_ids().
   */
  wordIds: Array<number | null>;
}

/** A sentence pair with offsets: the second text's offsets count from the start of the second text, as in Python. */
export interface PairEncodingWithOffsets extends EncodingWithOffsets {
  typeIds: number[];
  /** Which text each token comes from, null for the post-processor's tokens (Python's encoding.sequence_ids()). */
  sequenceIds: Array<0 | 1 | null>;
}

export interface DecodeOptions {
  /** Leave out special added tokens such as <|endoftext|>, <s> or [CLS] (default false). */
  skip_special_tokens?: boolean;
}

/**
 * Options of apply_chat_template, named as in transformers.js (snake_case on
 * purpose, so code moves between the two unchanged). Any other key is passed
 * to the template as a variable (e.g. date_string for Llama 3).
 */
export interface ChatTemplateOptions {
  /** Append the assistant header the model answers after (default false). */
  add_generation_prompt?: boolean;
  /** Return ids (default true, the text encoded without adding special tokens again) or the text. */
  tokenize?: boolean;
  /** A template to use instead of the tokenizer's, or the name of one of its named templates. */
  chat_template?: string;
  /** Tool (function) definitions, for templates that render them. */
  tools?: readonly unknown[];
  /** Documents, for retrieval-augmented templates. */
  documents?: readonly unknown[];
  /** With tokenize: return { input_ids } instead of the ids. */
  return_dict?: boolean;
  [variable: string]: unknown;
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
  /**
   * A sentence pair through tokenizer.json's pair template (post_processor), with each token's type
   * as Hugging Face's tokenizer(text, text_pair) gives them: BERT's "[CLS] A [SEP] B [SEP]" with B's
   * tokens of type 1, RoBERTa's "<s> A </s></s> B </s>" all type 0.
   */
  encodePair(text: string, textPair: string): EncodedPair;
  /**
   * encode() with each token's character span in `text`, tracked through the normalizer and
   * pre-tokenizer as Hugging Face tokenizers does (Python's return_offsets_mapping, in UTF-16 units).
   */
  encodeWithOffsets(text: string, options?: EncodeOptions): EncodingWithOffsets;
  /** encodePair() with offsets (each relative to its own text), token types and sequence ids. */
  encodePairWithOffsets(text: string, textPair: string): PairEncodingWithOffsets;
  /** The text of `ids` through tokenizer.json's decoder (e.g. ▁ back to spaces, bytes back to characters). */
  decode(ids: readonly number[], options?: DecodeOptions): string;
  createDecodeStream(options?: DecodeOptions): DecodeStream;
  /** The token's string as the vocabulary writes it (byte-level characters, ▁ or ## included), for labels. */
  idToToken(id: number): string;
  /** Token strings joined through tokenizer.json's decoder (transformers' convert_tokens_to_string). */
  convertTokensToString(tokens: readonly string[]): string;
  /** The model's unknown token id (transformers' unk_token_id), null when it has none. */
  readonly unkTokenId: number | null;
  /**
   * The model's continuing_subword_prefix ('##' for WordPiece), null when its pieces do not mark
   * word continuations: the token-classification pipeline then guesses word boundaries from spaces.
   */
  readonly continuingSubwordPrefix: string | null;
  /**
   * The conversation through the model's chat template (tokenizer_config.json's
   * chat_template), as transformers.js's apply_chat_template: ids by default,
   * the text with `tokenize: false`. Throws if the tokenizer has no template.
   */
  apply_chat_template(messages: readonly ChatMessage[], options: ChatTemplateOptions & { tokenize: false }): string;
  apply_chat_template(messages: readonly ChatMessage[], options: ChatTemplateOptions & { return_dict: true }): { input_ids: number[] };
  apply_chat_template(messages: readonly ChatMessage[], options?: ChatTemplateOptions): number[];
  /** The default chat template, if tokenizer_config.json has one. */
  readonly chat_template: string | undefined;
  /** One more than the largest id. */
  readonly vocabSize: number;
  /** The id of a token string (an added token's or the vocabulary's), as Python's get_vocab()[token]; undefined if none. */
  tokenToId(token: string): number | undefined;
  /** tokenizer_config.json's mask_token ([MASK], <mask>), as transformers.js's tokenizer.mask_token. */
  readonly mask_token: string | undefined;
  /** Its id (undefined without one, or when the vocabulary lacks it). */
  readonly mask_token_id: number | undefined;
  /** tokenizer_config.json's pad_token's id, as transformers.js's tokenizer.pad_token_id. */
  readonly pad_token_id: number | undefined;
}
