/**
 * The Unigram model of Hugging Face tokenizers (models/unigram, after
 * SentencePiece's unigram_model.cc), as in T5, XLM-RoBERTa, ALBERT and
 * multilingual MiniLM / e5: every piece has a log-probability (its score),
 * and a word is cut into the pieces whose scores sum highest (Viterbi over
 * the lattice of pieces found at each position).
 *
 * As in Hugging Face:
 * - a character no piece starts with is unknown, scored min score - 10;
 * - consecutive unknown characters fuse into one unknown token;
 * - with byte_fallback, an unknown run becomes the <0xNN> tokens of its UTF-8
 *   bytes (when the vocabulary has them all), else the unknown token;
 * - every piece can match the text, control and byte pieces ("<s>", "<0x41>")
 *   included, where SentencePiece matches only normal pieces (added tokens
 *   are split off before the model sees the text, so only a literal "<0x41>"
 *   differs);
 * - scores are summed in float64 (SentencePiece sums in float32, so a near
 *   tie could in principle break the other way there).
 */
import { FormatError, InvalidArgumentError } from '../errors.js';
import type { TokenizerModel } from './tokenizer.js';
import { bad, type Json, readOptional } from './tokenizer-json.js';

const UNK_PENALTY = 10;
const utf8 = new TextEncoder();
const CACHE_WORD_LENGTH = 256;
const CACHE_LIMIT = 50_000;

/**
 * The pieces in a trie over UTF-16 code units: the child of node n by unit u
 * is children.get(n * 65536 + u); ids[n] is the piece ending at n, or -1.
 * One flat Map keeps a 250k-piece vocabulary (XLM-R) compact.
 */
class PieceTrie {
  private readonly children = new Map<number, number>();
  private ids: Int32Array = new Int32Array(1024).fill(-1);
  private size = 1;

  add(piece: string, id: number): void {
    let node = 0;
    for (let i = 0; i < piece.length; i++) {
      const key = node * 65536 + piece.charCodeAt(i);
      let child = this.children.get(key);
      if (child === undefined) {
        child = this.size++;
        if (child >= this.ids.length) {
          const grown = new Int32Array(this.ids.length * 2).fill(-1);
          grown.set(this.ids);
          this.ids = grown;
        }
        this.children.set(key, child);
      }
      node = child;
    }
    this.ids[node] = id;
  }

  /** Calls `found(end, id)` for each piece that starts at `start` in `text`, shortest first. */
  prefixes(text: string, start: number, found: (end: number, id: number) => void): void {
    let node = 0;
    for (let i = start; i < text.length; i++) {
      const child = this.children.get(node * 65536 + text.charCodeAt(i));
      if (child === undefined) return;
      node = child;
      const id = this.ids[node]!;
      if (id >= 0) found(i + 1, id);
    }
  }
}

function readPieces(json: Json): { pieces: string[]; scores: Float64Array } {
  const vocab = json.vocab;
  if (!Array.isArray(vocab) || vocab.length === 0) throw bad('model.vocab', 'a non-empty array of [piece, score] pairs', vocab);
  const pieces: string[] = [];
  const scores = new Float64Array(vocab.length);
  vocab.forEach((entry: unknown, id) => {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || typeof entry[1] !== 'number'
      || !Number.isFinite(entry[1])) {
      throw bad(`model.vocab[${id}]`, 'a [piece, score] pair', entry);
    }
    pieces.push(entry[0]);
    scores[id] = entry[1];
  });
  return { pieces, scores };
}

export class UnigramModel implements TokenizerModel {
  readonly vocab = new Map<string, number>();
  private readonly scores: Float64Array;
  private readonly trie = new PieceTrie();
  readonly unkId: number | null;
  readonly continuingSubwordPrefix = null;
  private readonly unkScore: number;
  private readonly byteFallback: boolean;
  private readonly byteIds: (number | undefined)[];
  private readonly cache = new Map<string, number[]>();

