/**
 * Marian (opus-mt) tokenizers, from the files those repositories ship
 * instead of a tokenizer.json: `source.spm` and `target.spm` (SentencePiece
 * models, read by sentencepiece-model.ts), `vocab.json` (the model's ids,
 * which are not the SentencePiece ids) and `tokenizer_config.json`. As
 * transformers' MarianTokenizer (models/marian/tokenization_marian.py):
 *
 * - the source text is cut by source.spm, a target text by target.spm; a
 *   language code at the very start (">>fr<<") is kept whole;
 * - each piece's id is its vocab.json id, <unk>'s for a piece vocab.json
 *   lacks (an unknown piece is looked up by the text it covers, as the
 *   library's pieces spell it); </s> is appended;
 * - with separate_vocabs, target ids come from target_vocab.json;
 * - decode turns ids back into pieces through the vocabulary, writes special
 *   tokens (</s>, <unk>, <pad>) as they are and the runs between them with
 *   SentencePiece's decode, then "▁" as spaces, trimmed.
 *
 * Special-token strings in the text ("</s>", "<pad>") are those tokens, as
 * transformers' tokenize() splits them off first (no stripping around them);
 * each part between them is cut as above, a language code at its start included.
 */
import { FormatError, InvalidArgumentError } from '../errors.js';
import { escapeRegExp } from './onig-regex.js';
import { readFlag } from './tokenizer.js';
import { readSentencePieceModel } from './sentencepiece-model.js';
import { sentencePieceProcessor, type SentencePieceProcessor } from './sentencepiece.js';
import { describe, isId, isObject, type Json } from './tokenizer-json.js';

/** The files of a Marian repository, by name; JSON files as text or bytes. */
export type MarianTokenizerFiles = Readonly<Record<string, Uint8Array | string | undefined>>;

export interface MarianEncodeOptions {
  /** Append </s> (default true). */
  add_special_tokens?: boolean;
}

export interface MarianDecodeOptions {
  skip_special_tokens?: boolean;
  /** Decode with source.spm (default: true unless separate_vocabs, as in transformers). */
  use_source_tokenizer?: boolean;
}

const SPACE_SYMBOL = '\u2581';
// Python's str.strip(): Unicode whitespace and the separators U+001C..U+001F.
const PY_STRIP = /^[\p{White_Space}\x1c-\x1f]+|[\p{White_Space}\x1c-\x1f]+$/gu;

function fileError(message: string): FormatError {
  return new FormatError(`Marian tokenizer: ${message}`);
}

function readJson(files: MarianTokenizerFiles, name: string): unknown {
  const v = files[name];
  if (v === undefined) return undefined;
  const text = typeof v === 'string' ? v : new TextDecoder().decode(v);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FormatError(`Marian tokenizer: ${name} is not JSON (${(e as Error).message})`, { cause: e });
  }
}

function readVocab(json: unknown, name: string): Map<string, number> {
  if (!isObject(json)) throw fileError(`${name} must be an object mapping pieces to ids, found ${describe(json)}`);
  const vocab = new Map<string, number>();
  for (const [piece, id] of Object.entries(json)) {
    if (!isId(id)) throw fileError(`${name}["${piece}"] must be a non-negative integer id, found ${describe(id)}`);
    vocab.set(piece, id);
  }
  return vocab;
}

function readSpm(files: MarianTokenizerFiles, name: string): SentencePieceProcessor {
  const bytes = files[name];
  if (bytes === undefined) {
    throw fileError(`${name} is missing (a Marian repository has source.spm, target.spm and vocab.json)`);
  }
  if (typeof bytes === 'string') throw new InvalidArgumentError(`Marian tokenizer: ${name} must be given as bytes (a Uint8Array), not text`);
  return sentencePieceProcessor(readSentencePieceModel(bytes, name), name);
}

function configString(config: Json, key: string, fallback: string): string {
  const v = config[key] ?? fallback;
  if (typeof v !== 'string') throw fileError(`tokenizer_config.json: ${key} must be a string, found ${describe(v)}`);
  return v;
}

