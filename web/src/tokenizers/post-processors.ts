/**
 * tokenizer.json `post_processor`s: the special tokens encode() adds around
 * a single sequence when add_special_tokens is true ("<s> $A" for LLaMA,
 * "[CLS] $A [SEP]" for BERT, "<s> $A </s>" for RoBERTa).
 */
import { bad, checkSequenceDepth, isId, isObject, type Json, readArray, readType, unsupportedType } from './tokenizer-json.js';

/** The ids before and after the sequence. */
export interface Template {
  before: number[];
  after: number[];
}

const SUPPORTED = ['TemplateProcessing', 'BertProcessing', 'RobertaProcessing', 'ByteLevel', 'Sequence'];
const NOTHING: Template = { before: [], after: [] };

/** A [token, id] pair, as BertProcessing and RobertaProcessing write cls and sep. */
function readTokenId(p: Json, field: string, path: string): number {
  const v = p[field];
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || !isId(v[1])) {
    throw bad(`${path}.${field}`, 'a [token, id] pair', v);
  }
  return v[1];
}

function template(p: Json, path: string): Template {
  const specials = p.special_tokens;
  if (!isObject(specials)) throw bad(`${path}.special_tokens`, 'an object', specials);
  const out: Template = { before: [], after: [] };
  let seenSequence = false;
  readArray(p, 'single', path).forEach((piece, i) => {
    const at = `${path}.single[${i}]`;
    if (isObject(piece) && isObject(piece.Sequence)) {
      if (piece.Sequence.id !== 'A' || seenSequence) throw bad(`${at}.Sequence.id`, 'the one sequence "A"', piece.Sequence.id);
      seenSequence = true;
      return;
    }
    if (!isObject(piece) || !isObject(piece.SpecialToken) || typeof piece.SpecialToken.id !== 'string') {
      throw bad(at, 'a {Sequence} or a {SpecialToken} with a string id', piece);
    }
    const name = piece.SpecialToken.id;
    const special = specials[name];
    if (!isObject(special) || !Array.isArray(special.ids) || !special.ids.every(isId)) {
      throw bad(`${path}.special_tokens["${name}"].ids`, 'an array of ids', isObject(special) ? special.ids : special);
    }
    (seenSequence ? out.after : out.before).push(...(special.ids as number[]));
  });
  if (!seenSequence) throw bad(`${path}.single`, 'a template with the sequence "A"', p.single);
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
    case 'BertProcessing':
    case 'RobertaProcessing':
      return { before: [readTokenId(p, 'cls', path)], after: [readTokenId(p, 'sep', path)] };
    case 'ByteLevel':
      return NOTHING; // it only adjusts offsets
    case 'Sequence':
      checkSequenceDepth(depth, path);
      // Each processor wraps the result of the one before.
      return readArray(p, 'processors', path).reduce<Template>((acc, step, i) => {
        const t = createPostProcessor(step, `${path}.processors[${i}]`, depth + 1);
        return { before: [...t.before, ...acc.before], after: [...acc.after, ...t.after] };
      }, NOTHING);
    default:
      throw unsupportedType(path, type, SUPPORTED);
  }
}
