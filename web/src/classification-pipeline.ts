/**
 * The text-classification pipeline ('sentiment-analysis' is its other name) and rerank(): one
 * classify() call for every input, then transformers' post-processing (classification.ts).
 */
import {
  rankLabels, resolveClassificationOptions, shapeResults, type ClassificationInfo, type ClassifyInput,
  type ClassifyResult, type TextClassificationOptions, type TextClassificationOutput,
} from './classification.js';
import { InvalidArgumentError } from './errors.js';

/** What the pipeline and rerank() need of a model (a Model, or a WorkerModel on a worker). */
export interface Classifier {
  readonly info: { readonly classification?: ClassificationInfo };
  classify(inputs: ClassifyInput | readonly ClassifyInput[]): Promise<ClassifyResult>;
}

function infoOf(model: Classifier): ClassificationInfo {
  // pipeline() and classify() checked the capability; a model without labels cannot get here.
  return model.info.classification!;
}

/** The pipeline's call: a text or pair gives a list; an array gives one result (top_k 1) or one list per input. */
export async function classifyTexts(model: Classifier, inputs: ClassifyInput | readonly ClassifyInput[],
  options: TextClassificationOptions = {}): Promise<TextClassificationOutput[] | TextClassificationOutput[][]> {
  const info = infoOf(model);
  const { topK, fn, all } = resolveClassificationOptions(info, options);
  const { logits, dims: [rows, width] } = await model.classify(inputs);
  const perInput = Array.from({ length: rows }, (_, r) =>
    rankLabels(info, logits.subarray(r * width, (r + 1) * width), fn, topK));
  return shapeResults(perInput, !Array.isArray(inputs), topK, all);
}

export interface RerankOptions {
  /** How many documents to return, best first (default: all). */
  top_k?: number;
  /** Include each document's text (default false). */
  return_documents?: boolean;
}

export interface RerankResult {
  /** The document's index in the list given. */
  corpus_id: number;
  /** sigmoid of the cross-encoder's logit (never softmax: over one logit it is always 1). */
  score: number;
  text?: string;
}

/**
 * Documents ranked by a one-logit cross-encoder (a reranker such as bge-reranker or ms-marco
 * MiniLM) for a query: each (query, document) pair through the pair template, scored by the sigmoid
 * of its logit, best first, as sentence-transformers' CrossEncoder.rank returns them.
 */
export async function rerank(model: Classifier, query: string, documents: readonly string[],
  options: RerankOptions = {}): Promise<RerankResult[]> {
  const info = infoOf(model);
  if (info.labels.length !== 1) {
    throw new InvalidArgumentError(`rerank: the model has ${info.labels.length} labels; a reranker is a cross-encoder ` +
      'with one logit (use text-classification for the others)');
  }
  if (typeof query !== 'string') throw new InvalidArgumentError('rerank: query must be a string');
  if (!Array.isArray(documents) || documents.length === 0 || !documents.every((d) => typeof d === 'string')) {
    throw new InvalidArgumentError('rerank: documents must be a non-empty array of strings');
  }
  const { top_k: topK = documents.length, return_documents: withText = false } = options;
  if (!(Number.isSafeInteger(topK) && topK >= 1)) {
    throw new InvalidArgumentError(`rerank: top_k must be a whole number >= 1, got ${JSON.stringify(topK)}`);
  }
  const { logits } = await model.classify(documents.map((text_pair) => ({ text: query, text_pair })));
  return documents.map((text, i) => ({
    corpus_id: i, score: 1 / (1 + Math.exp(-logits[i]!)), ...(withText ? { text } : {}),
  })).sort((a, b) => b.score - a.score).slice(0, topK);
}
