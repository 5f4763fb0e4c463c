/**
 * A tokenizer read from a repository's own files (vocab-json-files.ts: Marian's source.spm / target.spm,
 * M2M100's sentencepiece.bpe.model, each with vocab.json) as model.tokenizer, the Tokenizer every other
 * model has: encode() and decode() are the family's own (decode as transformers decodes generated ids).
 * What these tokenizers do not have is refused by name: character offsets, a chat template, a mask token.
 */
import { InvalidArgumentError, UnsupportedError } from '../errors.js';
import type { ChatMessage } from './chat-template.js';
import type { DecodeOptions, DecodeStream, EncodedPair, EncodeOptions, Tokenizer } from './types.js';

/** What the family's tokenizer class gives (MarianTokenizer, M2M100Tokenizer). */
export interface VocabJsonTokenizer {
  encode(text: string, options?: EncodeOptions): number[];
  /** transformers' build_inputs_with_special_tokens for a pair. */
  encodePairIds(text: string, textPair: string): number[];
  decode(ids: readonly number[], options?: DecodeOptions): string;
  idToToken(id: number): string;
  tokenToId(token: string): number | undefined;
  readonly unkTokenId: number;
  readonly pad_token_id: number | undefined;
  readonly vocabSize: number;
}

/** `family` names the tokenizer in errors, e.g. 'a Marian tokenizer (source.spm / target.spm)'. */
export function vocabJsonAsTokenizer(core: VocabJsonTokenizer, family: string): Tokenizer {
  const noOffsets = (): never => {
    throw new UnsupportedError(`${family} gives no character offsets`);
  };
  const decode = (ids: readonly number[], options?: DecodeOptions): string => core.decode(ids, options);
  return {
    encode: (text: string, options?: EncodeOptions) => core.encode(text, options),
    encodePair: (text: string, textPair: string): EncodedPair => {
      const input_ids = core.encodePairIds(text, textPair);
      return { input_ids, token_type_ids: input_ids.map(() => 0) };
    },
    encodeWithOffsets: noOffsets,
    encodePairWithOffsets: noOffsets,
    decode,
    createDecodeStream: (options?: DecodeOptions) => prefixDecodeStream(decode, options),
    idToToken: (id: number) => core.idToToken(id),
    convertTokensToString: () => {
      throw new UnsupportedError(`${family} converts ids, not token strings: use decode(ids)`);
    },
    unkTokenId: core.unkTokenId,
    continuingSubwordPrefix: null,
    tokenToId: (token: string) => core.tokenToId(token),
    mask_token: undefined,
    mask_token_id: undefined,
    pad_token_id: core.pad_token_id,
    apply_chat_template: ((_messages: readonly ChatMessage[]) => {
      throw new InvalidArgumentError(`${family} has no chat template`);
    }) as Tokenizer['apply_chat_template'],
    chat_template: undefined,
    vocabSize: core.vocabSize,
  };
}

/**
 * Streaming decode for a tokenizer that only decodes whole sequences (Marian's and
 * M2M100's decode strip and join around special tokens): each push decodes all ids so
 * far and gives what was added; text that changes earlier characters (a
 * trailing space the strip removed) is held until the sequence grows past it.
 */
function prefixDecodeStream(decode: (ids: readonly number[], options?: DecodeOptions) => string,
  options: DecodeOptions | undefined): DecodeStream {
  const ids: number[] = [];
  let emitted = '';
  const next = (): string => {
    const text = decode(ids, options);
    if (!text.startsWith(emitted)) return '';
    const piece = text.slice(emitted.length);
    emitted = text;
    return piece;
  };
  return {
    push: (id: number) => {
      ids.push(id);
      return next();
    },
    flush: next,
  };
}
