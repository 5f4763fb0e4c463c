/**
 * Token classification (NER) around the wasm head (src/models/heads/classification.h,
 * TokenClassificationHead): the post-processing of transformers' pipelines/token_classification.py.
 *
 * - gather_pre_entities: a softmax per token, the special tokens the post-processor added skipped,
 *   each token's character span from the tokenizer's offsets (Tokenizer.encodeWithOffsets), its
 *   vocabulary string as `word` except an unknown token, whose word is its span of the text; a token
 *   continues a word (is_subword) when its string's length differs from its span's (tokenizers whose
 *   pieces carry a continuing_subword_prefix, as WordPiece's "##"), else when no space touches its start.
 * - aggregation_strategy 'none': one entity per token; 'simple': adjacent tokens grouped by their tag
 *   (B-/I- prefixes read as Python's get_tag does); 'first' / 'average' / 'max': tokens of one word
 *   first agree on one label (the first token's, the averaged scores', the most confident token's),
 *   then words are grouped as by 'simple'.
 * - ignore_labels (default ['O']) dropped last, on entity or entity_group.
 *
 * Offsets are UTF-16 indices (Python's are code points: the same for text without emoji).
 */
import type { ClassificationInfo } from './classification.js';
import { InvalidArgumentError } from './errors.js';
import type { Tokenizer } from './tokenizers/index.js';

export interface TokenClassifyResult {
  /** The text's ids, special tokens included. */
  ids: number[];
  /** Logits, row-major [tokens, labels]. */
  logits: Float32Array;
  dims: [number, number];
}

export const AGGREGATION_STRATEGIES = ['none', 'simple', 'first', 'average', 'max'] as const;
export type AggregationStrategy = (typeof AGGREGATION_STRATEGIES)[number];
/** The strategies that group tokens into entities (results with entity_group). */
export type GroupingStrategy = Exclude<AggregationStrategy, 'none'>;

export interface TokenClassificationOptions {
  /** Labels left out of the results (default ['O'], as transformers). */
  ignore_labels?: readonly string[];
  /** 'none' (the default: one result per token), or how tokens are grouped into entities. */
  aggregation_strategy?: AggregationStrategy;
}

export interface TokenClassificationOutput {
  /** The token's best label. */
  entity: string;
  /** Its softmax probability. */
  score: number;
  /** The token's position in the ids (0 is [CLS]). */
  index: number;
  /** The token as the vocabulary writes it (e.g. '##ing'); an unknown token's span of the text. */
  word: string;
  /** The token's span of the text: text.slice(start, end). */
  start: number;
  end: number;
}

/** An entity of several tokens (aggregation_strategy other than 'none'). */
export interface TokenClassificationGroup {
  /** The label without its B- / I- prefix. */
  entity_group: string;
  /** The mean of its tokens' (or words') scores. */
  score: number;
  /** Its tokens joined by the tokenizer's decoder. */
  word: string;
  start: number;
  end: number;
}

interface PreEntity {
  word: string;
  scores: number[];
  start: number;
  end: number;
  index: number;
  isSubword: boolean;
}

/** A token (or a word, once aggregated) with its label, before grouping. */
type Labelled = Omit<TokenClassificationOutput, 'index'> & { index?: number };

/** The strategy in `options`, checked. */
export function readStrategy(options: TokenClassificationOptions): AggregationStrategy {
  const strategy = options.aggregation_strategy ?? 'none';
  if (!AGGREGATION_STRATEGIES.includes(strategy)) {
    throw new InvalidArgumentError(`token-classification: aggregation_strategy must be ${AGGREGATION_STRATEGIES.map((s) => `'${s}'`).join(', ')}, `
      + `got ${JSON.stringify(strategy)}`);
  }
  return strategy;
}

/**
 * Which positions of `ids` the post-processor added around the text: as many at the front and the
 * back as it adds to the whole text (ids may be the text cut to the context, its last token kept).
 */
function specialMask(tokenizer: Tokenizer, text: string, ids: readonly number[]): boolean[] {
  const full = tokenizer.encode(text);
  const own = tokenizer.encode(text, { add_special_tokens: false });
  let before = 0;
  while (before + own.length < full.length && !own.every((id, i) => full[before + i] === id)) before++;
  const after = full.length - before - own.length;
  return ids.map((_, i) => i < before || i >= ids.length - after);
}

