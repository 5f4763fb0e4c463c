/**
 * What the tokenizers read unconverted from a repository's own files share — Marian's source.spm /
 * target.spm (marian.ts) and M2M100's sentencepiece.bpe.model (m2m100.ts), each beside a vocab.json of the
 * model's ids, which are not the SentencePiece model's: the files by name, JSON and vocab.json reading, the
 * SentencePiece model, tokenizer_config.json's fields, splitting text at special tokens as transformers'
 * tokenize() does, Python's str.strip() and transformers' clean_up_tokenization. Errors name the family
 * ("Marian tokenizer: vocab.json is missing …").
 */
import { FormatError, InvalidArgumentError } from '../errors.js';
import { escapeRegExp } from './onig-regex.js';
import { readSentencePieceModel } from './sentencepiece-model.js';
import { sentencePieceProcessor, type SentencePieceProcessor } from './sentencepiece.js';
import { describe, isId, isObject, type Json } from './tokenizer-json.js';

/** A repository's files by name; JSON files as text or bytes, SentencePiece models as bytes. */
export type TokenizerFiles = Readonly<Record<string, Uint8Array | string | undefined>>;

// Python's str.strip(): Unicode whitespace and the separators U+001C..U+001F.
const PY_STRIP = /^[\p{White_Space}\x1c-\x1f]+|[\p{White_Space}\x1c-\x1f]+$/gu;

/** Python's str.strip(). */
export function pyStrip(text: string): string {
  return text.replace(PY_STRIP, '');
}

/** transformers' clean_up_tokenization: spaces before punctuation and English contractions. */
export function cleanUpTokenization(text: string): string {
  return text.replaceAll(' .', '.').replaceAll(' ?', '?').replaceAll(' !', '!').replaceAll(' ,', ',')
    .replaceAll(" ' ", "'").replaceAll(" n't", "n't").replaceAll(" 'm", "'m").replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve").replaceAll(" 're", "'re");
}

/**
 * A regular expression that splits text at the special tokens, keeping them, as the added tokens' trie
 * of transformers' tokenize() does: the token starting first, the longest where one starts another.
 */
export function specialTokenSplitter(tokens: Iterable<string>): RegExp {
  const alternatives = [...tokens].filter((t) => t !== '').sort((a, b) => b.length - a.length).map(escapeRegExp);
  return alternatives.length > 0 ? new RegExp(`(${alternatives.join('|')})`, 'u') : /(?!)/;
}

/** One family's files, read with errors that name the family and the file. */
export class VocabJsonFiles {
  constructor(private readonly files: TokenizerFiles, readonly family: string) {}

  error(message: string): FormatError {
    return new FormatError(`${this.family} tokenizer: ${message}`);
  }

  has(name: string): boolean {
    return this.files[name] !== undefined;
  }

  /** The parsed JSON of a file, undefined when it is not given. */
  json(name: string): unknown {
    const v = this.files[name];
    if (v === undefined) return undefined;
    const text = typeof v === 'string' ? v : new TextDecoder().decode(v);
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new FormatError(`${this.family} tokenizer: ${name} is not JSON (${(e as Error).message})`, { cause: e });
    }
  }

  /** tokenizer_config.json as an object ({} when it is not given). */
  config(name = 'tokenizer_config.json'): Json {
    const json = this.json(name) ?? {};
    if (!isObject(json)) throw this.error(`${name} must be an object, found ${describe(json)}`);
    return json;
  }

  /** A vocabulary file (piece -> id); `missing` says what a repository of the family holds. */
  vocab(name: string, missing: string): Map<string, number> {
    const json = this.json(name);
    if (json === undefined) throw this.error(`${name} is missing (${missing})`);
    if (!isObject(json)) throw this.error(`${name} must be an object mapping pieces to ids, found ${describe(json)}`);
    const vocab = new Map<string, number>();
    for (const [piece, id] of Object.entries(json)) {
      if (!isId(id)) throw this.error(`${name}["${piece}"] must be a non-negative integer id, found ${describe(id)}`);
      vocab.set(piece, id);
    }
    return vocab;
  }

  /** A SentencePiece model file, given as bytes. */
  spm(name: string, missing: string): SentencePieceProcessor {
    const bytes = this.files[name];
    if (bytes === undefined) throw this.error(`${name} is missing (${missing})`);
    if (typeof bytes === 'string') {
      throw new InvalidArgumentError(`${this.family} tokenizer: ${name} must be given as bytes (a Uint8Array), not text`);
    }
    return sentencePieceProcessor(readSentencePieceModel(bytes, name), name);
  }
}

/** A string field of tokenizer_config.json (its default when absent). */
export function configString(files: VocabJsonFiles, config: Json, key: string, fallback: string): string {
  const v = config[key] ?? fallback;
  if (typeof v !== 'string') throw files.error(`tokenizer_config.json: ${key} must be a string, found ${describe(v)}`);
  return v;
}

/** A boolean field of tokenizer_config.json (its default when absent). */
export function configBoolean(files: VocabJsonFiles, config: Json, key: string, fallback: boolean): boolean {
  const v = config[key] ?? fallback;
  if (typeof v !== 'boolean') throw files.error(`tokenizer_config.json: ${key} must be a boolean, found ${describe(v)}`);
  return v;
}

/** tokenizer_config.json's additional_special_tokens (strings; [] when absent). */
export function configTokenList(files: VocabJsonFiles, config: Json, key = 'additional_special_tokens'): string[] {
  const v = config[key] ?? [];
  if (!Array.isArray(v) || !v.every((t) => typeof t === 'string')) {
    throw files.error(`tokenizer_config.json: ${key} must be a list of strings, found ${describe(v)}`);
  }
  return v as string[];
}
