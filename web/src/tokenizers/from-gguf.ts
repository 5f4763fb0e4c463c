/**
 * A tokenizer from the metadata of a GGUF file alone. llama.cpp's converter
 * (convert_hf_to_gguf.py) turned the model's tokenizer.json into
 * `tokenizer.ggml.*` keys; this turns them back into the tokenizer.json (and
 * the tokenizer_config.json parts: chat template, special-token strings) of
 * the Hub model, and hands that to createTokenizer — the same pipeline as
 * for Hub files, not a second implementation. Three models, as llama.cpp
 * names them:
 *
 * - `llama`: SentencePiece BPE (pieces with scores, `<0xNN>` byte tokens) ->
 *   BPE with byte_fallback and merges ranked from the scores (gguf-spm.ts),
 *   "▁" for spaces, `add_space_prefix`.
 * - `gpt2`: byte-level BPE with `tokenizer.ggml.merges`, pre-tokenized as
 *   `tokenizer.ggml.pre` names (gguf-pre.ts).
 * - `bert`: WordPiece, from llama.cpp's "phantom space" vocabulary.
 *
 * Token types: control and unknown tokens become special added tokens,
 * user-defined ones non-special added tokens (matched in text before the
 * model, as llama.cpp does). The vocabulary goes to the model as a Map, not
 * as an object of 150k-260k keys.
 */
import { FormatError, QkvError, UnsupportedError } from '../errors.js';
import type { GgufHeader } from '../weights/gguf-header.js';
import {
  type GgufMetadata, readBool, readId, readNumbers, readString, readStrings, TokenType,
} from './gguf-metadata.js';
import { preTokenizerFor } from './gguf-pre.js';
import { sentencePieceMerges } from './gguf-spm.js';
import { createTokenizer } from './index.js';
import type { Tokenizer } from './types.js';

type Json = Record<string, unknown>;

/** Special token ids from the metadata (llama.cpp's names), and the ids that end generation. */
export interface GgufSpecialIds {
  bos?: number;
  eos?: number;
  unk?: number;
  sep?: number;
  pad?: number;
  cls?: number;
  mask?: number;
  eot?: number;
  eom?: number;
  /** End of generation: eos, eot, eom and the tokens llama.cpp recognizes by their text (<|im_end|>, <|eot_id|>, …). */
  eog: number[];
}

export interface GgufTokenizer {
  tokenizer: Tokenizer;
  /** tokenizer.chat_template, when the file has one (also the tokenizer's own chat_template). */
  chatTemplate?: string;
  specialIds: GgufSpecialIds;
  /** Whether encode() (with add_special_tokens) puts bos before / eos after the text. */
  addBos: boolean;
  addEos: boolean;
}

/** The Hub files the metadata stands for, before they are built into a tokenizer. */
export interface GgufTokenizerFiles {
  /** tokenizer.json-shaped; model.vocab is a Map<string, number>. */
  tokenizerJson: Json;
  /** tokenizer_config.json-shaped: chat_template and the special-token strings. */
  tokenizerConfig: Json;
  specialIds: GgufSpecialIds;
  addBos: boolean;
  addEos: boolean;
}

export const SUPPORTED_GGUF_TOKENIZERS: readonly string[] = ['llama', 'gpt2', 'bert'];

const SPECIAL_KEYS = {
  bos: 'bos_token_id', eos: 'eos_token_id', unk: 'unknown_token_id', sep: 'seperator_token_id', pad: 'padding_token_id',
  cls: 'cls_token_id', mask: 'mask_token_id', eot: 'eot_token_id', eom: 'eom_token_id',
} as const;

// Tokens llama.cpp (llama-vocab.cpp) takes as ending generation by their text.
const EOG_TEXTS = new Set(['<|eot_id|>', '<|im_end|>', '<|end|>', '<end_of_turn>', '<|endoftext|>', '<|eom_id|>', '<EOT>',
  '<|end_of_text|>', '<end_of_utterance>']);

const added = (id: number, content: string, special: boolean): Json =>
  ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special });

