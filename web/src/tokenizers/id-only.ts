/**
 * A model loaded without a tokenizer (a folder, URL or Hub repository with no
 * tokenizer files, a GGUF file without tokenizer keys) is for id-level use,
 * as transformers.js's AutoModel: model.tokenizer is null, ids go in and out
 * (forward(ids), generate(ids), embed of ids), and every use of text is a
 * NoTokenizerError that says to pass ids, never a wrong encoding.
 */
import { NoTokenizerError } from '../errors.js';
import type { ChatMessage } from './chat-template.js';
import type { DecodeStream, Tokenizer } from './types.js';

/** The error for `what` (e.g. 'encoding text') asked of a model without a tokenizer. */
export function noTokenizerError(what: string): NoTokenizerError {
  return new NoTokenizerError(`${what} needs a tokenizer, and this model has none (it was loaded from files without ` +
    'tokenizer.json, Marian .spm files or GGUF tokenizer keys): pass token ids instead of text');
}

/** The model's tokenizer, or a NoTokenizerError naming `what` needed it. */
export function requireTokenizer<T>(tokenizer: T | null, what: string): T {
  if (tokenizer === null) throw noTokenizerError(what);
  return tokenizer;
}

/**
 * What a Model without a tokenizer uses internally in its place: every text
 * call throws NoTokenizerError; a generation's decode stream gives '' per
 * token (the ids are what it streams); a token is named by its id.
 */
export function idOnlyTokenizer(vocabSize: number): Tokenizer {
  const refuse = (what: string): never => {
    throw noTokenizerError(what);
  };
  const stream: DecodeStream = { push: () => '', flush: () => '' };
  return {
    encode: () => refuse('encoding text'),
    encodePair: () => refuse('encoding text'),
    encodeWithOffsets: () => refuse('encoding text'),
    encodePairWithOffsets: () => refuse('encoding text'),
    decode: () => refuse('decoding ids to text'),
    createDecodeStream: () => stream,
    idToToken: (id: number) => String(id),
    convertTokensToString: () => refuse('decoding ids to text'),
    unkTokenId: null,
    continuingSubwordPrefix: null,
    tokenToId: () => undefined,
    mask_token: undefined,
    mask_token_id: undefined,
    pad_token_id: undefined,
    apply_chat_template: ((_messages: readonly ChatMessage[]) => refuse('a chat template')) as Tokenizer['apply_chat_template'],
    chat_template: undefined,
    vocabSize,
  };
}
