// Which wasm build qkv must pick in this Node.js, decided from the Node.js
// version alone (not from qkv's own probe): relaxed SIMD runs by default and
// correctly from Node.js 22 (V8 12.4); Node.js 20 (V8 11.3) has it only
// behind --experimental-wasm-relaxed-simd, with a wrong dot product, so
// there qkv must keep to SIMD128 whatever the flags.
export const nodeMajor = Number(process.versions.node.split('.')[0]);

/** Whether qkv's 'auto' setting must choose the relaxed-SIMD builds in this process. */
export const relaxedExpected = nodeMajor >= 22;

/** The build qkv must start for `numThreads` threads with env.wasm.relaxedSimd = `relaxedSimd`. */
export function flavourFor(numThreads, relaxedSimd = 'auto') {
  const relaxed = relaxedSimd !== false && relaxedExpected;
  return `qkv-${relaxed ? 'relaxed' : 'simd'}${numThreads > 1 ? '-threads' : ''}`;
}
