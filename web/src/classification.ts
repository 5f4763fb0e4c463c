/**
 * Sequence classification around the wasm head (src/models/heads/classification.h): the labels and
 * problem_type a *ForSequenceClassification config.json names, the inputs (texts and
 * { text, text_pair } sentence pairs, tokenized through the tokenizer's pair template), and the
 * text-classification pipeline's post-processing as transformers' pipelines/text_classification.py
 * does it (the function applied by default, sorting, top_k), in transformers.js's output shapes.
 */
import { FormatError, InvalidArgumentError } from './errors.js';
import type { Tokenizer } from './tokenizers/index.js';

/** What a sequence classifier's config.json says about its labels (ModelInfo.classification). */
export interface ClassificationInfo {
  /** id2label in id order; LABEL_0, LABEL_1, … when the config has none (as transformers names them). */
  labels: string[];
  /** config.json's problem_type: 'single_label_classification', 'multi_label_classification', 'regression' or absent. */
  problemType?: string;
}

/**
 * A text, or a sentence pair as transformers' pipeline takes it. A pair longer than the model's
 * positions is an error, unless `truncation` is 'only_first': then tokens are cut from the end of
 * `text` until it fits (the tokenizer's truncation=ONLY_FIRST, as zero-shot-classification encodes
 * premise and hypothesis).
 */
export type ClassifyInput = string | { text: string; text_pair?: string; truncation?: 'only_first' };

/** What text-classification applies to the logits: transformers' ClassificationFunction. */
export type ClassificationFunction = 'softmax' | 'sigmoid' | 'none';

export interface ClassifyResult {
  /** Logits, row-major [inputs, labels]. */
  logits: Float32Array;
  dims: [number, number];
}

export interface TextClassificationOptions {
  /** How many labels to return per input, best first (default 1; null: every label). */
  top_k?: number | null;
  /**
   * Default as transformers' pipeline: 'none' for problem_type regression, 'sigmoid' for
   * multi_label_classification or a single logit, else 'softmax'.
   */
  function_to_apply?: ClassificationFunction;
}

export interface TextClassificationOutput {
  label: string;
  score: number;
}

const PROBLEM_TYPES = ['single_label_classification', 'multi_label_classification', 'regression'];

/** ClassificationInfo from config.json; `nLabels` is what the wasm head computes (the same rule as transformers). */
export function readClassificationInfo(config: Record<string, unknown>, nLabels: number): ClassificationInfo {
  const id2label = config.id2label;
  let labels: string[];
  if (id2label === undefined || id2label === null) {
    labels = Array.from({ length: nLabels }, (_, i) => `LABEL_${i}`);
  } else {
    if (typeof id2label !== 'object' || Array.isArray(id2label)) {
      throw new FormatError(`config.json: id2label must be an object of label names, found ${JSON.stringify(id2label)}`);
    }
    const entries = Object.entries(id2label as Record<string, unknown>);
    labels = new Array<string>(entries.length);
    for (const [key, name] of entries) {
      const id = Number(key);
      if (!Number.isInteger(id) || id < 0 || id >= entries.length || typeof name !== 'string' || labels[id] !== undefined) {
        throw new FormatError(`config.json: id2label must map each id 0 to ${entries.length - 1} to a label name, ` +
          `found ${JSON.stringify(key)}: ${JSON.stringify(name)}`);
      }
      labels[id] = name;
    }
  }
  if (labels.length !== nLabels) {
    throw new FormatError(`config.json: id2label names ${labels.length} labels, the classifier has ${nLabels}`);
  }
  const problemType = config.problem_type;
  if (problemType !== undefined && problemType !== null && (typeof problemType !== 'string' || !PROBLEM_TYPES.includes(problemType))) {
    throw new FormatError(`config.json: problem_type must be one of ${PROBLEM_TYPES.join(', ')}, found ${JSON.stringify(problemType)}`);
  }
  return typeof problemType === 'string' ? { labels, problemType } : { labels };
}

