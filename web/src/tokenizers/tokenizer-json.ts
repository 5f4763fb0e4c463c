/**
 * Reading the parts of a Hugging Face tokenizer.json that several components
 * share, with errors that name the field (e.g. `pre_tokenizer.pretokenizers[1].behavior`).
 */
import { FormatError, UnsupportedError } from '../errors.js';

export interface AddedToken {
  id: number;
  content: string;
  /** Skipped by decode({ skip_special_tokens: true }). */
  special: boolean;
  /** Matched in the normalized text (true) or in the raw text before normalization (false). */
  normalized: boolean;
  /** Also swallows the whitespace on its left / right. */
  lstrip: boolean;
  rstrip: boolean;
  /** Only matches when not inside a word. */
  singleWord: boolean;
}

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A value as JSON for messages, cut at 60 characters. Never throws: a value
 * nested deeper than the stack, a cyclic one or a BigInt (which a caller can
 * pass instead of parsed JSON) is described by its kind.
 */
export function describe(found: unknown): string {
  if (found === undefined) return 'nothing';
  if (typeof found === 'bigint') return `${found}n`;
  try {
    const text = JSON.stringify(found);
    if (text !== undefined) return text.slice(0, 60);
  } catch {
    // described below
  }
  if (Array.isArray(found)) return 'an array';
  return typeof found === 'object' && found !== null ? 'an object' : `a ${typeof found}`;
}

export function bad(field: string, expected: string, found: unknown): FormatError {
  return new FormatError(`tokenizer.json: ${field} must be ${expected}, found ${describe(found)}`);
}

export function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 31;
}

/**
 * How deep Sequences may nest (real files nest one level, two at most): past
 * it, building the stage from a hostile file would overflow the stack.
 */
export const MAX_SEQUENCE_DEPTH = 16;

/** Throws a FormatError when a Sequence at `path` is nested deeper than MAX_SEQUENCE_DEPTH. */
export function checkSequenceDepth(depth: number, path: string): void {
  if (depth > MAX_SEQUENCE_DEPTH) {
    throw new FormatError(`tokenizer.json: ${path} nests Sequences more than ${MAX_SEQUENCE_DEPTH} deep`);
  }
}

/** The `type` of a component; `path` names it in errors. */
export function readType(component: unknown, path: string): string {
  if (!isObject(component)) throw bad(path, 'an object', component);
  if (typeof component.type !== 'string') throw bad(`${path}.type`, 'a string', component.type);
  return component.type;
}

/** Whether a component, or any step of a Sequence of them, has the given type. */
export function containsType(component: unknown, type: string, depth = 0): boolean {
  // Deeper nesting is refused when the stage is built.
  if (!isObject(component) || depth > MAX_SEQUENCE_DEPTH) return false;
  if (component.type === type) return true;
  const steps = component.normalizers ?? component.pretokenizers ?? component.decoders ?? component.processors;
  return Array.isArray(steps) && steps.some((s) => containsType(s, type, depth + 1));
}

export function unsupportedType(path: string, type: string, supported: readonly string[]): UnsupportedError {
  return new UnsupportedError(`tokenizer.json: ${path}.type "${type}" is not supported; qkv reads ${supported.join(', ')}`);
}

/** An optional field: `fallback` when absent or null, else it must have the type `typeof fallback`. */
export function readOptional<T extends string | number | boolean>(obj: Json, field: string, path: string, fallback: T): T {
  const v = obj[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== typeof fallback) throw bad(`${path}.${field}`, `a ${typeof fallback}`, v);
  return v as T;
}

export function readString(obj: Json, field: string, path: string): string {
  const v = obj[field];
  if (typeof v !== 'string') throw bad(`${path}.${field}`, 'a string', v);
  return v;
}

/** A field holding exactly one Unicode character (Rust's `char`), e.g. Metaspace's replacement. */
export function readChar(obj: Json, field: string, path: string): string {
  const v = obj[field];
  if (typeof v !== 'string' || Array.from(v).length !== 1) throw bad(`${path}.${field}`, 'a single character', v);
  return v;
}

export function readArray(obj: Json, field: string, path: string): unknown[] {
  const v = obj[field];
  if (!Array.isArray(v)) throw bad(`${path}.${field}`, 'an array', v);
  return v;
}

export function readVocab(model: Json): Map<string, number> {
  // A Map is taken as it is (ids checked, no copy): tokenizers built from GGUF metadata
  // (from-gguf.ts) pass their vocabulary of 150k-260k tokens that way.
  if (model.vocab instanceof Map) {
    for (const [token, id] of model.vocab as Map<unknown, unknown>) {
      if (typeof token !== 'string' || !isId(id)) throw bad(`model.vocab["${String(token)}"]`, 'a non-negative integer id', id);
    }
    return model.vocab as Map<string, number>;
  }
  if (!isObject(model.vocab)) throw bad('model.vocab', 'an object mapping tokens to ids', model.vocab);
  const entries = model.vocab;
  const vocab = new Map<string, number>();
  for (const token in entries) {
    const id = entries[token];
    if (!isId(id)) throw bad(`model.vocab["${token}"]`, 'a non-negative integer id', id);
    vocab.set(token, id);
  }
  return vocab;
}

/**
 * Calls `fn` with each merge's two tokens and its rank, without building a
 * list of pairs first (a vocabulary can have 500k merges).
 */
export function forEachMerge(model: Json, fn: (left: string, right: string, rank: number) => void): void {
  if (!Array.isArray(model.merges)) throw bad('model.merges', 'an array', model.merges);
  const merges: unknown[] = model.merges;
  for (let i = 0; i < merges.length; i++) {
    const m = merges[i];
    // Older files write "a b"; newer ones [a, b] (which allows spaces inside tokens).
    if (typeof m === 'string') {
      const space = m.indexOf(' ', 1);
      if (space < 0) throw bad(`model.merges[${i}]`, 'two tokens separated by a space', m);
      fn(m.slice(0, space), m.slice(space + 1), i);
    } else if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') {
      fn(m[0], m[1], i);
    } else {
      throw bad(`model.merges[${i}]`, 'a pair of tokens', m);
    }
  }
}

export function readAddedTokens(json: Json): AddedToken[] {
  const list = json.added_tokens ?? [];
  if (!Array.isArray(list)) throw bad('added_tokens', 'an array', list);
  return list.map((t: unknown, i: number) => {
    const path = `added_tokens[${i}]`;
    if (!isObject(t) || !isId(t.id) || typeof t.content !== 'string' || t.content === '') {
      throw bad(path, 'an object with an integer id and non-empty content', t);
    }
    return {
      id: t.id,
      content: t.content,
      special: readOptional(t, 'special', path, false),
      // Hugging Face's AddedToken defaults: normalized unless said otherwise, no stripping.
      normalized: readOptional(t, 'normalized', path, true),
      lstrip: readOptional(t, 'lstrip', path, false),
      rstrip: readOptional(t, 'rstrip', path, false),
      singleWord: readOptional(t, 'single_word', path, false),
    };
  });
}

/** A Split/Replace `pattern`: `{ String: "…" }` (literal) or `{ Regex: "…" }` (Oniguruma syntax). */
export function readPattern(obj: Json, path: string): { literal: string } | { regex: string } {
  const p = obj.pattern;
  if (isObject(p) && typeof p.String === 'string') return { literal: p.String };
  if (isObject(p) && typeof p.Regex === 'string') return { regex: p.Regex };
  throw bad(`${path}.pattern`, 'an object with a String or a Regex', p);
}
