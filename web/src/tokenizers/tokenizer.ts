/**
 * The tokenization pipeline of Hugging Face tokenizers: added tokens are
 * found first, then normalizer -> pre-tokenizer -> model -> post-processor
 * for encode, and the decoder for decode. Each stage comes from its part of
 * tokenizer.json (see index.ts); this class only runs them in order.
 */
import { InvalidArgumentError } from '../errors.js';
import type { AddedTokenSplitter } from './added-tokens.js';
import { type ChatMessage, checkMessages, renderChatTemplate, type TokenizerConfig } from './chat-template.js';
import type { DecoderFactory } from './decoders.js';
import type { Normalizer } from './normalizers.js';
import type { Template } from './post-processors.js';
import type { PreTokenizer } from './pre-tokenizers.js';
import { type AddedToken, describe } from './tokenizer-json.js';
import { tokenizeWithOffsets, trimOffsets } from './offsets.js';
import type {
  ChatTemplateOptions, DecodeOptions, DecodeStream, EncodedPair, EncodeOptions, EncodingWithOffsets, PairEncodingWithOffsets, Tokenizer,
} from './types.js';

/** A tokenizer.json model (BPE, WordPiece): ids for one pre-tokenized word. */
export interface TokenizerModel {
  readonly vocab: ReadonlyMap<string, number>;
  /** The unknown token's id, if the model has one. */
  readonly unkId: number | null;
  /** The prefix of a word's non-initial pieces ('##' for WordPiece), null when pieces do not mark it. */
  readonly continuingSubwordPrefix: string | null;
  /**
   * Appends the ids of `word` to `ids` and, when `spans` is given, each token's [start, end) in
   * `word` (UTF-16 units) to it as two numbers, as Hugging Face's models give token offsets.
   */
  tokenize(word: string, ids: number[], spans?: number[]): void;
}

export interface Pipeline {
  model: TokenizerModel;
  addedTokens: AddedToken[];
  normalizer: Normalizer | null;
  splitter: AddedTokenSplitter;
  preTokenizer: PreTokenizer | null;
  template: Template;
  decoder: DecoderFactory;
}

