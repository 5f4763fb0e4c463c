/**
 * The header of a GGUF file (metadata and tensor infos), read from a
 * ByteSource as a growing prefix: 1 MiB first, then as much as the wasm
 * parser (src/io/gguf.h, which checks every length, type, dim, offset and the
 * alignment against the file size) asks for, at least doubling each time and
 * never past the file. Reads only go forward, as every ByteSource requires.
 * The parser locates each value in the prefix; strings and arrays are decoded
 * here from the same checked bytes: numeric arrays as typed arrays (one copy,
 * no per-element objects), string arrays as string[].
 */
import type { Backend } from '../backend.js';
import { FormatError, OutOfMemoryError } from '../errors.js';
import { heapU8 } from '../heap.js';
import type { ByteSource } from '../io/byte-source.js';
import type { GgufRawPair, GgufRawTensor, QkvWasmModule } from '../wasm-module.js';

/** GGUF metadata value types, numbered as in the file. */
export const GgufType = {
  U8: 0, I8: 1, U16: 2, I16: 3, U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9, U64: 10, I64: 11, F64: 12,
} as const;

const TYPE_NAMES = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'bool', 'str', 'arr', 'u64', 'i64', 'f64'];

/**
 * A decoded value: numbers (u8-u32, i8-i32, f32, f64), bigint (u64, i64),
 * booleans, strings; arrays of numeric elements as the matching typed array,
 * of booleans as boolean[], of strings as string[], of arrays as GgufValue[].
 */
export type GgufValue =
  | number | bigint | boolean | string
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array
  | BigUint64Array | BigInt64Array
  | boolean[] | string[] | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** ggml type id and name ('Q4_K', 'F16', ...). */
  type: number;
  typeName: string;
  /** ggml order: dims[0] is the row length (innermost). */
  dims: number[];
  /** Absolute byte offset in the file, and byte size. */
  offset: number;
  nbytes: number;
}

export interface GgufHeader {
  version: number;
  alignment: number;
  /** End of the tensor infos, and start of the (aligned) data section. */
  headerBytes: number;
  dataOffset: number;
  metadata: Map<string, GgufValue>;
  /** Each key's type as llama.cpp prints it: 'u32', 'str', 'arr[str,151936]'. */
  types: Map<string, string>;
  tensors: GgufTensorInfo[];
}

export interface GgufHeaderOptions {
  /** First read, in bytes (default 1 MiB). */
  initialBytes?: number;
  signal?: AbortSignal;
}

const INITIAL_BYTES = 1 << 20;

export async function readGgufHeader(backend: Backend, src: ByteSource, options: GgufHeaderOptions = {}): Promise<GgufHeader> {
  let prefix = new Uint8Array(Math.min(src.size, Math.max(1, options.initialBytes ?? INITIAL_BYTES)));
  await src.read(0, prefix);
  for (;;) {
    options.signal?.throwIfAborted();
    const bytes = prefix;
    const raw = backend.call((m) => withHeapCopy(m, bytes, (ptr) => m.parseGgufHeader(src.name, ptr, bytes.length, src.size)));
    if (raw.need === undefined) {
      // ignoreBOM keeps a leading U+FEFF: it is a token of its own in SentencePiece vocabularies (LLaMA's 30143).
      const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
      const metadata = new Map<string, GgufValue>();
      const types = new Map<string, string>();
      for (const pair of raw.metadata) {
        const key = decoder.decode(bytes.subarray(pair.keyOffset, pair.keyOffset + pair.keyBytes));
        metadata.set(key, decodePair(bytes, pair, decoder));
        types.set(key, pair.type === GgufType.ARRAY ? `arr[${TYPE_NAMES[pair.elemType]},${pair.count}]` : TYPE_NAMES[pair.type] ?? '?');
      }
      return {
        version: raw.version, alignment: raw.alignment, headerBytes: raw.headerBytes, dataOffset: raw.dataOffset,
        metadata, types, tensors: raw.tensors.map((t: GgufRawTensor) => ({ ...t, dims: [...t.dims] })),
      };
    }
    if (!(raw.need > prefix.length && raw.need <= src.size)) {
      throw new FormatError(`${src.name}: the GGUF parser asked for ${raw.need} bytes with ${prefix.length} of ${src.size} read`);
    }
    const grown = new Uint8Array(Math.min(src.size, Math.max(raw.need, 2 * prefix.length)));
    grown.set(prefix);
    await src.read(prefix.length, grown.subarray(prefix.length));
    prefix = grown;
  }
}

