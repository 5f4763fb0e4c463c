/**
 * The tokenizer of a model whose file brought none that qkv reads yet (a GGUF
 * before web/src/tokenizers/from-gguf.ts is wired in): ids go in and out
 * (model.forward(ids), generation from ids), and every use of text is an
 * UnsupportedError that says so, never a wrong encoding.
 */
import { UnsupportedError } from '../errors.js';
import type { ChatMessage } from './chat-template.js';
import type { DecodeStream, Tokenizer } from './types.js';

export function idOnlyTokenizer(vocabSize: number, file: string): Tokenizer {
  const refuse = (what: string): never => {
    throw new UnsupportedError(`${file}: ${what} needs a tokenizer, and qkv does not read GGUF tokenizers yet; pass token ids`);
  };
  const stream: DecodeStream = { push: () => refuse('decoding'), flush: () => refuse('decoding') };
  return {
    encode: () => refuse('encoding text'),
    encodePair: () => refuse('encoding text'),
    encodeWithOffsets: () => refuse('encoding text'),
    encodePairWithOffsets: () => refuse('encoding text'),
    decode: () => refuse('decoding'),
    createDecodeStream: () => stream,
    idToToken: (id: number) => `<${id}>`,
    convertTokensToString: () => refuse('decoding'),
    unkTokenId: null,
    continuingSubwordPrefix: null,
    apply_chat_template: ((_messages: readonly ChatMessage[]) => refuse('a chat template')) as Tokenizer['apply_chat_template'],
    chat_template: undefined,
    vocabSize,
  };
}
