/**
 * One file of a model as a source names it — a path (Node.js), a URL, a
 * Blob/File or bytes — opened as a ByteSource, sized, or read as text. Every
 * model source (folder, base URL, ModelFiles, and later the Hub) reads its
 * files through these.
 */
import { FormatError, InvalidArgumentError, NetworkError } from '../errors.js';
import {
  blobSource, bufferSource, fileErrorWords, fileSize, fileSource, urlSize, urlSource, type ByteSource,
} from '../io/byte-source.js';
import type { CachedFiles } from '../io/url-cache.js';
import { isAbort, isNode, messageOf } from '../platform.js';

export type FileInput = string | URL | Blob | ArrayBuffer | Uint8Array;

/**
 * A file a source opens itself (a Hub file: from a cache, or downloaded,
 * verified and cached as it streams), with its size known up front.
 */
export interface OpenableFile {
  readonly openable: true;
  readonly name: string;
  readonly size: number | undefined;
  open(context: ReadContext): Promise<ByteSource>;
}

/** Any file a source resolves to. */
export type SourceFile = FileInput | OpenableFile;

export function isOpenable(input: unknown): input is OpenableFile {
  return typeof input === 'object' && input !== null && (input as { openable?: unknown }).openable === true;
}

/** What every read of one loadModel call shares: its cache records (for eviction) and its AbortSignal. */
export interface ReadContext {
  cached: CachedFiles;
  signal?: AbortSignal | undefined;
  /** A Hub id's branch, tag or commit (loadModel's `revision`). */
  revision?: string | undefined;
  /** The Hub access token for this load (loadModel's `accessToken`; else env.accessToken). */
  accessToken?: string | undefined;
}

/** The location of a file that may not exist (a folder's or base URL's optional files). */
export interface OptionalFile {
  optional: string;
}

/** Whether a string names something to fetch (in a page, every string does) rather than a path on disk. */
export function isFetched(text: string): boolean {
  return (/^(https?|blob|data):/i.test(text) || !isNode) && !text.startsWith('file:');
}

/** A path, or a file: URL's path. */
export function localPath(text: string): string {
  return text.startsWith('file:') ? decodeURIComponent(new URL(text).pathname) : text;
}

/** Opens a file for reading front to back; `name` names bytes and Blobs without a name of their own. */
export async function openInput(input: SourceFile, name: string, context: ReadContext): Promise<ByteSource> {
  if (isOpenable(input)) return input.open(context);
  const { cached, signal } = context;
  if (input instanceof Blob) return blobSource((input as { name?: string }).name ?? name, input);
  if (input instanceof ArrayBuffer || input instanceof Uint8Array) return bufferSource(name, input);
  const text = String(input);
  if (isFetched(text)) return urlSource(text, signal, undefined, cached);
  return fileSource(localPath(text));
}

/** A file's size without reading it (a HEAD request for a URL), or undefined when it cannot be learned so. */
export async function sizeOfInput(input: SourceFile, { cached, signal }: ReadContext): Promise<number | undefined> {
  if (isOpenable(input)) return input.size;
  if (input instanceof Blob) return input.size;
  if (input instanceof ArrayBuffer || input instanceof Uint8Array) return input.byteLength;
  const text = String(input);
  if (isFetched(text)) return urlSize(text, signal, cached);
  return fileSize(localPath(text));
}

/** A file's bytes, read whole. */
export async function readBytes(input: SourceFile, name: string, context: ReadContext): Promise<Uint8Array> {
  const src = await openInput(input, name, context);
  try {
    const bytes = new Uint8Array(src.size);
    await src.read(0, bytes);
    await src.complete?.();
    return bytes;
  } finally {
    await src.close();
  }
}

export async function readText(input: SourceFile, name: string, context: ReadContext): Promise<string> {
  return new TextDecoder().decode(await readBytes(input, name, context));
}

/** The file's text, or undefined when it does not exist (404 / ENOENT). */
export async function readOptionalText(location: string, context: ReadContext): Promise<string | undefined> {
  const bytes = await readOptionalLocation(location, context);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

/** The file's bytes, or undefined when it does not exist (404 / ENOENT). */
async function readOptionalLocation(location: string, { cached, signal }: ReadContext): Promise<Uint8Array | undefined> {
  if (isFetched(location)) {
    let response: Response;
    try {
      response = await cached.fetch(location, signal);
    } catch (e) {
      if (isAbort(e)) throw e;
      throw new NetworkError(`could not fetch ${location}: ${messageOf(e)}`, { cause: e });
    }
    if (response.status === 404) return undefined;
    if (!response.ok) throw new NetworkError(`could not fetch ${location}: HTTP ${response.status}`);
    try {
      return new Uint8Array(await response.arrayBuffer());
    } catch (e) {
      if (isAbort(e)) throw e;
      throw new NetworkError(`download of ${location} failed: ${messageOf(e)}`, { cause: e });
    }
  }
  const fs = await import(/* @vite-ignore */ 'node:fs/promises');
  try {
    return await fs.readFile(localPath(location));
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined;
    throw new InvalidArgumentError(`cannot read ${location}: ${fileErrorWords(e)}`, { cause: e });
  }
}

/** Parsed JSON; malformed text is a FormatError naming the file. */
export function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${name} is not valid JSON: ${messageOf(e)}`, { cause: e });
  }
}

function isOptionalFile(input: SourceFile | OptionalFile): input is OptionalFile {
  return typeof input === 'object' && input !== null && !(input instanceof URL) && !(input instanceof Blob) && !isOpenable(input)
    && !(input instanceof ArrayBuffer) && !(input instanceof Uint8Array) && 'optional' in input;
}

/** The bytes of an optional file: undefined when not given, or given as optional and missing. */
export async function readOptionalBytes(input: SourceFile | OptionalFile | undefined, name: string,
  context: ReadContext): Promise<Uint8Array | undefined> {
  if (input === undefined) return undefined;
  return isOptionalFile(input) ? readOptionalLocation(input.optional, context) : readBytes(input, name, context);
}

/** The parsed JSON of an optional file: undefined when not given, or given as optional and missing. */
export async function readOptionalJson(input: SourceFile | OptionalFile | undefined, name: string,
  context: ReadContext): Promise<unknown> {
  const bytes = await readOptionalBytes(input, name, context);
  return bytes === undefined ? undefined : parseJson(new TextDecoder().decode(bytes), name);
}
