/**
 * Files of a model, whatever they come from: a path (Node.js), a URL (fetched
 * and streamed), a Blob/File, or bytes already in memory. The loader reads
 * each file front to back (header first, then tensors in offset order), so a
 * source only has to support reads at non-decreasing offsets; that is what
 * lets an HTTP download stream straight into wasm memory.
 */
import { FormatError, InvalidArgumentError, NetworkError } from '../errors.js';
import { isAbort, locationHref } from '../platform.js';
import type { CachedFiles } from './url-cache.js';

export interface ByteSource {
  /** File name, for messages and progress events. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Fills `dst` with bytes [offset, offset + dst.length). Offsets must not go
   * backwards between calls. `dst` may be a view of wasm memory.
   */
  read(offset: number, dst: Uint8Array): Promise<void>;
  /**
   * Reads whatever the consumer skipped at the end of the file, after a
   * successful load, for sources that must see every byte (a verified
   * download checks its hash and commits it to the cache then; a URL being
   * written to the browser cache is stored once read to its end). Absent
   * where nothing is to be done.
   */
  complete?(): Promise<void>;
  /**
   * For a download checked against a hash: reads it to its end and rejects
   * with an IntegrityError if the bytes are not those published (asked when
   * the loader rejected the file, to tell corruption on the way from a bad
   * file). Absent for sources without a hash.
   */
  verify?(): Promise<void>;
  /** Releases file handles or connections. Safe to call twice. */
  close(): Promise<void>;
}

export type ProgressFn = (loaded: number) => void;

/** A source of bytes already in memory. */
export function bufferSource(name: string, bytes: ArrayBuffer | Uint8Array): ByteSource {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return {
    name,
    size: view.byteLength,
    async read(offset, dst) {
      checkRange(name, offset, dst.length, view.byteLength);
      dst.set(view.subarray(offset, offset + dst.length));
    },
    async close() {},
  };
}

/** A Blob or File, read slice by slice. */
export function blobSource(name: string, blob: Blob): ByteSource {
  return {
    name,
    size: blob.size,
    async read(offset, dst) {
      checkRange(name, offset, dst.length, blob.size);
      dst.set(new Uint8Array(await blob.slice(offset, offset + dst.length).arrayBuffer()));
    },
    async close() {},
  };
}

/** Words for the file-system errors a user meets when a path is wrong. */
export function fileErrorWords(e: unknown): string {
  switch ((e as { code?: string }).code) {
    case 'ENOENT': return 'no such file or folder';
    case 'ENOTDIR': return 'a part of the path is a file, not a folder';
    case 'EISDIR': return 'is a folder, not a file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    default: return (e as Error).message;
  }
}

/** A file on disk (Node.js): reads go straight into `dst`, even wasm memory. */
export async function fileSource(path: string): Promise<ByteSource> {
  const fs = await import(/* @vite-ignore */ 'node:fs/promises');
  let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
  try {
    handle = await fs.open(path, 'r');
  } catch (e) {
    const error = new InvalidArgumentError(`cannot open ${path}: ${fileErrorWords(e)}`, { cause: e });
    throw (e as { code?: string }).code === 'ENOENT' ? markMissing(error) : error;
  }
  const size = (await handle.stat()).size;
  const name = path.split(/[\\/]/).pop() ?? path;
  return {
    name,
    size,
    async read(offset, dst) {
      checkRange(name, offset, dst.length, size);
      for (let done = 0; done < dst.length; ) {
        const { bytesRead } = await handle!.read(dst, done, dst.length - done, offset + done);
        if (bytesRead === 0) throw new FormatError(`${name}: file ended at byte ${offset + done} while reading`);
        done += bytesRead;
      }
    },
    async close() {
      await handle?.close();
      handle = undefined;
    },
  };
}

/**
 * A URL, downloaded once from the start and consumed as it arrives: reads
 * at higher offsets skip the bytes in between. The size comes from
 * Content-Length; a body that ends early or runs past it is an error, so a
 * cut connection never yields a silently short model.
 */
