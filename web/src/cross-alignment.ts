/**
 * Reading an encoder-decoder's cross-attention (Model.attention(source, target).cross) as an alignment:
 * which source token each target token looks at. Used by the CLI's --attention and the demo page.
 */
import { InvalidArgumentError } from './errors.js';
import type { Seq2SeqAttentionResult } from './seq2seq.js';

/**
 * The [target, source] weights of one decoder layer: one head's, or the mean over the heads (head
 * 'mean'). Row t is what the decoder input at position t (the token before the t-th generated one)
 * attends to in the source.
 */
export function crossAttentionMap(att: Seq2SeqAttentionResult, layer: number, head: number | 'mean'): Float32Array {
  const weights = att.cross[layer];
  if (weights === undefined) throw new InvalidArgumentError(`cross-attention: no decoder layer ${layer} (there are ${att.cross.length})`);
  if (head !== 'mean' && !(Number.isInteger(head) && head >= 0 && head < att.nHead)) {
    throw new InvalidArgumentError(`cross-attention: head must be 'mean' or 0..${att.nHead - 1}, got ${String(head)}`);
  }
  const cells = att.targetIds.length * att.sourceIds.length;
  if (head !== 'mean') return weights.slice(head * cells, (head + 1) * cells);
  const out = new Float32Array(cells);
  for (let h = 0; h < att.nHead; h++) for (let i = 0; i < cells; i++) out[i]! += weights[h * cells + i]! / att.nHead;
  return out;
}

/** Per target row, the source position with the largest weight (ties: the first) and that weight. */
export function crossAlignment(att: Seq2SeqAttentionResult, layer = att.cross.length - 1,
  head: number | 'mean' = 'mean'): Array<{ source: number; weight: number }> {
  const map = crossAttentionMap(att, layer, head);
  const n = att.sourceIds.length;
  return att.targetIds.map((_, t) => {
    let best = 0;
    for (let s = 1; s < n; s++) if (map[t * n + s]! > map[t * n + best]!) best = s;
    return { source: best, weight: map[t * n + best]! };
  });
}
