/**
 * Typed reads of the tokenizer keys of GGUF metadata (llama.cpp's
 * `tokenizer.ggml.*`), each a FormatError naming the key when the value has
 * the wrong type, the wrong length or an id outside the vocabulary.
 */
import type { GgufValue } from '../weights/gguf-header.js';
import { FormatError } from '../errors.js';

export type GgufMetadata = ReadonlyMap<string, GgufValue>;

/** gguf-py's TokenType, as tokenizer.ggml.token_type numbers them. */
export const TokenType = { UNDEFINED: 0, NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

function kind(v: GgufValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of ${(v as { length: number }).length}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.slice(0, 40))}`;
  return `the ${typeof v} ${String(v)}`;
}

export function badKey(key: string, expected: string, found: GgufValue | undefined): FormatError {
  return new FormatError(`GGUF metadata: ${key} must be ${expected}, found ${kind(found)}`);
}

export function readString(meta: GgufMetadata, key: string): string | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badKey(key, 'a string', v);
  return v;
}

export function readBool(meta: GgufMetadata, key: string): boolean | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw badKey(key, 'a bool', v);
  return v;
}

/** An array of strings (tokens, merges); `length`, when given, is the count it must have. */
export function readStrings(meta: GgufMetadata, key: string, length?: number): string[] | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !(v.length === 0 || typeof v[0] === 'string')) throw badKey(key, 'an array of strings', v);
  if (length !== undefined && v.length !== length) {
    throw new FormatError(`GGUF metadata: ${key} has ${v.length} entries for ${length} tokens`);
  }
  return v as string[];
}

/** A numeric array of one of `types`, with exactly `length` entries. */
export function readNumbers<T extends Float32Array | Int32Array>(meta: GgufMetadata, key: string, length: number,
  types: readonly (new (n: number) => T)[]): T | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  if (!types.some((t) => v instanceof t)) {
    throw badKey(key, `an array of ${types.map((t) => (t === (Float32Array as unknown) ? 'f32' : 'i32')).join(' or ')}`, v);
  }
  const array = v as T;
  if (array.length !== length) throw new FormatError(`GGUF metadata: ${key} has ${array.length} entries for ${length} tokens`);
  return array;
}

/** A token id (an unsigned or signed integer of any width) below `vocabSize`. */
export function readId(meta: GgufMetadata, key: string, vocabSize: number): number | undefined {
  const v = meta.get(key);
  if (v === undefined) return undefined;
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw badKey(key, 'an integer token id', v);
  if (n < 0 || n >= vocabSize) {
    throw new FormatError(`GGUF metadata: ${key} is ${n}, outside the vocabulary (ids 0 to ${vocabSize - 1})`);
  }
  return n;
}
