/**
 * Reading the parts of a Hugging Face tokenizer.json that several tokenizer
 * models share (vocab, merges, added tokens), with errors that name the field.
 */
import { FormatError } from '../errors.js';

export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function bad(field: string, expected: string, found: unknown): FormatError {
  const text = found === undefined ? 'nothing' : JSON.stringify(found)?.slice(0, 60) ?? String(found);
  return new FormatError(`tokenizer.json: ${field} must be ${expected}, found ${text}`);
}

export function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 31;
}

export function readVocab(model: Json): Map<string, number> {
  if (!isObject(model.vocab)) throw bad('model.vocab', 'an object mapping tokens to ids', model.vocab);
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(model.vocab)) {
    if (!isId(id)) throw bad(`model.vocab["${token}"]`, 'a non-negative integer id', id);
    vocab.set(token, id);
  }
  return vocab;
}

export function readMerges(model: Json): [string, string][] {
  if (!Array.isArray(model.merges)) throw bad('model.merges', 'an array', model.merges);
  return model.merges.map((m: unknown, i: number): [string, string] => {
    // Older files write "a b"; newer ones [a, b] (which allows spaces inside tokens).
    if (typeof m === 'string') {
      const space = m.indexOf(' ', 1);
      if (space < 0) throw bad(`model.merges[${i}]`, 'two tokens separated by a space', m);
      return [m.slice(0, space), m.slice(space + 1)];
    }
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') {
      return [m[0], m[1]];
    }
    throw bad(`model.merges[${i}]`, 'a pair of tokens', m);
  });
}

export function readAddedTokens(json: Json): AddedToken[] {
  const list = json.added_tokens ?? [];
  if (!Array.isArray(list)) throw bad('added_tokens', 'an array', list);
  return list.map((t: unknown, i: number) => {
    if (!isObject(t) || !isId(t.id) || typeof t.content !== 'string' || t.content === '') {
      throw bad(`added_tokens[${i}]`, 'an object with an integer id and non-empty content', t);
    }
    return { id: t.id, content: t.content, special: t.special === true };
  });
}
