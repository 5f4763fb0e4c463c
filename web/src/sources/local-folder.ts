/**
 * The one message for a model folder on disk that is not one: missing, a
 * file, or a folder lacking config.json or the weights.
 * loadModel and every CLI command report it in this shape, in the user's
 * terms rather than the system's (no ENOENT / ENOTDIR).
 */
import { InvalidArgumentError } from '../errors.js';
import { fileErrorWords } from '../io/byte-source.js';

export const MODEL_FOLDER_SHAPE =
  'expects a model folder with config.json and model.safetensors (or shards with model.safetensors.index.json)';

/**
 * Throws InvalidArgumentError ("<who>: expects a model folder with …; got a
 * file: x") unless `path` is a folder holding config.json
 * and model.safetensors or model.safetensors.index.json. Node.js only.
 */
export async function checkModelFolder(path: string, who: string): Promise<void> {
  const fs = await import(/* @vite-ignore */ 'node:fs/promises');
  const fail = (problem: string): never => {
    throw new InvalidArgumentError(`${who}: ${MODEL_FOLDER_SHAPE}; ${problem}`);
  };
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') fail(`no such folder: ${path}`);
    fail(`cannot open ${path}: ${fileErrorWords(e)}`);
  }
  if (!stat!.isDirectory()) fail(`got a file: ${path}`);
  let names: Set<string>;
  try {
    names = new Set(await fs.readdir(path));
  } catch (e) {
    return fail(`cannot list ${path}: ${fileErrorWords(e)}`);
  }
  // tokenizer.json is optional: without it the model loads for id-level use.
  const missing = ['config.json'].filter((name) => !names.has(name));
  if (!names.has('model.safetensors') && !names.has('model.safetensors.index.json')) missing.push('model.safetensors');
  if (missing.length > 0) fail(`${path} has no ${missing.join(', ')}`);
}