/** The post_processor putting `before` and `after` around the text (Hugging Face's TemplateProcessing). */
function templateProcessing(before: number[], after: number[], tokenOf: (id: number) => string): Json | null {
  if (before.length === 0 && after.length === 0) return null;
  const piece = (id: number): Json => ({ SpecialToken: { id: tokenOf(id), type_id: 0 } });
  const specials: Json = {};
  for (const id of [...before, ...after]) specials[tokenOf(id)] = { id: tokenOf(id), ids: [id], tokens: [tokenOf(id)] };
  return {
    type: 'TemplateProcessing',
    single: [...before.map(piece), { Sequence: { id: 'A', type_id: 0 } }, ...after.map(piece)],
    pair: [], special_tokens: specials,
  };
}

/** Builds the tokenizer.json- and tokenizer_config.json-shaped objects from GGUF metadata. */
export function ggufTokenizerFiles(meta: GgufMetadata): GgufTokenizerFiles {
  const model = readString(meta, 'tokenizer.ggml.model');
  if (model === undefined) throw new FormatError('GGUF metadata: tokenizer.ggml.model is missing (the file has no tokenizer)');
  if (!SUPPORTED_GGUF_TOKENIZERS.includes(model)) {
    throw new UnsupportedError(`GGUF metadata: tokenizer.ggml.model "${model}" is not supported; qkv reads `
      + `${SUPPORTED_GGUF_TOKENIZERS.join(', ')}`);
  }
  const rawTokens = readStrings(meta, 'tokenizer.ggml.tokens');
  if (rawTokens === undefined || rawTokens.length === 0) {
    throw new FormatError('GGUF metadata: tokenizer.ggml.tokens is missing or empty');
  }
  if (rawTokens.length > 2 ** 26) throw new FormatError(`GGUF metadata: tokenizer.ggml.tokens has ${rawTokens.length} tokens (at most 2^26)`);
  const n = rawTokens.length;
  // llama.cpp names an empty token "[EMPTY_<id>]"; a copy only when there is one.
  const tokens = rawTokens.includes('') ? rawTokens.map((t, i) => (t === '' ? `[EMPTY_${i}]` : t)) : rawTokens;
  const types = readNumbers(meta, 'tokenizer.ggml.token_type', n, [Int32Array]);
  const scores = readNumbers<Float32Array | Int32Array>(meta, 'tokenizer.ggml.scores', n, [Float32Array, Int32Array]);
  const ids: Partial<Record<keyof typeof SPECIAL_KEYS, number>> = {};
  for (const [name, key] of Object.entries(SPECIAL_KEYS) as [keyof typeof SPECIAL_KEYS, string][]) {
    const id = readId(meta, `tokenizer.ggml.${key}`, n);
    if (id !== undefined) ids[name] = id;
  }
  // llama.cpp's bos of a BERT vocabulary is [CLS].
  if (model === 'bert' && ids.bos === undefined && ids.cls !== undefined) ids.bos = ids.cls;
  const chatTemplate = readString(meta, 'tokenizer.chat_template');
  const typeOf = (id: number): number => types?.[id] ?? TokenType.NORMAL;

  const parts = model === 'llama' ? sentencePiece(meta, tokens, scores, types, ids)
    : model === 'gpt2' ? byteLevelBpe(meta, tokens)
      : wordPiece(meta, tokens, types, ids);
  const addBos = readBool(meta, 'tokenizer.ggml.add_bos_token') ?? parts.addBos;
  const addEos = readBool(meta, 'tokenizer.ggml.add_eos_token') ?? false;
  const addSep = readBool(meta, 'tokenizer.ggml.add_sep_token') ?? model === 'bert';
  const bos = ids.bos;
  const before: number[] = [];
  const after: number[] = [];
  const need = (id: number | undefined, flag: string, key: string): number => {
    if (id === undefined) throw new FormatError(`GGUF metadata: ${flag} is set but ${key} is missing`);
    return id;
  };
  if (addBos) before.push(need(bos, 'tokenizer.ggml.add_bos_token', model === 'bert' ? 'tokenizer.ggml.cls_token_id' : 'tokenizer.ggml.bos_token_id'));
  if (addEos) after.push(need(ids.eos, 'tokenizer.ggml.add_eos_token', 'tokenizer.ggml.eos_token_id'));
  if (addSep && model === 'bert') after.push(need(ids.sep, 'tokenizer.ggml.add_sep_token', 'tokenizer.ggml.seperator_token_id'));

  const addedTokens: Json[] = [];
  for (let id = 0; id < n; id++) {
    const type = typeOf(id);
    if (type === TokenType.CONTROL || type === TokenType.UNKNOWN) addedTokens.push(added(id, parts.tokenOf(id), true));
    else if (type === TokenType.USER_DEFINED && model !== 'bert') addedTokens.push(added(id, parts.tokenOf(id), false));
  }
  const eog = new Set<number>();
  for (const id of [ids.eos, ids.eot, ids.eom]) if (id !== undefined) eog.add(id);
  for (let id = 0; id < n; id++) if (EOG_TEXTS.has(tokens[id]!)) eog.add(id);

  const tokenizerJson: Json = {
    version: '1.0', truncation: null, padding: null, added_tokens: addedTokens,
    normalizer: parts.normalizer, pre_tokenizer: parts.preTokenizer,
    post_processor: templateProcessing(before, after, parts.tokenOf),
    decoder: parts.decoder, model: parts.model,
  };
  const tokenizerConfig: Json = {};
  const named = [...meta.keys()].filter((k) => k.startsWith('tokenizer.chat_template.'));
  if (named.length > 0) {
    const list = chatTemplate === undefined ? [] : [{ name: 'default', template: chatTemplate }];
    for (const key of named) list.push({ name: key.slice('tokenizer.chat_template.'.length), template: readString(meta, key)! });
    tokenizerConfig.chat_template = list;
  } else if (chatTemplate !== undefined) {
    tokenizerConfig.chat_template = chatTemplate;
  }
  for (const [name, id] of [['bos_token', bos], ['eos_token', ids.eos], ['unk_token', ids.unk], ['pad_token', ids.pad],
    ['sep_token', ids.sep], ['cls_token', ids.cls], ['mask_token', ids.mask]] as const) {
    if (id !== undefined) tokenizerConfig[name] = parts.tokenOf(id);
  }
  return { tokenizerJson, tokenizerConfig, specialIds: { ...ids, eog: [...eog].sort((a, b) => a - b) }, addBos, addEos };
}

