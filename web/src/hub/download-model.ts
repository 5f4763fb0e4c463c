/**
 * downloadModel(): a Hub model's files fetched into the cache without
 * loading it (Node.js: the huggingface_hub cache; a page: the browser
 * cache), so that it loads later offline. `qkv download` runs it.
 */
import { InvalidArgumentError } from '../errors.js';
import { CachedFiles } from '../io/url-cache.js';
import { LoadTotals, type ProgressInfo } from '../load-progress.js';
import { openInput, type OpenableFile, type ReadContext } from '../sources/file-input.js';
import { modelFromRepository } from '../sources/hub.js';
import { hasHubIdForm } from './id.js';
import { openRepository, type Repository } from './repository.js';

export interface DownloadModelOptions {
  /** A branch, tag or commit sha (default 'main'). */
  revision?: string;
  /** The Hub access token (default env.accessToken, i.e. HF_TOKEN in Node.js). */
  accessToken?: string;
  /** Progress over every file downloaded, in the order they download (as loadModel's, over all files). */
  onProgress?: (info: ProgressInfo) => void;
  signal?: AbortSignal;
}

export interface DownloadedModel {
  id: string;
  revision: string;
  /** The commit every file was fetched at. */
  commit: string;
  /** The repository paths now cached. */
  files: string[];
  /** Node.js: the snapshot folder in the cache (loadable as a folder); undefined in a page. */
  folder: string | undefined;
}

const CHUNK_BYTES = 4 << 20;

/** Caches the files loadModel(id) reads (see the module comment). */
export async function downloadModel(id: string, options: DownloadModelOptions = {}): Promise<DownloadedModel> {
  if (typeof id !== 'string' || !hasHubIdForm(id)) {
    throw new InvalidArgumentError(`downloadModel: expected a Hub id such as 'org/name', got ${JSON.stringify(id)}`);
  }
  const context: ReadContext = { cached: new CachedFiles(), signal: options.signal, revision: options.revision, accessToken: options.accessToken };
  const repo = await openRepository(id, context);
  const files = await modelFiles(repo, context);
  const totals = new LoadTotals(files.map((f) => f.size));
  const scratch = new Uint8Array(CHUNK_BYTES);
  for (const [index, file] of files.entries()) {
    options.signal?.throwIfAborted();
    const src = await openInput(file, file.name, context);
    try {
      for (let at = 0; at < src.size;) {
        const view = scratch.subarray(0, Math.min(CHUNK_BYTES, src.size - at));
        await src.read(at, view);
        at += view.length;
        options.onProgress?.(totals.info(index, 'progress', file.name, at, src.size));
      }
      await src.complete?.();
      options.onProgress?.(totals.info(index, 'done', file.name, src.size, src.size));
    } finally {
      await src.close();
    }
  }
  const { snapshot } = repo;
  return { id, revision: snapshot.revision, commit: snapshot.commit, files: files.map((f) => f.name), folder: repo.folder };
}

/**
 * What loadModel reads from the repository, and the sentence-transformers
 * files (modules.json, its modules' configs) that embed() reads.
 */
async function modelFiles(repo: Repository, context: ReadContext): Promise<OpenableFile[]> {
  const model = await modelFromRepository(repo, context);
  const listed = [...repo.snapshot.files!.keys()];
  const sentenceTransformers = listed.filter((path) => path === 'modules.json' || path === 'config_sentence_transformers.json'
    || path === 'sentence_bert_config.json' || /^\d+_[^/]+\/[^/]+\.json$/.test(path));
  const paths = new Set<string>(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json',
    'model.safetensors.index.json', ...sentenceTransformers]);
  const files = [...paths].filter((path) => repo.has(path)).map((path) => repo.file(path));
  return [...files, ...(model.weights.files as OpenableFile[])];
}
