/** Reading model.safetensors.index.json, the list of a sharded checkpoint's files. */
import { FormatError } from '../errors.js';

/** The shard file names listed by model.safetensors.index.json, sorted; names that could escape the folder are refused. */
export function shardFileNames(indexText: string): string[] {
  let index: unknown;
  try {
    index = JSON.parse(indexText);
  } catch (e) {
    throw new FormatError(`model.safetensors.index.json is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const map = (index as { weight_map?: unknown })?.weight_map;
  if (typeof map !== 'object' || map === null) throw new FormatError('model.safetensors.index.json has no weight_map object');
  const files = [...new Set(Object.values(map))];
  for (const f of files) {
    if (typeof f !== 'string' || f === '' || f.includes('/') || f.includes('\\') || f.startsWith('.')) {
      throw new FormatError(`model.safetensors.index.json names an unsafe shard file ${JSON.stringify(f)}`);
    }
  }
  return (files as string[]).sort();
}