/** transformers' clean_up_tokenization: spaces before punctuation and English contractions. */
function cleanUp(text: string): string {
  return text.replaceAll(' .', '.').replaceAll(' ?', '?').replaceAll(' !', '!').replaceAll(' ,', ',')
    .replaceAll(" ' ", "'").replaceAll(" n't", "n't").replaceAll(" 'm", "'m").replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve").replaceAll(" 're", "'re");
}

/** One side's spm and vocabulary. */
interface Side {
  spm: SentencePieceProcessor;
  vocab: Map<string, number>;
  unk: number;
  eos: number;
}

export class MarianTokenizer {
  /** The language codes (">>fr<<") vocab.json has, for multilingual targets; empty with separate_vocabs. */
  readonly languageCodes: readonly string[];
  readonly separateVocabs: boolean;
  private readonly source: Side;
  private readonly target: Side;
  private readonly idToPiece: string[] = [];
  private readonly specialTokens: Set<string>;
  /** Splits text at the special tokens, keeping them (longest first where one starts another). */
  private readonly specialSplit: RegExp;
  private readonly specialIds = new Set<number>();
  private readonly cleanUpSpaces: boolean;
  readonly unkTokenId: number;
  readonly eos_token_id: number;
  readonly pad_token_id: number | undefined;

  constructor(files: MarianTokenizerFiles) {
    const configJson = readJson(files, 'tokenizer_config.json') ?? {};
    if (!isObject(configJson)) throw fileError(`tokenizer_config.json must be an object, found ${describe(configJson)}`);
    const unk = configString(configJson, 'unk_token', '<unk>');
    const eos = configString(configJson, 'eos_token', '</s>');
    const pad = configString(configJson, 'pad_token', '<pad>');
    const extra = configJson.additional_special_tokens ?? [];
    if (!Array.isArray(extra) || !extra.every((t) => typeof t === 'string')) {
      throw fileError(`tokenizer_config.json: additional_special_tokens must be a list of strings, found ${describe(extra)}`);
    }
    this.specialTokens = new Set([eos, unk, pad, ...extra].filter((t) => t !== ''));
    const alternatives = [...this.specialTokens].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.specialSplit = alternatives.length > 0 ? new RegExp(`(${alternatives.join('|')})`, 'u') : /(?!)/;
    const separate = configJson.separate_vocabs ?? false;
    if (typeof separate !== 'boolean') throw fileError(`tokenizer_config.json: separate_vocabs must be a boolean, found ${describe(separate)}`);
    this.separateVocabs = separate;
    const clean = configJson.clean_up_tokenization_spaces ?? false;
    if (typeof clean !== 'boolean') {
      throw fileError(`tokenizer_config.json: clean_up_tokenization_spaces must be a boolean, found ${describe(clean)}`);
    }
    this.cleanUpSpaces = clean;

    const vocabJson = readJson(files, 'vocab.json');
    if (vocabJson === undefined) throw fileError('vocab.json is missing (a Marian repository has source.spm, target.spm and vocab.json)');
    const sourceSpm = readSpm(files, 'source.spm');
    const targetSpm = readSpm(files, 'target.spm');
    const side = (spm: SentencePieceProcessor, vocab: Map<string, number>, name: string): Side => {
      const unkId = vocab.get(unk);
      if (unkId === undefined) throw fileError(`${name} has no unknown token "${unk}"`);
      const eosId = vocab.get(eos);
      if (eosId === undefined) throw fileError(`${name} has no end-of-sequence token "${eos}"`);
      return { spm, vocab, unk: unkId, eos: eosId };
    };
    const vocab = readVocab(vocabJson, 'vocab.json');
    this.source = side(sourceSpm, vocab, 'vocab.json');
    if (separate) {
      const targetJson = readJson(files, 'target_vocab.json');
      if (targetJson === undefined) throw fileError('separate_vocabs is set but target_vocab.json is missing');
      this.target = side(targetSpm, readVocab(targetJson, 'target_vocab.json'), 'target_vocab.json');
    } else {
      this.target = side(targetSpm, vocab, 'vocab.json');
    }
    // Decode reads the target vocabulary (the same as the source one unless separate_vocabs).
    for (const [piece, id] of this.target.vocab) this.idToPiece[id] = piece;
    for (const token of this.specialTokens) {
      const id = this.target.vocab.get(token);
      if (id !== undefined) this.specialIds.add(id);
    }
    this.languageCodes = separate ? [] : [...vocab.keys()].filter((k) => k.startsWith('>>') && k.endsWith('<<'));
    this.unkTokenId = this.source.unk;
    this.eos_token_id = this.source.eos;
    this.pad_token_id = vocab.get(pad);
  }

