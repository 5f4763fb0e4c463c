/**
 * Sentence embeddings from an encoder's last hidden states, as
 * sentence-transformers and transformers.js pool them: the mean over every
 * token of the sequence (special tokens included, padding never present
 * here) or the first ([CLS]) token, optionally scaled to unit length.
 */
export type Pooling = 'mean' | 'cls';

/**
 * Writes one pooled vector per sequence into out ([lengths.length, dim]).
 * hidden holds the sequences' states back to back, [sum(lengths), dim].
 */
export function poolSequences(hidden: Float32Array, lengths: readonly number[], dim: number, pooling: Pooling,
  normalize: boolean, out: Float32Array, outOffset = 0): void {
  let token = 0;
  lengths.forEach((length, s) => {
    const dst = out.subarray(outOffset + s * dim, outOffset + (s + 1) * dim);
    if (pooling === 'cls') {
      dst.set(hidden.subarray(token * dim, (token + 1) * dim));
    } else {
      // Sums in double: 512 tokens of float32 lose digits a cosine of 0.9999 would notice.
      const sum = new Float64Array(dim);
      for (let t = token; t < token + length; t++) {
        for (let i = 0; i < dim; i++) sum[i]! += hidden[t * dim + i]!;
      }
      for (let i = 0; i < dim; i++) dst[i] = sum[i]! / length;
    }
    if (normalize) {
      let norm = 0;
      for (let i = 0; i < dim; i++) norm += dst[i]! * dst[i]!;
      // torch.nn.functional.normalize divides by max(norm, 1e-12).
      const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
      for (let i = 0; i < dim; i++) dst[i]! *= scale;
    }
    token += length;
  });
}
