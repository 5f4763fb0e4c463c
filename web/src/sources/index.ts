/**
 * The model sources loadModel() takes, tried in order: ModelFiles, a Hub id
 * ('org/name', unless a local folder has that path), then a folder or base
 * URL. A new source is one more module here.
 */
import { InvalidArgumentError } from '../errors.js';
import type { ReadContext } from './file-input.js';
import { hubSource } from './hub.js';
import { locationSource } from './location.js';
import { modelFilesSource, type ModelFiles } from './model-files.js';
import type { ResolvedModel, SourceKind } from './source.js';

export type { FileInput, ReadContext } from './file-input.js';
export type { ModelFiles } from './model-files.js';
export type { ResolvedModel, WeightFiles } from './source.js';

/** What loadModel() and WorkerEngine.loadModel() accept. */
export type ModelSource = string | URL | ModelFiles;

const SOURCES: readonly SourceKind<ModelSource>[] = [modelFilesSource, hubSource, locationSource];

/** The files of the model `source` names. */
export async function resolveSource(source: ModelSource, context: ReadContext): Promise<ResolvedModel> {
  for (const kind of SOURCES) {
    if (kind.accepts(source)) return kind.resolve(source, context);
  }
  throw new InvalidArgumentError(`loadModel: source must be a path, a URL or { config, weights, tokenizer? }, got ${typeof source}`);
}
