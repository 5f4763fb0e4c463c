/**
 * A folder (Node.js path or file: URL) or a base URL holding a model in the
 * Hub layout: config.json, model.safetensors or its shards with
 * model.safetensors.index.json, and the optional tokenizer.json (without
 * it, a model for id-level use), tokenizer_config.json and
 * generation_config.json; any other file of the
 * folder (a sentence-transformers modules.json) is found by its path there.
 * A Hub id will resolve to such a base URL.
 */
import { isMissingFile, type ByteSource } from '../io/byte-source.js';
import { shardFileNames } from '../io/shard-index.js';
import { isFetched, localPath, openInput, readOptionalText, type ReadContext } from './file-input.js';
import { checkModelFolder } from './local-folder.js';
import type { ResolvedModel, SourceKind } from './source.js';

export const locationSource: SourceKind<string | URL> = {
  accepts: (source): source is string | URL => typeof source === 'string' || source instanceof URL,

  async resolve(source, context) {
    const base = String(source).replace(/\/+$/, '');
    if (!isFetched(base)) await checkModelFolder(localPath(base), 'loadModel');
    return resolveLocation((name) => `${base}/${name}`, context);
  },
};

/** The files of a folder or base URL, given how a file name joins onto it. */
export async function resolveLocation(join: (name: string) => string, context: ReadContext): Promise<ResolvedModel> {
  // The optional files are asked for too (as transformers.js does); a missing one is fine.
  return {
    config: join('config.json'), tokenizer: { optional: join('tokenizer.json') },
    tokenizerConfig: { optional: join('tokenizer_config.json') },
    generationConfig: { optional: join('generation_config.json') },
    weights: { format: 'safetensors', ...(await openWeightFiles(join, context)) },
    extraFile: (path) => ({ optional: join(path) }),
  };
}

/**
 * The weight files, with the first one opened: model.safetensors if it is
 * there (most small models), else the shards its index lists. Opening the
 * single file first costs no extra request, and a single-file model is never
 * probed for an index (a 404 a browser logs).
 */
async function openWeightFiles(join: (name: string) => string,
  context: ReadContext): Promise<{ files: string[]; first?: ByteSource }> {
  const single = join('model.safetensors');
  try {
    return { files: [single], first: await openInput(single, 'model.safetensors', context) };
  } catch (e) {
    if (!isMissingFile(e)) throw e;
    const index = await readOptionalText(join('model.safetensors.index.json'), context);
    // Neither: reading config.json, then model.safetensors, names what is missing.
    if (index === undefined) return { files: [single] };
    const files = shardFileNames(index).map(join);
    return { files, first: await openInput(files[0]!, 'model.safetensors', context) };
  }
}
