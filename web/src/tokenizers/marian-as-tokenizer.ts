/**
 * A Marian repository's tokenizer (marian.ts: source.spm, target.spm,
 * vocab.json) as model.tokenizer, the Tokenizer every other model has:
 * encode() is MarianTokenizer.encode (the source side), decode() its decode
 * (the target spm's, as transformers decodes generated ids). What Marian's
 * tokenizer does not have is refused by name: character offsets, a chat
 * template, a mask token.
 */
import { InvalidArgumentError, UnsupportedError } from '../errors.js';
import type { ChatMessage } from './chat-template.js';
import type { MarianTokenizer } from './marian.js';
import type { DecodeOptions, DecodeStream, EncodedPair, EncodeOptions, Tokenizer } from './types.js';

export function marianAsTokenizer(marian: MarianTokenizer): Tokenizer {
  const noOffsets = (): never => {
    throw new UnsupportedError('a Marian tokenizer (source.spm / target.spm) gives no character offsets');
  };
  const decode = (ids: readonly number[], options?: DecodeOptions): string => marian.decode(ids, options);
  return {
    encode: (text: string, options?: EncodeOptions) => marian.encode(text, options),
    // transformers' build_inputs_with_special_tokens for a pair: both sequences, then one </s>.
    encodePair: (text: string, textPair: string): EncodedPair => {
      const bare = { add_special_tokens: false };
      const input_ids = [...marian.encode(text, bare), ...marian.encode(textPair, bare), marian.eos_token_id];
      return { input_ids, token_type_ids: input_ids.map(() => 0) };
    },
    encodeWithOffsets: noOffsets,
    encodePairWithOffsets: noOffsets,
    decode,
    createDecodeStream: (options?: DecodeOptions) => prefixDecodeStream(decode, options),
    idToToken: (id: number) => marian.idToToken(id),
    convertTokensToString: () => {
      throw new UnsupportedError('a Marian tokenizer converts ids, not token strings: use decode(ids)');
    },
    unkTokenId: marian.unkTokenId,
    continuingSubwordPrefix: null,
    tokenToId: (token: string) => marian.tokenToId(token),
    mask_token: undefined,
    mask_token_id: undefined,
    pad_token_id: marian.pad_token_id,
    apply_chat_template: ((_messages: readonly ChatMessage[]) => {
      throw new InvalidArgumentError('a Marian tokenizer has no chat template');
    }) as Tokenizer['apply_chat_template'],
    chat_template: undefined,
    vocabSize: marian.vocabSize,
  };
}

/**
 * Streaming decode for a tokenizer that only decodes whole sequences (Marian's
 * decode strips and joins around special tokens): each push decodes all ids so
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
