/**
 * What a model source resolves to, and the shape of a source module. A
 * source turns what the caller gave loadModel() (a folder, a base URL,
 * ModelFiles, a Hub id) into the model's files; everything after that
 * (reading config and tokenizer, streaming weights) is the same for all.
 */
import type { ByteSource } from '../io/byte-source.js';
import type { OptionalFile, ReadContext, SourceFile } from './file-input.js';

/**
 * The weight files and their format. Safetensors is the one format today; a
 * GGUF source will add its own variant here, streamed by its own module in
 * weights/.
 */
export interface WeightFiles {
  format: 'safetensors';
  /** One file, or the shards in the order they load (progress counts them in this order). */
  files: SourceFile[];
  /** files[0], already opened when finding the files opened it (a folder or base URL). */
  first?: ByteSource;
}

export interface ResolvedModel {
  config: SourceFile;
  /**
   * Optional files: a FileInput must exist; an `{ optional }` location may be missing. Without
   * tokenizer.json the model loads for id-level use (model.tokenizer null).
   */
  tokenizer?: SourceFile | OptionalFile;
  tokenizerConfig?: SourceFile | OptionalFile;
  generationConfig?: SourceFile | OptionalFile;
  weights: WeightFiles;
  /**
   * Any other file of the repository by its path there ('modules.json',
   * '1_Pooling/config.json'), for readers of files the model itself does not
   * need (sentence-transformers.ts). undefined: the source knows the file is
   * absent (or cannot have it); an `{ optional }` location may be missing.
   * Asking makes no request: only reading the answer does.
   */
  extraFile?: (path: string) => SourceFile | OptionalFile | undefined;
}

/** One kind of source: which inputs it takes, and how it finds their files. */
export interface SourceKind<S> {
  /** Whether `source` is this kind's (the first kind that accepts a source resolves it). */
  accepts(source: unknown): source is S;
  resolve(source: S, context: ReadContext): Promise<ResolvedModel>;
}
