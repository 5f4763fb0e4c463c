/**
 * What the CLI reports about a model before or besides loading it: the
 * weight files and their sizes (for the progress bar's total), config.json,
 * and the parameter count and stored dtypes read from the safetensors
 * headers (the loaded Model only knows its in-memory size, which depends on
 * --dtype). Works on a folder path or an http(s) base URL, like loadModel.
 */
import { readFile, open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { FormatError, InvalidArgumentError, NetworkError } from '../errors.js';
import { fileErrorWords, fileSize as localFileSize, urlSize } from '../io/byte-source.js';
import { shardFileNames } from '../io/shard-index.js';

const isHttp = (location: string): boolean => /^https?:/i.test(location);

function localPath(location: string): string {
  return location.startsWith('file:') ? fileURLToPath(location) : location;
}

export function join(source: string, name: string): string {
  return `${source.replace(/\/+$/, '')}/${name}`;
}

async function get(location: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(location, init);
  } catch (e) {
    throw new NetworkError(`could not fetch ${location}: ${(e as Error).message}`, { cause: e });
  }
  return response;
}

/** The file's text, or undefined if it does not exist. */
export async function readOptionalText(location: string): Promise<string | undefined> {
  if (isHttp(location)) {
    const response = await get(location);
    if (response.status === 404) return undefined;
    if (!response.ok) throw new NetworkError(`could not fetch ${location}: HTTP ${response.status}`);
    return response.text();
  }
  try {
    return await readFile(localPath(location), 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined;
    throw new InvalidArgumentError(`cannot read ${location}: ${fileErrorWords(e)}`, { cause: e });
  }
}

export async function readJson(location: string): Promise<Record<string, unknown>> {
  const text = await readOptionalText(location);
  if (text === undefined) throw new InvalidArgumentError(`cannot read ${location}: no such file`);
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (e) {
    throw new FormatError(`${location} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  throw new FormatError(`${location} is not a JSON object`);
}

/** Locations of the model's safetensors files, as loadModel finds them. */
export async function weightFiles(source: string): Promise<string[]> {
  const single = join(source, 'model.safetensors');
  if ((await fileSize(single)) !== undefined) return [single];
  const index = await readOptionalText(join(source, 'model.safetensors.index.json'));
  return index === undefined ? [single] : shardFileNames(index).map((name) => join(source, name));
}

/** Size in bytes, or undefined when a server does not say or the file is missing (loadModel then names it). */
export function fileSize(location: string): Promise<number | undefined> {
  return isHttp(location) ? urlSize(location) : localFileSize(localPath(location));
}

/** Bytes [offset, offset + length) of a file (a Range request, or skipped from the body if the server ignores Range). */
async function readPrefix(location: string, offset: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  if (!isHttp(location)) {
    const handle = await open(localPath(location), 'r').catch((e: Error) => {
      throw new InvalidArgumentError(`cannot open ${location}: ${fileErrorWords(e)}`, { cause: e });
    });
    try {
      const { bytesRead } = await handle.read(out, 0, length, offset);
      if (bytesRead < length) throw new FormatError(`${location}: file ends before byte ${offset + length}`);
      return out;
    } finally {
      await handle.close();
    }
  }
  const response = await get(location, { headers: { Range: `bytes=${offset}-${offset + length - 1}` } });
  if (!response.ok || response.body === null) throw new NetworkError(`could not fetch ${location}: HTTP ${response.status}`);
  let skip = response.status === 206 ? 0 : offset;
  let filled = 0;
  const reader = response.body.getReader();
  try {
    while (filled < length) {
      const { done, value } = await reader.read();
      if (done) throw new FormatError(`${location}: file ends before byte ${offset + length}`);
      const chunk = value.subarray(Math.min(skip, value.length));
      skip -= value.length - chunk.length;
      const take = chunk.subarray(0, length - filled);
      out.set(take, filled);
      filled += take.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return out;
}

export interface WeightsSummary {
  /** Trainable parameters stored in the checkpoint (buffers such as GPT-2's attention masks left out). */
  parameters: number;
  /** Stored dtypes, e.g. ['F32'] or ['BF16']. */
  dtypes: string[];
  /** Bytes of the safetensors files. */
  fileBytes: number;
}

// Non-parameter tensors some Hub checkpoints carry: GPT-2's causal-mask
// buffers (h.N.attn.bias / masked_bias) and BERT's position_ids.
const BUFFER = /(^|\.)attn\.(bias|masked_bias)$|(^|\.)position_ids$/;

/** Parameter count and dtypes from the safetensors headers, without reading the weights. */
export async function summarizeWeights(source: string): Promise<WeightsSummary> {
  let parameters = 0;
  let fileBytes = 0;
  const dtypes = new Set<string>();
  for (const location of await weightFiles(source)) {
    fileBytes += (await fileSize(location)) ?? 0;
    const prefix = await readPrefix(location, 0, 8);
    const headerLength = Number(new DataView(prefix.buffer).getBigUint64(0, true));
    if (headerLength > 100_000_000) throw new FormatError(`${location}: not a safetensors file (header length ${headerLength})`);
    const headerBytes = await readPrefix(location, 8, headerLength);
    let header: Record<string, { dtype?: unknown; shape?: unknown }>;
    try {
      header = JSON.parse(new TextDecoder().decode(headerBytes));
    } catch (e) {
      throw new FormatError(`${location}: the safetensors header is not valid JSON`, { cause: e });
    }
    for (const [name, tensor] of Object.entries(header)) {
      if (name === '__metadata__' || BUFFER.test(name)) continue;
      if (!Array.isArray(tensor.shape)) throw new FormatError(`${location}: tensor ${name} has no shape`);
      parameters += tensor.shape.reduce((a: number, b: unknown) => a * Number(b), 1);
      dtypes.add(String(tensor.dtype));
    }
  }
  return { parameters, dtypes: [...dtypes].sort(), fileBytes };
}
