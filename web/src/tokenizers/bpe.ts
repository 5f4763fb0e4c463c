/**
 * The BPE model of Hugging Face tokenizers (models/bpe): a word starts as
 * one symbol per character, then the adjacent pair with the lowest merge
 * rank is merged (leftmost first on ties) until no ranked pair is left.
 *
 * One model serves both families: byte-level BPE (GPT-2, Qwen2, Llama 3),
 * whose pre-tokenizer has already turned every byte into a vocabulary
 * character, and SentencePiece-style BPE (LLaMA 2, Mistral), where a
 * character missing from the vocabulary falls back to its UTF-8 bytes as
 * "<0xXX>" tokens (byte_fallback), or else to the unknown token.
 */
import { FormatError, UnsupportedError } from '../errors.js';
import { MinHeap } from './min-heap.js';
import type { TokenizerModel } from './tokenizer.js';
import { bad, forEachMerge, type Json, readOptional, readVocab } from './tokenizer-json.js';

const utf8 = new TextEncoder();
// Words up to this many UTF-16 units are cached (Hugging Face caches short words too).
const CACHE_WORD_LENGTH = 256;
const CACHE_LIMIT = 50_000;

export class BpeModel implements TokenizerModel {
  readonly vocab: Map<string, number>;
  /** pairKey(left, right) -> rank; the merged token of rank r is mergedIds[r]. */
  private readonly ranks = new Map<number, number>();
  private readonly mergedIds: number[] = [];
  /** Ids are below this, so that left * idSpan + right is a unique pair key. */
  private readonly idSpan: number;
  private readonly byteIds: (number | undefined)[];
  private readonly cache = new Map<string, number[]>();
  private readonly unkToken: string | null;
  private readonly byteFallback: boolean;
  /** Consecutive unknown characters become one unknown token. */
  private readonly fuseUnk: boolean;
  /** Glued to the front of every character but a word's first (e.g. "##"), and to the end of its last. */
  private readonly prefix: string | null;
  private readonly suffix: string | null;
  /** A word that is a token as a whole is that token, whatever the merges would make (Llama 3). */
  private readonly ignoreMerges: boolean;
  readonly unkId: number | null;

