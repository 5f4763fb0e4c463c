/**
 * M2M100 tokenizers from the files facebook/m2m100_418M and its kin ship instead of a tokenizer.json:
 * `sentencepiece.bpe.model` (read by sentencepiece-model.ts), `vocab.json` (fairseq's dictionary, the
 * model's ids: <s> <pad> </s> <unk>, then the pieces), `tokenizer_config.json` and
 * `special_tokens_map.json`. As transformers' M2M100Tokenizer (models/m2m_100/tokenization_m2m_100.py, on
 * PreTrainedTokenizer's tokenize and decode):
 *
 * - the language tokens "__xx__" of FAIRSEQ_LANGUAGE_CODES[language_codes] ('m2m100': 100 codes,
 *   'wmt21': 8) follow the vocabulary: "__code__" is len(vocab.json) + the code's index; then come
 *   num_madeup_words ids (8) that the model has and the tokenizer decodes as <unk>;
 * - text is split at the special tokens (bos, eos, unk, sep, pad, the additional special tokens and the
 *   language tokens), which stay whole with nothing stripped around them; every other part is cut by the
 *   SentencePiece model and each piece is its vocab.json id, <unk>'s for a piece vocab.json lacks;
 * - encode is "[__src_lang__] text </s>" (set_src_lang_special_tokens; src_lang from tokenizer_config.json,
 *   default "en"), a target text "[__tgt_lang__] text </s>";
 * - decode turns ids into tokens (special ids dropped with skip_special_tokens), makes each language token a
 *   part of its own, the runs between them text by convert_tokens_to_string (special tokens as they are, the
 *   pieces between them through SentencePiece's decode, stripped) and joins the parts with spaces.
 *
 * The language tokens' ids are lang_token_to_id's, the ones the source prefix and forced_bos_token_id use.
 */
import { InvalidArgumentError } from '../errors.js';
import { readFlag } from './tokenizer.js';
import type { SentencePieceProcessor } from './sentencepiece.js';
import { describe, isObject, type Json } from './tokenizer-json.js';
import type { DecodeOptions, EncodeOptions } from './types.js';
import {
  cleanUpTokenization, configBoolean, configString, configTokenList, pyStrip, specialTokenSplitter,
  type TokenizerFiles, VocabJsonFiles,
} from './vocab-json-files.js';

/** The files of an M2M100 repository, by name; JSON files as text or bytes, the .model as bytes. */
export type M2M100TokenizerFiles = TokenizerFiles;

export interface M2M100EncodeOptions extends EncodeOptions {
  /** The source language's code ('en', 'fr'); default: tokenizer_config.json's src_lang, else 'en'. */
  src_lang?: string;
}

export interface M2M100TargetOptions extends EncodeOptions {
  /** The target language's code; default: tokenizer_config.json's tgt_lang. */
  tgt_lang?: string;
}

export type M2M100DecodeOptions = DecodeOptions;

/** tokenization_m2m_100.py's FAIRSEQ_LANGUAGE_CODES. */
const FAIRSEQ_LANGUAGE_CODES: Readonly<Record<string, readonly string[]>> = {
  m2m100: ('af am ar ast az ba be bg bn br bs ca ceb cs cy da de el en es et fa ff fi fr fy ga gd gl gu ha he hi hr '
    + 'ht hu hy id ig ilo is it ja jv ka kk km kn ko lb lg ln lo lt lv mg mk ml mn mr ms my ne nl no ns oc or pa pl '
    + 'ps pt ro ru sd si sk sl so sq sr ss su sv sw ta th tl tn tr uk ur uz vi wo xh yi yo zh zu').split(' '),
  wmt21: ['en', 'ha', 'is', 'ja', 'cs', 'ru', 'zh', 'de'],
};

const M2M100_FILES = 'an M2M100 repository has sentencepiece.bpe.model and vocab.json';