function softmax(row: Float32Array): number[] {
  let max = -Infinity;
  for (const x of row) max = Math.max(max, x);
  const exps = Array.from(row, (x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

const codePoints = (s: string): number => Array.from(s).length;

function gatherPreEntities(tokenizer: Tokenizer, text: string, result: TokenClassifyResult): PreEntity[] {
  const special = specialMask(tokenizer, text, result.ids);
  const { offsets } = tokenizer.encodeWithOffsets(text);
  const width = result.dims[1];
  const prefix = tokenizer.continuingSubwordPrefix;
  const out: PreEntity[] = [];
  result.ids.forEach((id, index) => {
    if (special[index]) return;
    const [start, end] = offsets[index]!;
    const wordRef = text.slice(start, end);
    let word = tokenizer.idToToken(id);
    // A word-aware tokenizer marks continuations ("##ing" is longer than "ing"); otherwise a token
    // continues a word when no space is just before or at its start.
    let isSubword = prefix !== null ? codePoints(word) !== codePoints(wordRef)
      : start > 0 && !text.slice(start - 1, start + 1).includes(' ');
    if (id === tokenizer.unkTokenId) {
      word = wordRef;
      isSubword = false;
    }
    out.push({ word, scores: softmax(result.logits.subarray(index * width, (index + 1) * width)), start, end, index, isSubword });
  });
  return out;
}

/** One word's tokens as one entity (aggregate_word). */
function aggregateWord(tokenizer: Tokenizer, labels: readonly string[], tokens: PreEntity[], strategy: 'first' | 'average' | 'max'): Labelled {
  let scores: number[];
  if (strategy === 'first') scores = tokens[0]!.scores;
  else if (strategy === 'max') {
    // Python's max(): the first token with the highest top score.
    scores = tokens.reduce((best, t) => (Math.max(...t.scores) > Math.max(...best.scores) ? t : best)).scores;
  } else {
    scores = tokens[0]!.scores.map((_, k) => tokens.reduce((sum, t) => sum + t.scores[k]!, 0) / tokens.length);
  }
  const best = argmax(scores);
  return {
    entity: labels[best]!, score: scores[best]!, word: tokenizer.convertTokensToString(tokens.map((t) => t.word)),
    start: tokens[0]!.start, end: tokens[tokens.length - 1]!.end,
  };
}

/** Python's get_tag: B- and I- prefixes, anything else read as a continuation. */
function tag(entity: string): { bi: 'B' | 'I'; tag: string } {
  if (entity.startsWith('B-')) return { bi: 'B', tag: entity.slice(2) };
  if (entity.startsWith('I-')) return { bi: 'I', tag: entity.slice(2) };
  return { bi: 'I', tag: entity };
}

/** Adjacent entities of one tag as groups (group_entities / group_sub_entities). */
function groupEntities(tokenizer: Tokenizer, entities: Labelled[]): TokenClassificationGroup[] {
  const groups: TokenClassificationGroup[] = [];
  let run: Labelled[] = [];
  const close = (): void => {
    groups.push({
      entity_group: run[0]!.entity.split('-').pop()!,
      score: run.reduce((sum, e) => sum + e.score, 0) / run.length,
      word: tokenizer.convertTokensToString(run.map((e) => e.word)),
      start: run[0]!.start, end: run[run.length - 1]!.end,
    });
  };
  for (const entity of entities) {
    if (run.length > 0) {
      const current = tag(entity.entity);
      if (current.tag !== tag(run[run.length - 1]!.entity).tag || current.bi === 'B') {
        close();
        run = [];
      }
    }
    run.push(entity);
  }
  if (run.length > 0) close();
  return groups;
}

/** One text's entities from its logits. */
export function tokenEntities(info: ClassificationInfo, tokenizer: Tokenizer, text: string, result: TokenClassifyResult,
  options: TokenClassificationOptions = {}): TokenClassificationOutput[] | TokenClassificationGroup[] {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('token-classification: options must be an object');
  const { ignore_labels: ignore = ['O'] } = options;
  if (!Array.isArray(ignore) || !ignore.every((l) => typeof l === 'string')) {
    throw new InvalidArgumentError(`token-classification: ignore_labels must be an array of label names, got ${JSON.stringify(ignore)}`);
  }
  const strategy = readStrategy(options);
  const labels = info.labels;
  const pre = gatherPreEntities(tokenizer, text, result);
  if (strategy === 'none' || strategy === 'simple') {
    const entities = pre.map((p): TokenClassificationOutput => {
      const best = argmax(p.scores);
      return { entity: labels[best]!, score: p.scores[best]!, index: p.index, word: p.word, start: p.start, end: p.end };
    });
    if (strategy === 'none') return entities.filter((e) => !ignore.includes(e.entity));
    return groupEntities(tokenizer, entities).filter((g) => !ignore.includes(g.entity_group));
  }
  // aggregate_words: a word is a token and the subword tokens after it.
  const words: Labelled[] = [];
  let group: PreEntity[] = [];
  for (const p of pre) {
    if (group.length > 0 && !p.isSubword) {
      words.push(aggregateWord(tokenizer, labels, group, strategy));
      group = [];
    }
    group.push(p);
  }
  if (group.length > 0) words.push(aggregateWord(tokenizer, labels, group, strategy));
  return groupEntities(tokenizer, words).filter((g) => !ignore.includes(g.entity_group));
}
