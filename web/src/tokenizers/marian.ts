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
import { InvalidArgumentError } from '../errors.js';
import { readFlag } from './tokenizer.js';
import type { SentencePieceProcessor } from './sentencepiece.js';
import { describe, isObject } from './tokenizer-json.js';
import {
  cleanUpTokenization, configBoolean, configString, configTokenList, pyStrip, specialTokenSplitter,
  type TokenizerFiles, VocabJsonFiles,
} from './vocab-json-files.js';

/** The files of a Marian repository, by name; JSON files as text or bytes. */
export type MarianTokenizerFiles = TokenizerFiles;

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
const MARIAN_FILES = 'a Marian repository has source.spm, target.spm and vocab.json';

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

  constructor(given: MarianTokenizerFiles) {
    const files = new VocabJsonFiles(given, 'Marian');
    const configJson = files.config();
    const unk = configString(files, configJson, 'unk_token', '<unk>');
    const eos = configString(files, configJson, 'eos_token', '</s>');
    const pad = configString(files, configJson, 'pad_token', '<pad>');
    const extra = configTokenList(files, configJson);
    this.specialTokens = new Set([eos, unk, pad, ...extra].filter((t) => t !== ''));
    this.specialSplit = specialTokenSplitter(this.specialTokens);
    const separate = configBoolean(files, configJson, 'separate_vocabs', false);
    this.separateVocabs = separate;
    this.cleanUpSpaces = configBoolean(files, configJson, 'clean_up_tokenization_spaces', false);

    const vocab = files.vocab('vocab.json', MARIAN_FILES);
    const sourceSpm = files.spm('source.spm', MARIAN_FILES);
    const targetSpm = files.spm('target.spm', MARIAN_FILES);
    const side = (spm: SentencePieceProcessor, vocab: Map<string, number>, name: string): Side => {
      const unkId = vocab.get(unk);
      if (unkId === undefined) throw files.error(`${name} has no unknown token "${unk}"`);
      const eosId = vocab.get(eos);
      if (eosId === undefined) throw files.error(`${name} has no end-of-sequence token "${eos}"`);
      return { spm, vocab, unk: unkId, eos: eosId };
    };
    this.source = side(sourceSpm, vocab, 'vocab.json');
    if (separate) {
      if (!files.has('target_vocab.json')) throw files.error('separate_vocabs is set but target_vocab.json is missing');
      this.target = side(targetSpm, files.vocab('target_vocab.json', MARIAN_FILES), 'target_vocab.json');
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

  /** A pair as transformers' build_inputs_with_special_tokens joins it: both texts, then one </s>. */
  encodePairIds(text: string, textPair: string): number[] {
    const bare = { add_special_tokens: false };
    return [...this.encode(text, bare), ...this.encode(textPair, bare), this.eos_token_id];
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
    out = pyStrip(out.replaceAll(SPACE_SYMBOL, ' '));
    return this.cleanUpSpaces ? cleanUpTokenization(out) : out;
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

