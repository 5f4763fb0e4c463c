/**
 * BPE merges for a SentencePiece ("llama") GGUF vocabulary, which has pieces
 * and scores but no merges. SentencePiece BPE merges the adjacent pair whose
 * joined piece scores highest; transformers' converter (convert_slow_tokenizer
 * .py, generate_merges) writes that as a ranked merge list for Hugging Face
 * BPE, and so does this: every split of a piece into two pieces of the
 * vocabulary is a merge, ranked by the joined piece's score (highest first),
 * ties by the code-point lengths of the left then the right half (longer
 * first), then by (joined id, left id, right id).
 */
import { TokenType } from './gguf-metadata.js';

/**
 * The merges as [left, right] pairs, best first. Only normal and
 * user-defined pieces are made by merges (control, unknown, byte and unused
 * tokens never come from text); their halves may be any piece.
 */
export function sentencePieceMerges(tokens: readonly string[], vocab: ReadonlyMap<string, number>,
  scores: Float32Array | Int32Array | undefined, types: Int32Array | undefined): [string, string][] {
  // Candidates in typed arrays, so that only the final pairs are objects.
  let capacity = 1024;
  let left: Int32Array = new Int32Array(capacity);
  let right: Int32Array = new Int32Array(capacity);
  let joined: Int32Array = new Int32Array(capacity);
  let count = 0;
  for (let id = 0; id < tokens.length; id++) {
    const type = types?.[id] ?? TokenType.NORMAL;
    if (type !== TokenType.NORMAL && type !== TokenType.USER_DEFINED && type !== TokenType.UNDEFINED) continue;
    const piece = tokens[id]!;
    const first = count;
    for (let i = 1; i < piece.length; i++) {
      const unit = piece.charCodeAt(i);
      if (unit >= 0xdc00 && unit <= 0xdfff) continue; // never between the halves of a surrogate pair
      const a = vocab.get(piece.slice(0, i));
      if (a === undefined) continue;
      const b = vocab.get(piece.slice(i));
      if (b === undefined) continue;
      if (count === capacity) {
        capacity *= 2;
        left = grow(left, capacity);
        right = grow(right, capacity);
        joined = grow(joined, capacity);
      }
      left[count] = a;
      right[count] = b;
      joined[count] = id;
      count++;
    }
    // Within one piece, transformers orders its splits by (left id, right id).
    if (count - first > 1) sortRange(first, count, (x, y) => left[x]! - left[y]! || right[x]! - right[y]!, left, right);
  }
  const score = (id: number): number => scores?.[id] ?? 0;
  const lengths = codePointLengths(tokens);
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  order.sort((x, y) => score(joined[y]!) - score(joined[x]!)
    || lengths[left[y]!]! - lengths[left[x]!]!
    || lengths[right[y]!]! - lengths[right[x]!]!
    || x - y);
  const merges = new Array<[string, string]>(count);
  for (let i = 0; i < count; i++) merges[i] = [tokens[left[order[i]!]!]!, tokens[right[order[i]!]!]!];
  return merges;
}

function grow(a: Int32Array, capacity: number): Int32Array {
  const b = new Int32Array(capacity);
  b.set(a);
  return b;
}

/** Sorts entries [from, to) of the parallel arrays by `compare` on their indices (a few entries: insertion sort). */
function sortRange(from: number, to: number, compare: (x: number, y: number) => number, a: Int32Array, b: Int32Array): void {
  for (let i = from + 1; i < to; i++) {
    for (let j = i; j > from && compare(j - 1, j) > 0; j--) {
      [a[j - 1], a[j]] = [a[j]!, a[j - 1]!];
      [b[j - 1], b[j]] = [b[j]!, b[j - 1]!];
    }
  }
}

function codePointLengths(tokens: readonly string[]): Uint16Array {
  const out = new Uint16Array(tokens.length);
  for (let id = 0; id < tokens.length; id++) {
    const t = tokens[id]!;
    let n = 0;
    for (let i = 0; i < t.length; i++) {
      const unit = t.charCodeAt(i);
      if (unit < 0xdc00 || unit > 0xdfff) n++;
    }
    out[id] = Math.min(n, 0xffff);
  }
  return out;
}
