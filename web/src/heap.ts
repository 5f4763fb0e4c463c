/**
 * Views of wasm memory that are valid right now. After memory grows, the
 * one-thread build replaces Module.HEAP* itself, but in the pthreads build a
 * growth done by another thread leaves this thread's views at the old size,
 * silently dropping writes past their end (docs/TOOLCHAIN.md §3). Read views
 * through these helpers, after any call that may allocate.
 */
import type { QkvWasmModule } from './wasm-module.js';

function currentBuffer(m: QkvWasmModule): ArrayBufferLike {
  return m.wasmMemory ? m.wasmMemory.buffer : m.HEAPU8.buffer;
}

export function heapF32(m: QkvWasmModule): Float32Array {
  const buffer = currentBuffer(m);
  return m.HEAPF32.buffer === buffer ? m.HEAPF32 : new Float32Array(buffer);
}

export function heapU8(m: QkvWasmModule): Uint8Array {
  const buffer = currentBuffer(m);
  return m.HEAPU8.buffer === buffer ? m.HEAPU8 : new Uint8Array(buffer);
}