/** One input's ids and token types (null: no types, a single text or a model without them). */
export interface ClassifySequence {
  ids: number[];
  types: number[] | null;
  /** A pair to be cut as truncation 'only_first' when it is too long: its two texts. */
  onlyFirst?: [string, string];
}

/** Checks and tokenizes classify()'s inputs; pairs cut to nothing: an error naming the input. */
export function tokenizeInputs(tokenizer: Tokenizer, inputs: ClassifyInput | readonly ClassifyInput[],
  call: string): ClassifySequence[] {
  const list = Array.isArray(inputs) ? inputs as readonly ClassifyInput[] : [inputs as ClassifyInput];
  if (list.length === 0) throw new InvalidArgumentError(`${call}: expected a text, a { text, text_pair } pair, or a non-empty array of them`);
  return list.map((input, i) => {
    if (typeof input === 'string') return { ids: tokenizer.encode(input), types: null };
    if (typeof input === 'object' && input !== null && typeof input.text === 'string') {
      if (input.text_pair === undefined) return { ids: tokenizer.encode(input.text), types: null };
      const { truncation } = input;
      if (typeof input.text_pair === 'string' && (truncation === undefined || truncation === 'only_first')) {
        const { input_ids: ids, token_type_ids: types } = tokenizer.encodePair(input.text, input.text_pair);
        return truncation === undefined ? { ids, types } : { ids, types, onlyFirst: [input.text, input.text_pair] };
      }
    }
    throw new InvalidArgumentError(`${call}: input ${i} must be a string or { text: string, text_pair?: string, ` +
      'truncation?: \'only_first\' }, ' +
      `got ${JSON.stringify(input)}`);
  });
}

/** transformers' default function_to_apply for this model. */
export function defaultFunction(info: ClassificationInfo): ClassificationFunction {
  if (info.problemType === 'regression') return 'none';
  if (info.problemType === 'multi_label_classification' || info.labels.length === 1) return 'sigmoid';
  return 'softmax';
}

function scoresOf(logits: Float32Array, fn: ClassificationFunction): number[] {
  const row = Array.from(logits);
  if (fn === 'sigmoid') return row.map((x) => 1 / (1 + Math.exp(-x)));
  if (fn === 'none') return row;
  const max = Math.max(...row);
  const exps = row.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** The checked options of one pipeline call. */
export function resolveClassificationOptions(info: ClassificationInfo, options: TextClassificationOptions):
  { topK: number; fn: ClassificationFunction; all: boolean } {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('text-classification: options must be an object');
  const { top_k: topK = 1, function_to_apply: fn = defaultFunction(info) } = options;
  if (topK !== null && !(Number.isSafeInteger(topK) && topK >= 1)) {
    throw new InvalidArgumentError(`text-classification: top_k must be a whole number >= 1 or null (every label), got ${JSON.stringify(topK)}`);
  }
  if (fn !== 'softmax' && fn !== 'sigmoid' && fn !== 'none') {
    throw new InvalidArgumentError(`text-classification: function_to_apply must be 'softmax', 'sigmoid' or 'none', got ${JSON.stringify(fn)}`);
  }
  return { topK: topK ?? info.labels.length, fn, all: topK === null };
}

/** Every label of one row with its score, best first (ties keep label order, as Python's stable sort). */
export function rankLabels(info: ClassificationInfo, logits: Float32Array, fn: ClassificationFunction,
  topK: number): TextClassificationOutput[] {
  const scores = scoresOf(logits, fn);
  return scores.map((score, i) => ({ label: info.labels[i]!, score }))
    .sort((a, b) => b.score - a.score).slice(0, topK);
}

/**
 * transformers.js's shapes: one input (a text or a pair) with top_k 1 gives [{ label, score }];
 * an array of inputs with top_k 1 gives one { label, score } per input; otherwise a list of the
 * top_k per input, unwrapped for one input.
 */
export function shapeResults(perInput: TextClassificationOutput[][], single: boolean, topK: number, all: boolean):
  TextClassificationOutput[] | TextClassificationOutput[][] {
  if (topK === 1 && !all) return perInput.map((r) => r[0]!);
  return single ? perInput[0]! : perInput;
}