interface ModelParts {
  model: Json;
  normalizer: Json | null;
  preTokenizer: Json | null;
  decoder: Json;
  /** llama.cpp's add_bos default for this vocabulary. */
  addBos: boolean;
  /** The token's string as the model's vocabulary writes it. */
  tokenOf: (id: number) => string;
}

/** Token -> id over all tokens; a repeated token is a FormatError (llama.cpp asserts on it). */
function vocabulary(pieces: readonly string[]): Map<string, number> {
  const vocab = new Map<string, number>();
  for (let id = 0; id < pieces.length; id++) vocab.set(pieces[id]!, id);
  if (vocab.size !== pieces.length) {
    const seen = new Set<string>();
    const repeated = pieces.find((p) => (seen.has(p) ? true : (seen.add(p), false)));
    throw new FormatError(`GGUF metadata: tokenizer.ggml.tokens has "${repeated}" more than once`);
  }
  return vocab;
}

function sentencePiece(meta: GgufMetadata, tokens: readonly string[], scores: Float32Array | Int32Array | undefined,
  types: Int32Array | undefined, ids: { unk?: number }): ModelParts {
  if (scores === undefined) throw new FormatError('GGUF metadata: tokenizer.ggml.scores is missing (a "llama" vocabulary ranks its merges by them)');
  const vocab = vocabulary(tokens);
  const spacePrefix = readBool(meta, 'tokenizer.ggml.add_space_prefix') ?? true;
  let byteFallback = false;
  if (types) for (let id = 0; id < types.length && !byteFallback; id++) byteFallback = types[id] === TokenType.BYTE;
  const replaceSpace = { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' };
  return {
    model: {
      type: 'BPE', dropout: null, unk_token: ids.unk === undefined ? null : tokens[ids.unk], continuing_subword_prefix: null,
      end_of_word_suffix: null, fuse_unk: true, byte_fallback: byteFallback, ignore_merges: false,
      vocab, merges: sentencePieceMerges(tokens, vocab, scores, types),
    },
    normalizer: spacePrefix
      ? { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '\u2581' }, replaceSpace] } : replaceSpace,
    preTokenizer: null,
    decoder: {
      type: 'Sequence', decoders: [
        { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' },
        ...(spacePrefix ? [{ type: 'Strip', content: ' ', start: 1, stop: 0 }] : [])],
    },
    addBos: true,
    tokenOf: (id) => tokens[id]!,
  };
}

