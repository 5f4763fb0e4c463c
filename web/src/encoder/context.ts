/**
 * What the encoder calls of a Model (embed, classify, classifyTokens, …) need from it: the backend,
 * the tokenizer and info, and the model's lock. Each call lives in a file of this folder as a function
 * of this context; Model's methods are the public doors to them.
 */
import type { Backend } from '../backend.js';
import type { ModelInfo } from '../model.js';
import type { Tokenizer } from '../tokenizers/index.js';
import type { ModelHandle } from '../wasm-module.js';

export interface EncoderContext {
  readonly backend: Backend;
  readonly tokenizer: Tokenizer;
  readonly info: ModelInfo;
  /**
   * Runs `work` with the live wasm model once earlier calls on the model have finished, holding the
   * model until it returns (`work` is synchronous: every wasm call of one request runs under one hold).
   */
  withHandle<T>(work: (handle: ModelHandle) => T): Promise<T>;
}

/** ids cut to `limit` tokens (the encoder's context), keeping the special token the tokenizer put at the end. */
export function fitEncoder(ids: number[], limit: number): number[] {
  if (ids.length <= limit) return ids;
  const head = ids.slice(0, limit - 1);
  head.push(ids[ids.length - 1]!); // the closing [SEP]
  return head;
}

export function isIdList(v: unknown): v is readonly number[] {
  return Array.isArray(v) && v.every((t) => Number.isInteger(t));
}