export async function urlSource(url: string, signal?: AbortSignal, onBytes?: ProgressFn,
  files?: CachedFiles): Promise<ByteSource> {
  let response: Response;
  try {
    response = await (files ? files.fetch(url, signal) : fetch(url, signal ? { signal } : {}));
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new NetworkError(`could not fetch ${url}: ${(e as Error).message}`, { cause: e });
  }
  if (!response.ok || response.body === null) {
    const error = new NetworkError(`could not fetch ${url}: HTTP ${response.status} ${response.statusText}`);
    throw response.status === 404 ? markMissing(error) : error;
  }
  return responseSource(new URL(url, locationHref()).pathname.split('/').pop() || url, response, url,
    { onBytes, fromCache: files?.fromCache(response) ?? false });
}

export interface BodyReadOptions {
  onBytes?: ProgressFn | undefined;
  /** The response came from the browser's Cache API (see bodyChunks for why that matters). */
  fromCache?: boolean;
}

/** A successful response's body as a ByteSource, consumed as it arrives (see urlSource). */
export async function responseSource(name: string, response: Response, url: string,
  { onBytes, fromCache = false }: BodyReadOptions = {}): Promise<ByteSource> {
  const length = bodyLength(response);
  if (!Number.isSafeInteger(length) || length < 0) {
    // Without a length the loader cannot validate offsets up front: read it all.
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (e) {
      throw bodyError(e, url);
    }
    onBytes?.(bytes.byteLength);
    return bufferSource(name, bytes);
  }
  const chunks = bodyChunks(response.body!, fromCache);
  let chunk: Uint8Array = new Uint8Array(0);
  let chunkStart = 0; // file offset of chunk[0]
  let received = 0;

  /** The body's next chunk, or undefined at its end; the current chunk is given up first (the read may reuse its memory). */
  async function advance(): Promise<Uint8Array | undefined> {
    chunkStart += chunk.length;
    chunk = new Uint8Array(0);
    try {
      return await chunks.next();
    } catch (e) {
      throw bodyError(e, url, `after ${received} of ${length} bytes`);
    }
  }

  async function nextChunk(): Promise<void> {
    const value = await advance();
    if (value === undefined) throw new FormatError(`${name}: download ended after ${received} of ${length} bytes`);
    chunk = value;
    received += value.length;
    if (received > length) throw tooLong();
    onBytes?.(received);
  }
  const tooLong = (): Error => new FormatError(`${name}: server sent more than its Content-Length (${length})`);

  return {
    name,
    size: length,
    async read(offset, dst) {
      checkRange(name, offset, dst.length, length);
      if (offset < chunkStart) throw new Error(`${name}: internal error: read at ${offset} after ${chunkStart}`);
      let written = 0;
      while (written < dst.length) {
        const at = offset + written;
        while (at >= chunkStart + chunk.length) await nextChunk();
        const from = at - chunkStart;
        const take = Math.min(chunk.length - from, dst.length - written);
        dst.set(chunk.subarray(from, from + take), written);
        written += take;
      }
    },
    async complete() {
      // The bytes past the last one read (padding after the last tensor): a response being
      // written to the browser cache as it is read is stored only once read to its end.
      while (received < length) await nextChunk();
      if ((await advance()) !== undefined) throw tooLong(); // and its end: a byte more is a lying Content-Length
    },
    async close() {
      await chunks.cancel().catch(() => {});
    },
  };
}

/** Bytes read from a body at once through a BYOB reader. */
const BYOB_CHUNK_BYTES = 1 << 20;

interface BodyChunks {
  /** The next chunk, valid until the next call; undefined at the end of the body. */
  next(): Promise<Uint8Array | undefined>;
  cancel(): Promise<void>;
}

/**
 * A body's chunks in order. Where the body is a byte stream (fetch's in
 * browsers) each chunk is read into the memory of the one before: a download
 * allocates nothing per chunk. Otherwise every chunk is a new buffer, freed
 * only when V8 collects it, and V8 waits for tens of MB of dead buffers
 * before it does: during a load, that much memory on top of the model.
 *
 * A body from the Cache API is read chunk by chunk all the same, although it
 * is a byte stream too: in Chromium 156, a BYOB read of a cached body in a
 * worker was seen never to settle after the first chunk, the load then
 * waiting forever (a cached model's load stuck at its first 64 KiB, on a busy
 * machine, in tests/browser/hub.test.mjs; never with the default reader).
 */
