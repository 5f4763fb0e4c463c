/**
 * Token offsets: the text through the same stages as encode(), on aligned
 * strings (aligned.ts) so that every token knows its span in the original
 * text, then ByteLevel's trim_offsets — Hugging Face's pipeline with its
 * Encoding offsets. Kept apart from encode(), which does not pay for it.
 */
import type { Pipeline } from './tokenizer.js';

const BYTE_LEVEL_SPACE = '\u0120'; // 'Ġ', the byte-level character of ' '
const WHITESPACE = /^\p{White_Space}$/u;

/**
 * Appends the ids, [start, end) offsets in `text` and word ids of `text` without special tokens. A
 * token's word id is the index of the piece it came from among the text's added tokens and
 * pre-tokenized words (Hugging Face's Encoding.word_ids: PreTokenizedString::into_encoding numbers
 * its splits, empty ones having been dropped by every split).
 */
export function tokenizeWithOffsets(pipeline: Pipeline, text: string, ids: number[], offsets: [number, number][],
  wordIds: (number | null)[]): void {
  const { model, splitter, preTokenizer } = pipeline;
  const spans: number[] = [];
  let word = 0;
  for (const segment of splitter.splitAligned(text)) {
    if ('id' in segment) {
      ids.push(segment.id);
      offsets.push(segment.offsets);
      wordIds.push(word++);
      continue;
    }
    const words = preTokenizer ? preTokenizer.aligned(segment.piece, segment.atStart) : [segment.piece];
    for (const piece of words) {
      if (piece.text === '') continue;
      spans.length = 0;
      model.tokenize(piece.text, ids, spans);
      for (let k = 0; k < spans.length; k += 2) {
        offsets.push(piece.original(spans[k]!, spans[k + 1]!));
        wordIds.push(word);
      }
      word++;
    }
  }
}

/** How many characters at the start (or end) of `token` are spaces, byte-level or not. */
function countSpaces(token: string, fromEnd: boolean): number {
  const chars = Array.from(token);
  if (fromEnd) chars.reverse();
  let n = 0;
  while (n < chars.length && (chars[n] === BYTE_LEVEL_SPACE || WHITESPACE.test(chars[n]!))) n++;
  return n;
}

/**
 * ByteLevel's process_offsets: a token's offsets leave out its leading and trailing spaces, except the
 * single space add_prefix_space put before the first token. `tokenOf` gives the token's string.
 */
export function trimOffsets(ids: readonly number[], offsets: [number, number][], addPrefixSpace: boolean,
  tokenOf: (id: number) => string): void {
  ids.forEach((id, i) => {
    const token = tokenOf(id);
    let leading = countSpaces(token, false);
    const trailing = countSpaces(token, true);
    const span = offsets[i]!;
    if (leading > 0) {
      if ((i === 0 || span[0] === 0) && addPrefixSpace && leading === 1) leading = 0;
      span[0] = Math.min(span[0] + leading, span[1]);
    }
    if (trailing > 0 && span[1] >= trailing) span[1] = Math.max(span[1] - trailing, span[0]);
  });
}