  /** `json` is tokenizer.json's model. */
  constructor(json: Json) {
    this.unkToken = readNullableString(json, 'unk_token');
    this.byteFallback = readOptional(json, 'byte_fallback', 'model', false);
    this.fuseUnk = readOptional(json, 'fuse_unk', 'model', false);
    this.prefix = readNullableString(json, 'continuing_subword_prefix');
    this.suffix = readNullableString(json, 'end_of_word_suffix');
    this.ignoreMerges = readOptional(json, 'ignore_merges', 'model', false);
    if (typeof json.dropout === 'number' && json.dropout > 0) {
      throw new UnsupportedError('tokenizer.json: model.dropout (random merges, for training) is not supported');
    }
    this.vocab = readVocab(json);
    this.unkId = this.unkToken === null ? null : this.vocab.get(this.unkToken) ?? null;
    let maxId = 0;
    for (const id of this.vocab.values()) maxId = Math.max(maxId, id);
    this.idSpan = maxId + 1;
    if (this.idSpan > 2 ** 26) throw bad('model.vocab', 'ids below 2^26', this.idSpan - 1);
    const prefixLength = this.prefix?.length ?? 0;
    forEachMerge(json, (left, right, rank) => {
      // A merge joins two tokens; the right one loses its continuing-subword prefix.
      const merged = left + right.slice(prefixLength);
      const a = this.vocab.get(left);
      const b = this.vocab.get(right);
      const ab = this.vocab.get(merged);
      if (a === undefined || b === undefined || ab === undefined) {
        const missing = a === undefined ? left : b === undefined ? right : merged;
        throw new FormatError(`tokenizer.json: model.merges[${rank}] uses "${missing}", which is not in model.vocab`);
      }
      this.ranks.set(a * this.idSpan + b, rank); // a repeated pair keeps its last rank, as in Rust's HashMap
      this.mergedIds[rank] = ab;
    });
    this.byteIds = Array.from({ length: 256 }, (_, b) =>
      this.vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`));
  }

  get continuingSubwordPrefix(): string | null {
    return this.prefix;
  }

  tokenize(word: string, ids: number[], spans?: number[]): void {
    if (word === '') return;
    if (this.ignoreMerges) {
      const whole = this.vocab.get(word);
      if (whole !== undefined) {
        ids.push(whole);
        spans?.push(0, word.length);
        return;
      }
    }
    if (spans) {
      // Offsets are rare next to encode(): worked out afresh rather than cached.
      const starts: number[] = [];
      const ends: number[] = [];
      const positions: number[] = [];
      const result = this.merge(this.symbols(word, starts, ends), ends, positions);
      result.forEach((id, k) => {
        ids.push(id);
        spans.push(starts[positions[k]!]!, ends[positions[k]!]!);
      });
      return;
    }
    const cached = this.cache.get(word);
    if (cached) {
      for (const id of cached) ids.push(id);
      return;
    }
    const result = this.merge(this.symbols(word));
    if (word.length <= CACHE_WORD_LENGTH) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(word, result);
    }
    for (const id of result) ids.push(id);
  }

  /**
   * The starting symbols of a word: its characters, or their bytes, or the unknown token; with
   * `starts` and `ends`, each symbol's span in the word (a byte token spans its whole character).
   */
  private symbols(word: string, starts?: number[], ends?: number[]): number[] {
    const out: number[] = [];
    const chars = Array.from(word);
    let unk: number | undefined; // an unknown token not yet written, so that consecutive ones can fuse
    let unkStart = 0;
    let at = 0; // where the character starts in the word
    const push = (id: number, start: number, end: number): void => {
      out.push(id);
      starts?.push(start);
      ends?.push(end);
    };
    chars.forEach((ch, i) => {
      const from = at;
      at += ch.length;
      let s = ch;
      if (i > 0 && this.prefix !== null) s = this.prefix + s;
      if (i === chars.length - 1 && this.suffix !== null) s += this.suffix;
      const id = this.vocab.get(s);
      if (id !== undefined) {
        if (unk !== undefined) push(unk, unkStart, from);
        unk = undefined;
        push(id, from, at);
        return;
      }
      if (this.byteFallback) {
        const bytes = Array.from(utf8.encode(s), (b) => this.byteIds[b]);
        // Like Hugging Face, byte tokens go in before a pending unknown token (which only a
        // vocabulary with some byte tokens missing can have).
        if (!bytes.includes(undefined)) {
          for (const b of bytes) push(b!, from, at);
          return;
        }
      }
      if (this.unkToken === null) return; // no unknown token: the character is dropped
      const unkId = this.vocab.get(this.unkToken);
      if (unkId === undefined) {
        throw new FormatError(`tokenizer.json: model.unk_token "${this.unkToken}" is not in model.vocab`);
      }
      if (unk !== undefined && !this.fuseUnk) push(unk, unkStart, from);
      if (unk === undefined || !this.fuseUnk) unkStart = from;
      unk = unkId;
    });
    if (unk !== undefined) push(unk, unkStart, at);
    return out;
  }

  /**
   * Hugging Face's Word::merge_all: a heap of candidate merges, lowest rank then leftmost first.
   * With `ends` and `positions` (for offsets), a merged symbol's end becomes its right neighbour's and
   * the starting position of each symbol left goes to `positions`.
   */
  private merge(symbols: number[], ends?: number[], positions?: number[]): number[] {
    const n = symbols.length;
    if (n < 2) {
      if (n === 1) positions?.push(0);
      return symbols;
    }
    const id = Int32Array.from(symbols);
    const next = Int32Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const prev = Int32Array.from({ length: n }, (_, i) => i - 1);
    const removed = new Uint8Array(n);
    const heap = new MinHeap();
    // A candidate is rank * 2^32 + position: the heap orders by rank, then position.
    const pushPair = (pos: number): void => {
      const rank = this.ranks.get(id[pos]! * this.idSpan + id[next[pos]!]!);
      if (rank !== undefined) heap.push(rank * 2 ** 32 + pos);
    };
    for (let i = 0; i + 1 < n; i++) pushPair(i);
    while (heap.size > 0) {
      const top = heap.pop();
      const rank = Math.floor(top / 2 ** 32);
      const pos = top - rank * 2 ** 32;
      const right = next[pos]!;
      // Skip candidates made stale by an earlier merge.
      if (removed[pos] || right < 0 || this.ranks.get(id[pos]! * this.idSpan + id[right]!) !== rank) continue;
      id[pos] = this.mergedIds[rank]!;
      if (ends) ends[pos] = ends[right]!;
      removed[right] = 1;
      next[pos] = next[right]!;
      if (next[pos]! >= 0) prev[next[pos]!] = pos;
      if (prev[pos]! >= 0) pushPair(prev[pos]!);
      if (next[pos]! >= 0) pushPair(pos);
    }
    const out: number[] = [];
    for (let i = 0; i >= 0; i = next[i]!) {
      out.push(id[i]!);
      positions?.push(i);
    }
    return out;
  }
}

function readNullableString(json: Json, field: string): string | null {
  const v = json[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw bad(`model.${field}`, 'a string or null', v);
  return v;
}
