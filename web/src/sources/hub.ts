/**
 * A Hub id ('org/name'): a local folder first where one is allowed (as
 * transformers.js's env.localModelPath), else the repository at one commit
 * from env.remoteHost (or the caches, offline), its model files picked
 * from the listing so that no absent optional file is ever requested.
 */
import { env } from '../env.js';
import { HubError } from '../errors.js';
import { shardFileNames } from '../io/shard-index.js';
import { isNode, locationHref } from '../platform.js';
import { hasHubIdForm } from '../hub/id.js';
import { openRepository, type Repository } from '../hub/repository.js';
import { readText, type ReadContext } from './file-input.js';
import { locationSource } from './location.js';
import type { ResolvedModel, SourceKind } from './source.js';

export const hubSource: SourceKind<string> = {
  accepts: (source): source is string => typeof source === 'string' && hasHubIdForm(source),

  async resolve(id, context) {
    const local = await localFolder(id, context);
    if (local !== undefined) return locationSource.resolve(local, context);
    return modelFromRepository(await openRepository(id, context), context);
  },
};

/**
 * The local folder or base URL an id names, if there is one: in Node.js a
 * folder at the id's path itself (a relative path is a folder when it
 * exists), then, when env.allowLocalModels, env.localModelPath + id (a page
 * asks for its config.json to learn whether it is there). A file at the
 * id's path is local too, and named as no model folder by the folder source.
 */
async function localFolder(id: string, context: ReadContext): Promise<string | undefined> {
  if (isNode) {
    const fs = await import(/* @vite-ignore */ 'node:fs/promises');
    const isFolder = async (path: string): Promise<boolean> => (await fs.stat(path).catch(() => undefined))?.isDirectory() === true;
    // Anything at that path (a folder, or a file such as 'package.json') is what the caller meant: the folder
    // source loads it or says why it is no model folder.
    if ((await fs.stat(id).catch(() => undefined)) !== undefined) return id;
    const prefixed = env.localModelPath === '' ? undefined : `${env.localModelPath.replace(/[\\/]+$/, '')}/${id}`;
    return env.allowLocalModels && prefixed !== undefined && (await isFolder(prefixed)) ? prefixed : undefined;
  }
  if (!env.allowLocalModels) return undefined;
  const base = new URL(`${env.localModelPath.replace(/\/*$/, '/')}${id}/`, locationHref()).href;
  const response = await fetch(`${base}config.json`, { method: 'HEAD', ...(context.signal ? { signal: context.signal } : {}) })
    .catch(() => undefined);
  return response?.ok === true ? base : undefined;
}

/** The repository files qkv reads, from its listing. */
export async function modelFromRepository(repo: Repository, context: ReadContext): Promise<ResolvedModel> {
  const optional = (path: string) => (repo.has(path) ? repo.file(path) : undefined);
  // A repository without tokenizer.json loads for id-level use (offline too: what was never fetched is absent).
  const tokenizer = optional('tokenizer.json');
  const tokenizerConfig = optional('tokenizer_config.json');
  const generationConfig = optional('generation_config.json');
  return {
    config: repo.file('config.json'),
    ...(tokenizer !== undefined ? { tokenizer } : {}),
    ...(tokenizerConfig !== undefined ? { tokenizerConfig } : {}),
    ...(generationConfig !== undefined ? { generationConfig } : {}),
    weights: { format: 'safetensors', files: await weightFiles(repo, context) },
    extraFile: optional,
  };
}

/** model.safetensors, or the shards model.safetensors.index.json lists. */
export async function weightFiles(repo: Repository, context: ReadContext): Promise<ResolvedModel['weights']['files']> {
  if (repo.has('model.safetensors')) return [repo.file('model.safetensors')];
  if (repo.has('model.safetensors.index.json')) {
    const index = await readText(repo.file('model.safetensors.index.json'), 'model.safetensors.index.json', context);
    return shardFileNames(index).map((name) => repo.file(name));
  }
  if (repo.offline) return [repo.file('model.safetensors')]; // names what the cache lacks
  const others = [...repo.snapshot.files!.keys()].filter((path) => /\.(bin|gguf|onnx|pt|pth|h5|msgpack)$/.test(path));
  throw new HubError('EntryNotFound', `'${repo.snapshot.id}' at revision '${repo.snapshot.revision}' has no model.safetensors `
    + `nor model.safetensors.index.json: qkv loads safetensors weights${others.length > 0 ? `; this repository has ${others.slice(0, 5).join(', ')}` : ''}.`);
}