  /**
   * `json` is tokenizer.json's model. `matchable`, when given, says which pieces text can be cut into
   * (a SentencePiece model file matches only its normal pieces, not "<s>" or "<0x41>").
   */
  constructor(json: Json, matchable?: (id: number) => boolean) {
    const { pieces, scores } = readPieces(json);
    this.scores = scores;
    pieces.forEach((piece, id) => {
      if (this.vocab.has(piece)) throw new FormatError(`tokenizer.json: model.vocab[${id}] "${piece}" repeats model.vocab[${this.vocab.get(piece)}]`);
      this.vocab.set(piece, id);
      // An empty piece would match everywhere without consuming anything; Hugging Face's trie ignores it too.
      if (piece !== '' && (matchable?.(id) ?? true)) this.trie.add(piece, id);
    });
    const unk = json.unk_id;
    if (unk === undefined || unk === null) this.unkId = null;
    else if (typeof unk === 'number' && Number.isInteger(unk) && unk >= 0 && unk < pieces.length) this.unkId = unk;
    else throw bad('model.unk_id', `null or an index into model.vocab (below ${pieces.length})`, unk);
    let min = Infinity;
    for (const s of scores) min = Math.min(min, s);
    this.unkScore = min - UNK_PENALTY;
    this.byteFallback = readOptional(json, 'byte_fallback', 'model', false);
    this.byteIds = Array.from({ length: 256 }, (_, b) =>
      this.vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`));
  }

  tokenize(word: string, ids: number[], spans?: number[]): void {
    if (word === '') return;
    if (spans) {
      for (const id of this.encodeWord(word, spans)) ids.push(id);
      return;
    }
    let result = this.cache.get(word);
    if (!result) {
      result = this.encodeWord(word);
      if (word.length <= CACHE_WORD_LENGTH) {
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(word, result);
      }
    }
    for (const id of result) ids.push(id);
  }

  /**
   * The ids of one word: the best path, then unknown runs as bytes or the unknown token; each
   * token's span to `spans` if given (every byte token of a run spans the run, as in Hugging Face).
   */
  private encodeWord(word: string, spans?: number[]): number[] {
    const n = word.length;
    // Best path ending at each UTF-16 position: its score, where its last piece starts, that piece's id.
    const best = new Float64Array(n + 1);
    const from = new Int32Array(n + 1).fill(-1);
    const pieceAt = new Int32Array(n + 1);
    const UNK = -1; // pieceAt for an unknown character (kept apart from a real unk piece found in the trie)
    for (let start = 0; start < n; start = nextChar(word, start)) {
      const base = best[start]!;
      const charEnd = nextChar(word, start);
      let single = false;
      this.trie.prefixes(word, start, (end, id) => {
        const score = base + this.scores[id]!;
        if (from[end] < 0 || score > best[end]!) {
          best[end] = score;
          from[end] = start;
          pieceAt[end] = id;
        }
        if (end === charEnd) single = true;
      });
      if (!single) {
        const score = base + this.unkScore;
        if (from[charEnd] < 0 || score > best[charEnd]!) {
          best[charEnd] = score;
          from[charEnd] = start;
          pieceAt[charEnd] = UNK;
        }
      }
    }
    // Back from the end; Hugging Face fuses the unknown token (whether found as a piece or
    // made for an unknown character) with its unknown neighbours.
    const tokens: { start: number; end: number; id: number }[] = [];
    for (let end = n; end > 0; end = from[end]!) {
      const id = pieceAt[end]!;
      const isUnk = id === UNK || id === this.unkId;
      const last = tokens[tokens.length - 1];
      if (isUnk && last && last.id === UNK) last.start = from[end]!;
      else tokens.push({ start: from[end]!, end, id: isUnk ? UNK : id });
    }
    const out: number[] = [];
    for (let t = tokens.length - 1; t >= 0; t--) {
      const { start, end, id } = tokens[t]!;
      const before = out.length;
      if (id !== UNK) out.push(id);
      else this.pushUnknown(word.slice(start, end), out);
      if (spans) for (let k = before; k < out.length; k++) spans.push(start, end);
    }
    return out;
  }

  /** An unknown run: its own piece if the vocabulary has it, else its bytes or the unknown token. */
  private pushUnknown(text: string, out: number[]): void {
    const piece = this.vocab.get(text);
    if (piece !== undefined) {
      out.push(piece);
      return;
    }
    if (this.byteFallback) {
      const bytes = Array.from(utf8.encode(text), (b) => this.byteIds[b]);
      if (!bytes.includes(undefined)) {
        for (const b of bytes) out.push(b!);
        return;
      }
    }
    if (this.unkId === null) {
      throw new InvalidArgumentError(`encode: ${JSON.stringify(text)} is not in the Unigram vocabulary and tokenizer.json's model.unk_id is null`);
    }
    out.push(this.unkId);
  }
}

/** The index after the character at `i` (a surrogate pair is one character). */
function nextChar(text: string, i: number): number {
  const u = text.charCodeAt(i);
  return u >= 0xd800 && u < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? i + 2 : i + 1;
}
