/**
 * tokenizer.json `post_processor`s: the special tokens encode() adds around
 * a single sequence when add_special_tokens is true ("<s> $A" for LLaMA,
 * "[CLS] $A [SEP]" for BERT, "<s> $A </s>" for RoBERTa), and the pair
 * template of a sentence pair with its token type ids ("[CLS]:0 $A:0 [SEP]:0
 * $B:1 [SEP]:1" for BERT, "<s> $A </s> </s> $B </s>" all 0 for RoBERTa).
 */
import { QkvError } from '../errors.js';
import { bad, checkSequenceDepth, isId, isObject, type Json, readArray, readOptional, readType, unsupportedType } from './tokenizer-json.js';

/** One piece of a pair template: a sequence ('A' or 'B') or special tokens, with their token type. */
export type PairPiece = { sequence: 'A' | 'B'; typeId: number } | { ids: number[]; typeId: number };

/** The ids before and after the sequence, and how a pair is put together. */
export interface Template {
  before: number[];
  after: number[];
  /**
   * A pair's pieces in order. Without a post_processor (or a ByteLevel one) a pair is A then B, B
   * with type 1, as Hugging Face tokenizers merge them.
   */
  pair: PairPiece[];
  /**
   * Why the tokenizer.json's pair template cannot be used (malformed, e.g. T5 exports with `pair: []`):
   * encodePair() throws it, while single texts encode as ever.
   */
  pairError?: QkvError;
  /**
   * ByteLevel's or RobertaProcessing's trim_offsets: offsets of a token with leading or trailing
   * spaces leave them out (but a first token keeps the one space add_prefix_space put there).
   */
  trimOffsets?: { addPrefixSpace: boolean };
}

const PLAIN_PAIR: PairPiece[] = [{ sequence: 'A', typeId: 0 }, { sequence: 'B', typeId: 1 }];

const SUPPORTED = ['TemplateProcessing', 'BertProcessing', 'RobertaProcessing', 'ByteLevel', 'Sequence'];
const NOTHING: Template = { before: [], after: [], pair: PLAIN_PAIR };

/** trim_offsets and add_prefix_space of a ByteLevel or RobertaProcessing post_processor (both default true). */
function trimming(p: Json, path: string): Pick<Template, 'trimOffsets'> {
  if (!readOptional(p, 'trim_offsets', path, true)) return {};
  return { trimOffsets: { addPrefixSpace: readOptional(p, 'add_prefix_space', path, true) } };
}

/** A [token, id] pair, as BertProcessing and RobertaProcessing write cls and sep. */
function readTokenId(p: Json, field: string, path: string): number {
  const v = p[field];
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || !isId(v[1])) {
    throw bad(`${path}.${field}`, 'a [token, id] pair', v);
  }
  return v[1];
}

function specialIds(specials: Json, name: string, path: string): number[] {
  const special = specials[name];
  if (!isObject(special) || !Array.isArray(special.ids) || !special.ids.every(isId)) {
    throw bad(`${path}.special_tokens["${name}"].ids`, 'an array of ids', isObject(special) ? special.ids : special);
  }
  return special.ids as number[];
}

