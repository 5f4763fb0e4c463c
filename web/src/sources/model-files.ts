/** A model's files given one by one, as URLs, Blobs or bytes: only what is given is read. */
import { InvalidArgumentError } from '../errors.js';
import type { FileInput } from './file-input.js';
import type { SourceKind } from './source.js';

/** A model's files given one by one (URLs, Blobs or bytes). */
export interface ModelFiles {
  config: FileInput;
  /** One safetensors file, or the shards in any order. */
  weights: FileInput | readonly FileInput[];
  /** tokenizer.json (optional): without it the model loads for id-level use (model.tokenizer null). */
  tokenizer?: FileInput;
  /** tokenizer_config.json (optional): the chat template and special-token strings. */
  tokenizerConfig?: FileInput;
  /** generation_config.json (optional): its eos_token_id replaces config.json's as the default stop ids. */
  generationConfig?: FileInput;
  /**
   * Further files of the repository, keyed by their path there: a
   * sentence-transformers model's 'modules.json' and '1_Pooling/config.json'
   * (see EmbeddingDefaults), a Marian repository's 'source.spm', 'target.spm'
   * and 'vocab.json' (its tokenizer, without tokenizer.json). Only the ones given are read.
   */
  extraFiles?: Record<string, FileInput>;
}

/** The weight files as a list (one file, or the shards). */
export function weightList(weights: ModelFiles['weights']): readonly FileInput[] {
  return isWeightList(weights) ? weights : [weights];
}

function isWeightList(weights: ModelFiles['weights']): weights is readonly FileInput[] {
  return Array.isArray(weights);
}

export const modelFilesSource: SourceKind<ModelFiles> = {
  // Any object but a URL is meant as ModelFiles (null included), so a wrong one is named as such.
  accepts: (source): source is ModelFiles => typeof source === 'object' && !(source instanceof URL),

  async resolve(source) {
    if (source === null || source.config === undefined || source.weights === undefined) {
      throw new InvalidArgumentError('loadModel: give a folder path, a base URL, or { config, weights, tokenizer? }');
    }
    const files = [...weightList(source.weights)];
    if (files.length === 0) throw new InvalidArgumentError('loadModel: weights is an empty list');
    if (source.extraFiles !== undefined && (typeof source.extraFiles !== 'object' || source.extraFiles === null)) {
      throw new InvalidArgumentError('loadModel: extraFiles must be an object of { path: file }');
    }
    // Explicit files are never probed: the optional ones are read only when given.
    return {
      config: source.config, weights: { format: 'safetensors', files },
      ...(source.tokenizer !== undefined ? { tokenizer: source.tokenizer } : {}),
      ...(source.tokenizerConfig !== undefined ? { tokenizerConfig: source.tokenizerConfig } : {}),
      ...(source.generationConfig !== undefined ? { generationConfig: source.generationConfig } : {}),
      extraFile: (path) => extraFile(source.extraFiles, path),
    };
  },
};

/** A given extra file; only the object's own keys count (not 'constructor' or 'toString'). */
function extraFile(files: ModelFiles['extraFiles'], path: string): FileInput | undefined {
  return files !== undefined && Object.hasOwn(files, path) ? files[path] : undefined;
}
