/**
 * How encoder calls split many sequences: consecutive runs of at most ENCODE_BATCH_TOKENS tokens
 * (a longer sequence alone), which bounds the scratch memory of one wasm call. Results do not
 * depend on the split: packed sequences attend only to themselves.
 */

/** Tokens per encoder call: ~30 MB of scratch at 384 wide. */
export const ENCODE_BATCH_TOKENS = 8192;

/** [first, last) index ranges over sequences of these lengths. */
export function encodeBatches(lengths: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let first = 0; first < lengths.length;) {
    let last = first;
    let tokens = 0;
    while (last < lengths.length && (last === first || tokens + lengths[last]! <= ENCODE_BATCH_TOKENS)) {
      tokens += lengths[last++]!;
    }
    out.push([first, last]);
    first = last;
  }
  return out;
}