  /** The number of ids of vocab.json (transformers' vocab_size). */
  get vocabSize(): number {
    return this.source.vocab.size;
  }

  /** Source-text ids: source.spm, vocab.json, </s>. */
  encode(text: string, options?: MarianEncodeOptions): number[] {
    return this.encodeWith(this.source, text, options, 'encode');
  }

  /** Target-text ids (labels): target.spm, target_vocab.json with separate_vocabs, </s>. */
  encodeTarget(text: string, options?: MarianEncodeOptions): number[] {
    return this.encodeWith(this.target, text, options, 'encodeTarget');
  }

  private encodeWith(side: Side, text: string, options: MarianEncodeOptions | undefined, method: string): number[] {
    if (typeof text !== 'string') throw new InvalidArgumentError(`${method}: text must be a string, got ${describe(text)}`);
    const addSpecial = readFlag(options, 'add_special_tokens', method) ?? true;
    const ids: number[] = [];
    for (const part of text.split(this.specialSplit)) {
      if (part === '') continue;
      const special = this.specialTokens.has(part) ? side.vocab.get(part) : undefined;
      if (special !== undefined) ids.push(special);
      else for (const piece of this.pieces(side, part)) ids.push(side.vocab.get(piece) ?? side.unk);
    }
    if (addSpecial) ids.push(side.eos);
    return ids;
  }

  /** The pieces of text without special tokens (_tokenize): a language code at its start, then the spm's. */
  private pieces(side: Side, text: string): string[] {
    const end = text.startsWith('>>') ? text.indexOf('<<') : -1;
    const code = end >= 0 ? [text.slice(0, end + 2)] : [];
    // An unknown piece is looked up by its text: vocab.json may have it from the other language's spm.
    return [...code, ...side.spm.encodeAsPieces(end >= 0 ? text.slice(end + 2) : text)];
  }

  decode(ids: readonly number[], options?: MarianDecodeOptions): string {
    if (!Array.isArray(ids)) throw new InvalidArgumentError(`decode: ids must be an array of token ids, got ${describe(ids)}`);
    const skip = readFlag(options, 'skip_special_tokens', 'decode') ?? false;
    const useSource = readFlag(options, 'use_source_tokenizer', 'decode') ?? !this.separateVocabs;
    const spm = (useSource ? this.source.spm : this.target.spm).tokenizer;
    let out = '';
    let run: string[] = [];
    for (const id of ids) {
      if (skip && this.specialIds.has(id)) continue;
      const token = this.idToToken(id);
      if (this.specialTokens.has(token)) {
        out += `${spm.convertTokensToString(run)}${token} `;
        run = [];
      } else {
        run.push(token);
      }
    }
    out += spm.convertTokensToString(run);
    out = out.replaceAll(SPACE_SYMBOL, ' ').replace(PY_STRIP, '');
    return this.cleanUpSpaces ? cleanUp(out) : out;
  }

  /** The piece of a target-vocabulary id. */
  idToToken(id: number): string {
    const piece = Number.isInteger(id) ? this.idToPiece[id] : undefined;
    if (piece === undefined) throw new InvalidArgumentError(`token id ${describe(id)} is not in the Marian vocabulary`);
    return piece;
  }

  /** The source-vocabulary id of a piece or language code. */
  tokenToId(token: string): number | undefined {
    return this.source.vocab.get(token);
  }
}

/**
 * A Marian tokenizer from a repository's files by name ("source.spm",
 * "target.spm", "vocab.json", optionally "target_vocab.json" and
 * "tokenizer_config.json"). Throws FormatError naming the file that is
 * missing or malformed.
 */
export function loadMarianTokenizer(files: MarianTokenizerFiles): MarianTokenizer {
  if (!isObject(files)) throw new InvalidArgumentError(`loadMarianTokenizer: files must be an object of file contents by name, got ${describe(files)}`);
  return new MarianTokenizer(files);
}