function decodePair(bytes: Uint8Array, pair: GgufRawPair, decoder: TextDecoder): GgufValue {
  if (pair.type === GgufType.STRING) return decoder.decode(bytes.subarray(pair.offset, pair.offset + pair.bytes));
  if (pair.type !== GgufType.ARRAY) return pair.value ?? 0;
  return decodeArray(bytes, pair.elemType, pair.count, pair.offset, decoder).value;
}

/** The elements of an array at `offset` (already checked by the parser), and where they end. */
function decodeArray(bytes: Uint8Array, elem: number, count: number, offset: number,
  decoder: TextDecoder): { value: GgufValue; end: number } {
  const fixed = (size: number) => {
    // A copy: the typed array then starts aligned, and owns its memory (the
    // prefix can go). Typed arrays use the platform's byte order, little-endian
    // wherever wasm runs, as in the file.
    const copy = bytes.slice(offset, offset + count * size);
    return { buffer: copy.buffer, end: offset + count * size };
  };
  switch (elem) {
    case GgufType.U8: { const f = fixed(1); return { value: new Uint8Array(f.buffer), end: f.end }; }
    case GgufType.I8: { const f = fixed(1); return { value: new Int8Array(f.buffer), end: f.end }; }
    case GgufType.U16: { const f = fixed(2); return { value: new Uint16Array(f.buffer), end: f.end }; }
    case GgufType.I16: { const f = fixed(2); return { value: new Int16Array(f.buffer), end: f.end }; }
    case GgufType.U32: { const f = fixed(4); return { value: new Uint32Array(f.buffer), end: f.end }; }
    case GgufType.I32: { const f = fixed(4); return { value: new Int32Array(f.buffer), end: f.end }; }
    case GgufType.F32: { const f = fixed(4); return { value: new Float32Array(f.buffer), end: f.end }; }
    case GgufType.F64: { const f = fixed(8); return { value: new Float64Array(f.buffer), end: f.end }; }
    case GgufType.U64: { const f = fixed(8); return { value: new BigUint64Array(f.buffer), end: f.end }; }
    case GgufType.I64: { const f = fixed(8); return { value: new BigInt64Array(f.buffer), end: f.end }; }
    case GgufType.BOOL: {
      const out: boolean[] = [];
      for (let i = 0; i < count; i++) out.push(bytes[offset + i] !== 0);
      return { value: out, end: offset + count };
    }
    case GgufType.STRING: {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const out: string[] = new Array<string>(count);
      let at = offset;
      for (let i = 0; i < count; i++) {
        const n = Number(view.getBigUint64(at, true));
        out[i] = decoder.decode(bytes.subarray(at + 8, at + 8 + n));
        at += 8 + n;
      }
      return { value: out, end: at };
    }
    case GgufType.ARRAY: {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const out: GgufValue[] = [];
      let at = offset;
      for (let i = 0; i < count; i++) {
        const inner = decodeArray(bytes, view.getUint32(at, true), Number(view.getBigUint64(at + 4, true)), at + 12, decoder);
        out.push(inner.value);
        at = inner.end;
      }
      return { value: out, end: at };
    }
    default:
      throw new FormatError(`GGUF array element type ${elem} (the parser should have refused it)`);
  }
}

/** Copies bytes into a temporary wasm allocation for the duration of fn. */
function withHeapCopy<T>(m: QkvWasmModule, bytes: Uint8Array, fn: (ptr: number) => T): T {
  const ptr = m._malloc(Math.max(1, bytes.length));
  if (ptr === 0) throw new OutOfMemoryError(`could not allocate ${bytes.length} bytes for a GGUF header`);
  try {
    heapU8(m).set(bytes, ptr);
    return fn(ptr);
  } finally {
    m._free(ptr);
  }
}
