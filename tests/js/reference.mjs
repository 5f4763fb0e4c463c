// Independent references for the JS tests: plain double-precision math,
// sharing no code with qkv.

/** Softmax of each of `rows` rows of x, in float64. */
export function softmaxReference(x, rows = 1) {
  const cols = x.length / rows;
  const y = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const row = x.slice(r * cols, (r + 1) * cols);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += y[r * cols + c] = Math.exp(row[c] - max);
    for (let c = 0; c < cols; c++) y[r * cols + c] /= sum;
  }
  return y;
}

/** Largest |a[i] - b[i]| / max(|b[i]|, floor). */
export function maxRelativeError(a, b, floor = 1e-30) {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor));
  return worst;
}

/** Deterministic test data in [-scale, scale]. */
export function wave(n, scale = 8) {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7311 + Math.cos(i * 0.13)) * scale);
}