/** A token as the files may write it: a string, or an AddedToken's dict ({ content, lstrip, … }, older saves' "__type"). */
function tokenContent(value: unknown): unknown {
  return isObject(value) && typeof value.content === 'string' ? value.content : value;
}

/**
 * tokenizer_config.json and special_tokens_map.json as from_pretrained merges them (its legacy path, taken
 * when tokenizer_config.json has no added_tokens_decoder, as facebook/m2m100_418M's has none):
 * special_tokens_map.json's tokens replace tokenizer_config.json's, and its additional_special_tokens are
 * appended to tokenizer_config.json's where missing. Tokens written as AddedToken dicts read as their content.
 */
function mergedConfig(files: VocabJsonFiles): Json {
  const content = (value: unknown): unknown => (Array.isArray(value) ? value.map(tokenContent) : tokenContent(value));
  const config = files.config();
  const merged: Json = Object.fromEntries(Object.entries(config).map(([key, value]) => [key, content(value)]));
  if (config.added_tokens_decoder !== undefined) return merged;
  for (const [key, value] of Object.entries(files.config('special_tokens_map.json'))) {
    const before = merged[key];
    const tokens = content(value);
    merged[key] = key === 'additional_special_tokens' && Array.isArray(tokens) && Array.isArray(before)
      ? [...before, ...tokens.filter((t: unknown) => !before.includes(t))] : tokens;
  }
  return merged;
}