function bodyChunks(body: ReadableStream<Uint8Array>, fromCache: boolean): BodyChunks {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    if (!fromCache) byob = body.getReader({ mode: 'byob' });
  } catch {
    // Not a byte stream: the default reader below.
  }
  if (byob === undefined) {
    const reader = body.getReader();
    return {
      async next() {
        const { done, value } = await reader.read();
        return done ? undefined : value;
      },
      cancel: () => reader.cancel(),
    };
  }
  const reader = byob;
  let memory = new ArrayBuffer(BYOB_CHUNK_BYTES);
  return {
    async next() {
      const { done, value } = await reader.read(new Uint8Array(memory));
      if (value !== undefined) memory = value.buffer as ArrayBuffer; // the same memory, handed back
      return done ? undefined : value;
    },
    cancel: () => reader.cancel(),
  };
}

/**
 * The byte length of the body fetch hands over, from Content-Length; NaN when
 * unknown. No Content-Length (a chunked body) is an unknown length, not 0; nor
 * is a compressed body's, which fetch hands over decompressed.
 */
function bodyLength(response: Response): number {
  const lengthHeader = response.headers.get('Content-Length');
  const encoding = response.headers.get('Content-Encoding');
  const length = lengthHeader === null || (encoding !== null && encoding !== 'identity') ? NaN : Number(lengthHeader);
  return Number.isSafeInteger(length) && length >= 0 ? length : NaN;
}

/** A HEAD that has not answered by then counts as "size unknown": the GET decides. */
const HEAD_TIMEOUT_MS = 10_000;

/**
 * A URL's size without downloading it: a HEAD request, or the stored response
 * when the browser cache holds the file. Undefined when it cannot be learned
 * that way (the server rejects HEAD, sends no or a compressed Content-Length,
 * the request fails or takes over 10 s): only the GET decides whether a file
 * loads. Rejects only when `signal` aborts.
 */
export async function urlSize(url: string, signal?: AbortSignal, files?: CachedFiles): Promise<number | undefined> {
  signal?.throwIfAborted();
  const request = new AbortController();
  const timer = setTimeout(() => request.abort(), HEAD_TIMEOUT_MS);
  const forward = (): void => request.abort(signal?.reason);
  signal?.addEventListener('abort', forward, { once: true });
  try {
    const response = await (files ? files.head(url, request.signal) : fetch(url, { method: 'HEAD', signal: request.signal }));
    // A cached response comes with its body, which is not needed here.
    await response.body?.cancel().catch(() => {});
    return response.ok ? sizeOrUndefined(bodyLength(response)) : undefined;
  } catch {
    signal?.throwIfAborted();
    return undefined;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', forward);
  }
}

/** A file's size on disk (Node.js), or undefined if it cannot be stat'ed (opening it reports why). */
export async function fileSize(path: string): Promise<number | undefined> {
  const fs = await import(/* @vite-ignore */ 'node:fs/promises');
  try {
    return (await fs.stat(path)).size;
  } catch {
    return undefined;
  }
}

const sizeOrUndefined = (n: number): number | undefined => (Number.isNaN(n) ? undefined : n);

function checkRange(name: string, offset: number, length: number, size: number): void {
  if (offset < 0 || offset + length > size) {
    throw new FormatError(`${name}: read of bytes [${offset}, ${offset + length}) past the end of the ${size}-byte file`);
  }
}

/** A body that failed mid-transfer (connection cut or reset): a NetworkError, or the AbortError as it is. */
function bodyError(e: unknown, url: string, where = ''): Error {
  if (isAbort(e)) return e as Error;
  const cause = (e as { cause?: { message?: string } })?.cause?.message;
  const detail = `${(e as Error)?.message ?? String(e)}${cause ? ` (${cause})` : ''}`;
  return new NetworkError(`download of ${url} failed${where ? ` ${where}` : ''}: ${detail}`, { cause: e });
}

const MISSING = Symbol('qkv.missingFile');

function markMissing<E extends Error>(error: E): E {
  return Object.assign(error, { [MISSING]: true });
}

/** Whether a source failed to open because the file does not exist (HTTP 404, ENOENT), not for another reason. */
export function isMissingFile(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { [MISSING]?: boolean })[MISSING] === true;
}