/** A boolean option of `method`, undefined when not given. */
export function readFlag(options: unknown, name: string, method: string): boolean | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`${method}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const value = (options as Record<string, unknown>)[name];
  if (value !== undefined && typeof value !== 'boolean') {
    throw new InvalidArgumentError(`${method}: ${name} must be a boolean, got ${describe(value)}`);
  }
  return value;
}

export class PipelineTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly unkTokenId: number | null;
  readonly continuingSubwordPrefix: string | null;
  private readonly idToString: string[] = [];
  private readonly specialIds = new Set<number>();

  constructor(private readonly pipeline: Pipeline, private readonly chat?: TokenizerConfig) {
    const { model, addedTokens, normalizer } = pipeline;
    for (const [token, id] of model.vocab) this.idToString[id] = token;
    for (const t of addedTokens) {
      // A normalized added token is decoded from its normalized form (as in Hugging Face tokenizers
      // 0.22+), so that a decoder undoing the normalizer (e.g. ByteLevel) gets what it expects.
      this.idToString[t.id] = t.normalized && normalizer ? normalizer(t.content) : t.content;
    }
    // Hugging Face skips a token whose string is the content of a special added token.
    const special = new Set(addedTokens.filter((t) => t.special).map((t) => t.content));
    this.idToString.forEach((token, id) => {
      if (special.has(token)) this.specialIds.add(id);
    });
    this.vocabSize = this.idToString.length;
    this.unkTokenId = model.unkId;
    this.continuingSubwordPrefix = model.continuingSubwordPrefix || null;
  }

  encode(text: string, options?: EncodeOptions): number[] {
    if (typeof text !== 'string') {
      throw new InvalidArgumentError(`encode: text must be a string, got ${text === null ? 'null' : typeof text}`);
    }
    const addSpecialTokens = readFlag(options, 'add_special_tokens', 'encode') ?? true;
    const { template } = this.pipeline;
    const ids = addSpecialTokens ? [...template.before] : [];
    this.tokenizeInto(text, ids);
    if (addSpecialTokens) ids.push(...template.after);
    return ids;
  }

  encodePair(text: string, textPair: string): EncodedPair {
    const out: EncodedPair = { input_ids: [], token_type_ids: [] };
    this.assemblePair('encodePair', text, textPair, (piece) => {
      const ids = 'ids' in piece ? piece.ids : this.tokenizeInto(piece.text, []);
      out.input_ids.push(...ids);
      return ids.length;
    }, (typeId) => out.token_type_ids.push(typeId));
    return out;
  }

  encodeWithOffsets(text: string, options?: EncodeOptions): EncodingWithOffsets {
    if (typeof text !== 'string') {
      throw new InvalidArgumentError(`encodeWithOffsets: text must be a string, got ${describe(text)}`);
    }
    const addSpecialTokens = readFlag(options, 'add_special_tokens', 'encodeWithOffsets') ?? true;
    const { template } = this.pipeline;
    const sequence = this.sequenceWithOffsets(text);
    if (!addSpecialTokens) return sequence;
    const special = (ids: number[]): [number, number][] => ids.map(() => [0, 0]);
    return {
      ids: [...template.before, ...sequence.ids, ...template.after],
      offsets: [...special(template.before), ...sequence.offsets, ...special(template.after)],
    };
  }

  encodePairWithOffsets(text: string, textPair: string): PairEncodingWithOffsets {
    const out: PairEncodingWithOffsets = { ids: [], offsets: [], typeIds: [], sequenceIds: [] };
    this.assemblePair('encodePairWithOffsets', text, textPair, (piece) => {
      const part = 'ids' in piece ? { ids: piece.ids, offsets: piece.ids.map((): [number, number] => [0, 0]) }
        : this.sequenceWithOffsets(piece.text);
      out.ids.push(...part.ids);
      out.offsets.push(...part.offsets);
      for (let i = 0; i < part.ids.length; i++) out.sequenceIds.push('ids' in piece ? null : piece.sequence);
      return part.ids.length;
    }, (typeId) => out.typeIds.push(typeId));
    return out;
  }

  /**
   * Walks the pair template: `add` gets each text (with its sequence, 0 or 1) or the template's
   * special ids and returns how many tokens it wrote; `type` then gets their type id.
   */
  private assemblePair(method: string, text: string, textPair: string,
    add: (piece: { text: string; sequence: 0 | 1 } | { ids: number[] }) => number, type: (typeId: number) => void): void {
    for (const [name, value] of [['text', text], ['text_pair', textPair]] as const) {
      if (typeof value !== 'string') throw new InvalidArgumentError(`${method}: ${name} must be a string, got ${describe(value)}`);
    }
    const { pair, pairError } = this.pipeline.template;
    if (pairError !== undefined) throw pairError;
    for (const piece of pair) {
      const count = add('ids' in piece ? piece
        : piece.sequence === 'A' ? { text, sequence: 0 } : { text: textPair, sequence: 1 });
      for (let i = 0; i < count; i++) type(piece.typeId);
    }
  }

  /** One text's ids and offsets, trimmed as the post-processor's trim_offsets says. */
  private sequenceWithOffsets(text: string): EncodingWithOffsets {
    const out: EncodingWithOffsets = { ids: [], offsets: [] };
    tokenizeWithOffsets(this.pipeline, text, out.ids, out.offsets);
    const trim = this.pipeline.template.trimOffsets;
    if (trim) trimOffsets(out.ids, out.offsets, trim.addPrefixSpace, (id) => this.idToString[id] ?? '');
    return out;
  }

  /** Appends the ids of `text` without special tokens to `ids`, and returns it. */
  private tokenizeInto(text: string, ids: number[]): number[] {
    const { model, splitter, preTokenizer } = this.pipeline;
    for (const segment of splitter.split(text)) {
      if ('id' in segment) {
        ids.push(segment.id);
        continue;
      }
      const words = preTokenizer ? preTokenizer(segment.text, segment.atStart) : [segment.text];
      for (const word of words) model.tokenize(word, ids);
    }
    return ids;
  }

  get chat_template(): string | undefined {
    return this.chat?.chatTemplate;
  }

  // snake_case as transformers.js names it, so code written for it works unchanged.
  apply_chat_template(messages: readonly ChatMessage[], options: ChatTemplateOptions & { tokenize: false }): string;
  apply_chat_template(messages: readonly ChatMessage[], options: ChatTemplateOptions & { return_dict: true }): { input_ids: number[] };
  apply_chat_template(messages: readonly ChatMessage[], options?: ChatTemplateOptions): number[];
  apply_chat_template(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string | number[] | { input_ids: number[] } {
    const method = 'apply_chat_template';
    checkMessages(messages, method);
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(`${method}: options must be an object`);
    const {
      add_generation_prompt: addGenerationPrompt = false, tokenize = true, chat_template: chosen, tools, documents,
      return_dict: returnDict = false, ...extra
    } = options;
    for (const [name, value] of [['add_generation_prompt', addGenerationPrompt], ['tokenize', tokenize], ['return_dict', returnDict]] as const) {
      if (typeof value !== 'boolean') throw new InvalidArgumentError(`${method}: ${name} must be a boolean, got ${describe(value)}`);
    }
    const source = this.templateSource(chosen, method);
    const text = renderChatTemplate(source, {
      ...this.chat?.specialTokens,
      ...extra,
      messages,
      add_generation_prompt: addGenerationPrompt,
      tools: tools ?? null,
      documents: documents ?? null,
    });
    if (!tokenize) return text;
    // The template writes the special tokens (<s>, <|begin_of_text|>) itself: adding them again
    // would double them, so transformers and transformers.js encode without them.
    const ids = this.encode(text, { add_special_tokens: false });
    return returnDict ? { input_ids: ids } : ids;
  }

  /** The template to render: the one given (a name of a named template, or a template's text), else the default. */
  private templateSource(chosen: unknown, method: string): string {
    if (chosen !== undefined) {
      if (typeof chosen !== 'string') throw new InvalidArgumentError(`${method}: chat_template must be a string, got ${describe(chosen)}`);
      return this.chat && Object.hasOwn(this.chat.namedTemplates, chosen) ? this.chat.namedTemplates[chosen]! : chosen;
    }
    if (this.chat?.chatTemplate === undefined) {
      throw new InvalidArgumentError(`${method}: this tokenizer has no chat template (tokenizer_config.json has no ` +
        'chat_template, or was not loaded); pass one as options.chat_template');
    }
    return this.chat.chatTemplate;
  }

  decode(ids: readonly number[], options?: DecodeOptions): string {
    const stream = this.openStream(options, true);
    let text = '';
    for (const id of ids) text += stream.push(id);
    return text + stream.flush();
  }

  createDecodeStream(options?: DecodeOptions): DecodeStream {
    return this.openStream(options, false);
  }

  convertTokensToString(tokens: readonly string[]): string {
    if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string')) {
      throw new InvalidArgumentError(`convertTokensToString: tokens must be an array of strings, got ${describe(tokens)}`);
    }
    const decoder = this.pipeline.decoder(true);
    let text = '';
    for (const token of tokens) text += decoder.push(token);
    return text + decoder.flush();
  }

  tokenToId(token: string): number | undefined {
    return this.pipeline.addedTokens.find((t) => t.content === token)?.id ?? this.pipeline.model.vocab.get(token);
  }

  get mask_token(): string | undefined {
    return this.chat?.specialTokens.mask_token;
  }

  get mask_token_id(): number | undefined {
    return this.specialTokenId('mask_token');
  }

  get pad_token_id(): number | undefined {
    return this.specialTokenId('pad_token');
  }

  private specialTokenId(key: string): number | undefined {
    const token = this.chat?.specialTokens[key];
    return token === undefined ? undefined : this.tokenToId(token);
  }

  idToToken(id: number): string {
    this.checkId(id);
    return this.idToString[id]!;
  }

  private openStream(options: DecodeOptions | undefined, exact: boolean): DecodeStream {
    const skipSpecial = readFlag(options, 'skip_special_tokens', 'decode') ?? false;
    const decoder = this.pipeline.decoder(exact);
    return {
      push: (id: number): string => {
        this.checkId(id);
        return skipSpecial && this.specialIds.has(id) ? '' : decoder.push(this.idToString[id]!);
      },
      flush: (): string => decoder.flush(),
    };
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize || this.idToString[id] === undefined) {
      throw new InvalidArgumentError(`token id ${id} is not in the vocabulary (ids 0 to ${this.vocabSize - 1})`);
    }
  }
}