function optionalString(files: VocabJsonFiles, config: Json, key: string): string | undefined {
  const v = config[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw files.error(`tokenizer_config.json: ${key} must be a string, found ${describe(v)}`);
  return v;
}

export class M2M100Tokenizer {
  /** The language codes ('en', 'fr', …) in the order of their ids. */
  readonly languageCodes: readonly string[];
  /** The default source language (tokenizer_config.json's src_lang, else 'en'). */
  readonly srcLang: string;
  readonly tgtLang: string | undefined;
  readonly unkTokenId: number;
  readonly eos_token_id: number;
  readonly pad_token_id: number | undefined;
  readonly bos_token_id: number | undefined;
  /** vocab.json's ids, the language tokens and the madeup words: the model's vocabulary as fairseq lays it out. */
  readonly vocabSize: number;
  private readonly spm: SentencePieceProcessor;
  private readonly vocab: Map<string, number>;
  private readonly idToPiece: string[] = [];
  private readonly langIds = new Map<string, number>();
  private readonly unkToken: string;
  /** all_special_tokens, with the ids PreTrainedTokenizer gives them as added tokens. */
  private readonly specialIdOf = new Map<string, number>();
  private readonly specialIds = new Set<number>();
  private readonly specialSplit: RegExp;
  private readonly cleanUpSpaces: boolean;

  constructor(given: M2M100TokenizerFiles) {
    const files = new VocabJsonFiles(given, 'M2M100');
    const config = mergedConfig(files);
    const codesName = configString(files, config, 'language_codes', 'm2m100');
    const codes = FAIRSEQ_LANGUAGE_CODES[codesName];
    if (!Object.hasOwn(FAIRSEQ_LANGUAGE_CODES, codesName) || codes === undefined) {
      throw files.error(`tokenizer_config.json: language_codes ${JSON.stringify(codesName)} is not one of `
        + `${Object.keys(FAIRSEQ_LANGUAGE_CODES).join(', ')}`);
    }
    const madeup = config.num_madeup_words ?? 8;
    if (typeof madeup !== 'number' || !Number.isSafeInteger(madeup) || madeup < 0) {
      throw files.error(`tokenizer_config.json: num_madeup_words must be a whole number >= 0, found ${describe(madeup)}`);
    }
    this.vocab = files.vocab('vocab.json', M2M100_FILES);
    this.spm = files.spm('sentencepiece.bpe.model', M2M100_FILES);
    for (const [piece, id] of this.vocab) this.idToPiece[id] = piece;
    this.languageCodes = codes;
    codes.forEach((code, i) => this.langIds.set(`__${code}__`, this.vocab.size + i));
    this.vocabSize = this.vocab.size + codes.length + madeup;

    const token = (key: string, fallback: string) => configString(files, config, key, fallback);
    this.unkToken = token('unk_token', '<unk>');
    const eos = token('eos_token', '</s>');
    const named = [token('bos_token', '<s>'), eos, this.unkToken, token('sep_token', '</s>'), token('pad_token', '<pad>')];
    for (const key of ['cls_token', 'mask_token']) {
      const t = optionalString(files, config, key);
      if (t !== undefined) named.push(t);
    }
    const extra = configTokenList(files, config);
    for (const t of this.langIds.keys()) if (!extra.includes(t)) extra.push(t);
    for (const t of [...named, ...extra]) {
      const id = this.langIds.get(t) ?? this.vocab.get(t);
      if (id === undefined) throw files.error(`special token "${t}" is neither in vocab.json nor a language token`);
      this.specialIdOf.set(t, id);
      this.specialIds.add(id);
    }
    this.specialSplit = specialTokenSplitter(this.specialIdOf.keys());
    this.unkTokenId = this.specialIdOf.get(this.unkToken)!;
    this.eos_token_id = this.specialIdOf.get(eos)!;
    this.bos_token_id = this.vocab.get(token('bos_token', '<s>'));
    this.pad_token_id = this.vocab.get(token('pad_token', '<pad>'));
    this.cleanUpSpaces = configBoolean(files, config, 'clean_up_tokenization_spaces', false);
    const src = optionalString(files, config, 'src_lang') ?? 'en';
    if (this.langTokenId(src) === undefined) throw files.error(`tokenizer_config.json: src_lang "${src}" is not a language of ${codesName}`);
    this.srcLang = src;
    this.tgtLang = optionalString(files, config, 'tgt_lang');
  }

  /** The id of a language code's token ("__fr__" for 'fr'), undefined for a code the tokenizer lacks. */
  langTokenId(code: string): number | undefined {
    return this.langIds.get(`__${code}__`);
  }

  /** Source-text ids: [__src_lang__], the pieces' vocab.json ids, </s>. */
  encode(text: string, options?: M2M100EncodeOptions): number[] {
    const ids = this.bareIds(text, options, 'encode');
    // An unknown src_lang is refused even without the template, as setting it is in transformers.
    const lang = this.language(options?.src_lang ?? this.srcLang, 'src_lang', 'encode');
    if (!(readFlag(options, 'add_special_tokens', 'encode') ?? true)) return ids;
    return [lang, ...ids, this.eos_token_id];
  }

  /** Target-text ids (labels, text_target): [__tgt_lang__], the pieces' ids, </s>. */
  encodeTarget(text: string, options?: M2M100TargetOptions): number[] {
    const ids = this.bareIds(text, options, 'encodeTarget');
    if (!(readFlag(options, 'add_special_tokens', 'encodeTarget') ?? true)) return ids;
    const tgt = options?.tgt_lang ?? this.tgtLang;
    if (tgt === undefined) throw new InvalidArgumentError('encodeTarget: give tgt_lang (tokenizer_config.json has none)');
    return [this.language(tgt, 'tgt_lang', 'encodeTarget'), ...ids, this.eos_token_id];
  }

  /** A pair as build_inputs_with_special_tokens joins it: [__src_lang__], both texts, </s>. */
  encodePairIds(text: string, textPair: string): number[] {
    const bare = { add_special_tokens: false };
    return [this.language(this.srcLang, 'src_lang', 'encodePair'), ...this.encode(text, bare), ...this.encode(textPair, bare),
      this.eos_token_id];
  }

  private language(code: unknown, key: string, method: string): number {
    const id = typeof code === 'string' ? this.langTokenId(code) : undefined;
    if (id === undefined) {
      throw new InvalidArgumentError(`${method}: ${key} ${describe(code)} is not a language of this M2M100 tokenizer `
        + `(${this.languageCodes.slice(0, 8).join(', ')}, … ${this.languageCodes.length} in all)`);
    }
    return id;
  }

  /** tokenize() and convert_tokens_to_ids, without the template. */
  private bareIds(text: string, options: unknown, method: string): number[] {
    if (typeof text !== 'string') throw new InvalidArgumentError(`${method}: text must be a string, got ${describe(text)}`);
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new InvalidArgumentError(`${method}: options must be an object, got ${describe(options)}`);
    }
    const ids: number[] = [];
    for (const part of text.split(this.specialSplit)) {
      if (part === '') continue;
      const special = this.specialIdOf.get(part);
      if (special !== undefined) ids.push(special);
      // An unknown piece is looked up by its text (the spm's pieces spell it so): vocab.json lacks it.
      else for (const piece of this.spm.encodeAsPieces(part)) ids.push(this.langIds.get(piece) ?? this.vocab.get(piece) ?? this.unkTokenId);
    }
    return ids;
  }

  decode(ids: readonly number[], options?: M2M100DecodeOptions): string {
    if (!Array.isArray(ids)) throw new InvalidArgumentError(`decode: ids must be an array of token ids, got ${describe(ids)}`);
    const skip = readFlag(options, 'skip_special_tokens', 'decode') ?? false;
    const parts: string[] = [];
    let run: string[] = [];
    for (const id of ids) {
      const token = this.idToToken(id);
      // convert_ids_to_tokens drops the special ids; _decode then the special tokens' strings (a madeup
      // word's <unk>).
      if (skip && (this.specialIds.has(id) || this.specialIdOf.has(token))) continue;
      if (this.langIds.has(token)) {
        if (run.length > 0) {
          const text = this.tokensToString(run);
          if (text !== '') parts.push(text);
          run = [];
        }
        parts.push(token);
      } else {
        run.push(token);
      }
    }
    if (run.length > 0) parts.push(this.tokensToString(run));
    const out = parts.join(' ');
    return this.cleanUpSpaces ? cleanUpTokenization(out) : out;
  }

  /** convert_tokens_to_string: special tokens as they are, the pieces between them through the spm, stripped. */
  private tokensToString(tokens: readonly string[]): string {
    const spm = this.spm.tokenizer;
    let out = '';
    let run: string[] = [];
    for (const token of tokens) {
      if (this.specialIdOf.has(token)) {
        out += spm.convertTokensToString(run) + token;
        run = [];
      } else {
        run.push(token);
      }
    }
    return pyStrip(out + spm.convertTokensToString(run));
  }

  /** The token of an id: its vocab.json piece, its language token, or <unk> (a madeup word). */
  idToToken(id: number): string {
    if (!Number.isSafeInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new InvalidArgumentError(`token id ${describe(id)} is not in the M2M100 vocabulary of ${this.vocabSize} ids`);
    }
    const lang = id - this.vocab.size;
    if (lang >= 0 && lang < this.languageCodes.length) return `__${this.languageCodes[lang]!}__`;
    return this.idToPiece[id] ?? this.unkToken;
  }

  /** The id of a special token, language token or vocab.json piece. */
  tokenToId(token: string): number | undefined {
    return this.specialIdOf.get(token) ?? this.langIds.get(token) ?? this.vocab.get(token);
  }
}

/**
 * An M2M100 tokenizer from a repository's files by name ("sentencepiece.bpe.model", "vocab.json",
 * optionally "tokenizer_config.json" and "special_tokens_map.json"). Throws FormatError naming the file
 * that is missing or malformed.
 */
export function loadM2M100Tokenizer(files: M2M100TokenizerFiles): M2M100Tokenizer {
  if (!isObject(files)) throw new InvalidArgumentError(`loadM2M100Tokenizer: files must be an object of file contents by name, got ${describe(files)}`);
  return new M2M100Tokenizer(files);
}
