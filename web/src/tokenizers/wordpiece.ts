/**
 * The WordPiece model of BERT (Hugging Face models/wordpiece): each word is
 * cut greedily into the longest vocabulary pieces from the left, pieces after
 * the first spelled with the continuing prefix ("##"). A word that cannot be
 * cut completely, or is longer than max_input_chars_per_word characters, is
 * one unknown token.
 */
import { FormatError } from '../errors.js';
import type { TokenizerModel } from './tokenizer.js';
import { type Json, readOptional, readVocab } from './tokenizer-json.js';

export class WordPieceModel implements TokenizerModel {
  readonly vocab: Map<string, number>;
  private readonly unkToken: string;
  private readonly prefix: string;
  readonly unkId: number | null;
  private readonly maxChars: number;
  /** The longest token in UTF-16 units, so the search never tries a longer piece. */
  private readonly maxTokenLength: number;

  /** `json` is tokenizer.json's model. */
  constructor(json: Json) {
    this.vocab = readVocab(json);
    this.unkToken = readOptional(json, 'unk_token', 'model', '[UNK]');
    this.prefix = readOptional(json, 'continuing_subword_prefix', 'model', '##');
    this.maxChars = readOptional(json, 'max_input_chars_per_word', 'model', 100);
    this.unkId = this.vocab.get(this.unkToken) ?? null;
    let longest = 0;
    for (const token of this.vocab.keys()) longest = Math.max(longest, token.length);
    this.maxTokenLength = longest;
  }

  get continuingSubwordPrefix(): string {
    return this.prefix;
  }

  tokenize(word: string, ids: number[], spans?: number[]): void {
    const pieces = Array.from(word).length > this.maxChars ? undefined : this.pieces(word, spans);
    if (pieces) {
      for (const id of pieces) ids.push(id);
      return;
    }
    const unk = this.vocab.get(this.unkToken);
    if (unk === undefined) throw new FormatError(`tokenizer.json: model.unk_token "${this.unkToken}" is not in model.vocab`);
    ids.push(unk);
    spans?.push(0, word.length); // the unknown token stands for the whole word
  }

  /**
   * Greedy longest-match-first pieces, or undefined if some part of the word matches nothing; their
   * spans go to `spans` only when the whole word is cut.
   */
  private pieces(word: string, spans?: number[]): number[] | undefined {
    const out: number[] = [];
    const found: number[] = [];
    for (let start = 0; start < word.length;) {
      const head = start > 0 ? this.prefix : '';
      let end = Math.min(word.length, start + this.maxTokenLength - head.length);
      let id: number | undefined;
      for (; end > start; end--) {
        if (isLowSurrogate(word.charCodeAt(end)) && isHighSurrogate(word.charCodeAt(end - 1))) continue; // whole characters only
        id = this.vocab.get(head + word.slice(start, end));
        if (id !== undefined) break;
      }
      if (id === undefined) return undefined;
      out.push(id);
      found.push(start, end);
      start = end;
    }
    spans?.push(...found);
    return out;
  }
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