function byteLevelBpe(meta: GgufMetadata, tokens: readonly string[]): ModelParts {
  const pre = preTokenizerFor(readString(meta, 'tokenizer.ggml.pre'));
  const merges = readStrings(meta, 'tokenizer.ggml.merges');
  if (merges === undefined) throw new FormatError('GGUF metadata: tokenizer.ggml.merges is missing (a "gpt2" vocabulary needs them)');
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  return {
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: pre.ignoreMerges, vocab: vocabulary(tokens), merges,
    },
    normalizer: pre.normalizer,
    preTokenizer: pre.preTokenizer,
    decoder: byteLevel,
    addBos: pre.addBos,
    tokenOf: (id) => tokens[id]!,
  };
}

function wordPiece(meta: GgufMetadata, tokens: readonly string[], types: Int32Array | undefined, ids: { unk?: number }): ModelParts {
  // llama.cpp writes a word-initial piece "x" as "▁x" and a continuation "##x" as "x"; bracketed
  // tokens ([PAD], [unused0], [CLS]) and control tokens stay as they are.
  const pieces = tokens.map((t, id) => {
    if (t.startsWith('\u2581')) return t.slice(1);
    if (types?.[id] === TokenType.CONTROL || (t.startsWith('[') && t.endsWith(']'))) return t;
    return `##${t}`;
  });
  if (ids.unk === undefined) throw new FormatError('GGUF metadata: tokenizer.ggml.unknown_token_id is missing (WordPiece needs it)');
  const lowercase = readBool(meta, 'tokenizer.ggml.normalizer.lowercase') ?? true;
  return {
    model: {
      type: 'WordPiece', unk_token: pieces[ids.unk], continuing_subword_prefix: '##', max_input_chars_per_word: 100,
      vocab: vocabulary(pieces),
    },
    // Uncased unless the file says otherwise; accents go with case, as in llama.cpp and Hugging Face.
    normalizer: {
      type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, lowercase,
      strip_accents: readBool(meta, 'tokenizer.ggml.normalizer.strip_accents') ?? lowercase,
    },
    preTokenizer: { type: 'BertPreTokenizer' },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    addBos: true,
    tokenOf: (id) => pieces[id]!,
  };
}

/** Names the GGUF keys in an error from the tokenizer.json machinery. */
function renamed(e: unknown): unknown {
  if (!(e instanceof QkvError)) return e;
  const message = `GGUF tokenizer: ${e.message.replace(/tokenizer\.json: model\.merges/g, 'tokenizer.ggml.merges')
    .replace(/model\.vocab/g, 'tokenizer.ggml.tokens')}`;
  return e instanceof UnsupportedError ? new UnsupportedError(message, { cause: e })
    : e instanceof FormatError ? new FormatError(message, { cause: e }) : e;
}

/**
 * The tokenizer, chat template and special ids of a GGUF file, from its
 * header's metadata alone. Throws FormatError for metadata of the wrong type
 * or length (naming the key), UnsupportedError for a tokenizer.ggml.model or
 * tokenizer.ggml.pre qkv does not read.
 */
export function tokenizerFromGguf(header: Pick<GgufHeader, 'metadata'>): GgufTokenizer {
  const files = ggufTokenizerFiles(header.metadata);
  let tokenizer: Tokenizer;
  try {
    tokenizer = createTokenizer(files.tokenizerJson, files.tokenizerConfig);
  } catch (e) {
    throw renamed(e);
  }
  const chatTemplate = tokenizer.chat_template;
  return {
    tokenizer, ...(chatTemplate !== undefined ? { chatTemplate } : {}),
    specialIds: files.specialIds, addBos: files.addBos, addEos: files.addEos,
  };
}