/** TemplateProcessing's `single` or `pair` list as pieces; `sequences` are the ids it must hold once each. */
function pieces(p: Json, field: 'single' | 'pair', path: string, sequences: readonly string[]): PairPiece[] {
  const specials = p.special_tokens;
  if (!isObject(specials)) throw bad(`${path}.special_tokens`, 'an object', specials);
  const seen: string[] = [];
  const out = readArray(p, field, path).map((piece, i): PairPiece => {
    const at = `${path}.${field}[${i}]`;
    const typeOf = (v: Json): number => (v.type_id === undefined ? 0 : isId(v.type_id) ? v.type_id
      : (() => { throw bad(`${at}.type_id`, 'a token type id', v.type_id); })());
    if (isObject(piece) && isObject(piece.Sequence)) {
      const id = piece.Sequence.id;
      if (typeof id !== 'string' || !sequences.includes(id) || seen.includes(id)) {
        throw bad(`${at}.Sequence.id`, `each of ${sequences.map((q) => `"${q}"`).join(' and ')} once`, id);
      }
      seen.push(id);
      return { sequence: id as 'A' | 'B', typeId: typeOf(piece.Sequence) };
    }
    if (!isObject(piece) || !isObject(piece.SpecialToken) || typeof piece.SpecialToken.id !== 'string') {
      throw bad(at, 'a {Sequence} or a {SpecialToken} with a string id', piece);
    }
    return { ids: specialIds(specials, piece.SpecialToken.id, path), typeId: typeOf(piece.SpecialToken) };
  });
  if (seen.length !== sequences.length) throw bad(`${path}.${field}`, `a template with ${sequences.join(' and ')}`, p[field]);
  return out;
}

function template(p: Json, path: string): Template {
  const out: Template = { before: [], after: [], pair: PLAIN_PAIR };
  let seenSequence = false;
  for (const piece of pieces(p, 'single', path, ['A'])) {
    if ('sequence' in piece) seenSequence = true;
    else (seenSequence ? out.after : out.before).push(...piece.ids);
  }
  if (p.pair !== undefined && p.pair !== null) {
    try {
      out.pair = pieces(p, 'pair', path, ['A', 'B']);
    } catch (e) {
      if (!(e instanceof QkvError)) throw e;
      out.pairError = e;
    }
  }
  return out;
}

/** The special tokens the post_processor at `path` puts around one sequence. */
export function createPostProcessor(json: unknown, path: string, depth = 0): Template {
  if (json === null || json === undefined) return NOTHING;
  const type = readType(json, path);
  const p = json as Json;
  switch (type) {
    case 'TemplateProcessing':
      return template(p, path);
    case 'BertProcessing': {
      const cls = readTokenId(p, 'cls', path);
      const sep = readTokenId(p, 'sep', path);
      return {
        before: [cls], after: [sep],
        pair: [{ ids: [cls], typeId: 0 }, { sequence: 'A', typeId: 0 }, { ids: [sep], typeId: 0 },
          { sequence: 'B', typeId: 1 }, { ids: [sep], typeId: 1 }],
      };
    }
    case 'RobertaProcessing': {
      // RoBERTa has no token types: every pair token is type 0.
      const cls = readTokenId(p, 'cls', path);
      const sep = readTokenId(p, 'sep', path);
      return {
        before: [cls], after: [sep],
        pair: [{ ids: [cls], typeId: 0 }, { sequence: 'A', typeId: 0 }, { ids: [sep, sep], typeId: 0 },
          { sequence: 'B', typeId: 0 }, { ids: [sep], typeId: 0 }],
        ...trimming(p, path),
      };
    }
    case 'ByteLevel':
      return { ...NOTHING, ...trimming(p, path) }; // it only adjusts offsets
    case 'Sequence':
      checkSequenceDepth(depth, path);
      // Each processor wraps the result of the one before; the pair template is the one step's that has one
      // (ByteLevel, the usual companion, only adjusts offsets).
      return readArray(p, 'processors', path).reduce<Template>((acc, step, i) => {
        const t = createPostProcessor(step, `${path}.processors[${i}]`, depth + 1);
        const own = t.pair !== PLAIN_PAIR || t.pairError !== undefined;
        const pairError = own ? t.pairError : acc.pairError;
        const trimOffsets = t.trimOffsets ?? acc.trimOffsets;
        return {
          before: [...t.before, ...acc.before], after: [...acc.after, ...t.after], pair: own ? t.pair : acc.pair,
          ...(pairError !== undefined ? { pairError } : {}), ...(trimOffsets ? { trimOffsets } : {}),
        };
      }, NOTHING);
    default:
      throw unsupportedType(path, type, SUPPORTED);
  }
}
