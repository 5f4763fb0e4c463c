/**
 * Model files fetched over HTTP(S) kept in the browser's Cache API, so a page
 * loads a model from the network once (transformers.js does the same; opt
 * out with env.useBrowserCache = false).
 *
 * The cache is written with the bytes the loader reads, as it reads them:
 * not from a copy of the response (Response.clone tees the body, and the
 * cache's branch, reading at disk speed, runs ahead of the loader's, whose
 * unread chunks then queue in the page: a whole model file in memory on top
 * of the model). So a download is held in memory one chunk at a time.
 *
 * Nothing half-written is ever kept: Cache.put commits an entry only once its
 * body has arrived in full, so a cut or aborted download, or one the reader
 * stops before its end (a GGUF header read on its own), stores nothing; and
 * a load that fails on a file (bad bytes, wrong size) cancels its downloads
 * still being written and evicts its files, so a complete but corrupt
 * download cannot be served again. A cache that stops taking bytes (a put
 * that neither reads nor fails) is given up on after a while, so it cannot
 * stall the load: the file is then simply not stored.
 */
import { env } from '../env.js';

const CACHE_NAME = 'qkv-models';

function cacheStorage(): CacheStorage | undefined {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  // Node has no Cache API; browsers only offer it in secure contexts.
  return env.useBrowserCache && storage !== undefined ? storage : undefined;
}

/** How long a download waits for a cache copy that takes no bytes before it stops copying. */
const CACHE_STALL_MS = 30_000;

/** The URLs one loadModel call fetched or read from the cache, for evicting them if it fails. */
export class CachedFiles {
  private readonly urls = new Set<string>();
  private readonly writes: Promise<void>[] = [];
  // The responses fetch() returned from the cache (not from the network).
  private readonly hits = new WeakSet<Response>();
  // Cancels this load's downloads (and so their cache writes) when it fails.
  private readonly cancel = new AbortController();

  /** @param stallMs how long a download waits for a cache that takes nothing (tests shorten it). */
  constructor(private readonly stallMs = CACHE_STALL_MS) {}

  /**
   * A cached response for url, or the network's (stored in the cache as it
   * streams, when it is a complete 200 with a known length).
   */
  async fetch(url: string, signal?: AbortSignal): Promise<Response> {
    const storage = cacheStorage();
    if (storage === undefined) return fetch(url, signal ? { signal } : {});
    this.urls.add(url);
    const cache = await storage.open(CACHE_NAME).catch(() => undefined);
    const hit = await cache?.match(url).catch(() => undefined);
    if (hit !== undefined) {
      this.hits.add(hit);
      return hit;
    }
    const response = await fetch(url, { signal: this.combined(signal) });
    if (cache === undefined || response.status !== 200 || response.headers.get('Content-Length') === null
      || response.body === null) return response;
    const init = { status: response.status, statusText: response.statusText, headers: response.headers };
    const { body, stored } = storedAsRead(response.body, (copy) => cache.put(url, new Response(copy, init)), this.stallMs);
    this.writes.push(stored);
    return new Response(body, init);
  }

  /** Whether `response` is one fetch() returned from the cache. */
  fromCache(response: Response): boolean {
    return this.hits.has(response);
  }

  /**
   * For a file's size only: the cached response if there is one (no network
   * request at all), else a HEAD request. Neither is stored nor remembered
   * for eviction: a HEAD has no body to keep.
   */
  async head(url: string, signal?: AbortSignal): Promise<Response> {
    const storage = cacheStorage();
    const cache = await storage?.open(CACHE_NAME).catch(() => undefined);
    const hit = await cache?.match(url).catch(() => undefined);
    return hit ?? fetch(url, { method: 'HEAD', ...(signal ? { signal } : {}) });
  }

  /** Forgets every file of this load (after it failed on one of them). */
  async evict(): Promise<void> {
    const storage = cacheStorage();
    if (storage === undefined || this.urls.size === 0) return;
    this.cancel.abort();
    await Promise.all(this.writes);
    const cache = await storage.open(CACHE_NAME).catch(() => undefined);
    await Promise.all([...this.urls].map((url) => cache?.delete(url).catch(() => false)));
  }

  private combined(signal: AbortSignal | undefined): AbortSignal {
    if (signal === undefined) return this.cancel.signal;
    if (signal.aborted) this.cancel.abort(signal.reason);
    else signal.addEventListener('abort', () => this.cancel.abort(signal.reason), { once: true });
    return this.cancel.signal;
  }
}

/**
 * Bytes the cache's copy may lag behind the reader: the download then waits
 * for the cache, so memory stays bounded whichever is slower.
 */
const CACHE_BACKLOG = 8 << 20;

/**
 * `source` passed through to the returned body, each chunk handed to the
 * cache's copy as the reader takes it, the reader waiting while the cache is
 * CACHE_BACKLOG behind. The copy closes when the source ends and errors when
 * the source fails, the reader cancels before the end, or the cache takes
 * nothing for `stallMs`; an errored copy makes the put reject and store
 * nothing, and a put that fails on its own (quota) only stops the copying.
 * `stored` settles when the put does.
 *
 * The body is a byte stream, as fetch's is, so its reader can read it into a
 * buffer of its own (io/byte-source.ts): the network's chunk goes to the
 * cache as it is and its bytes are copied into the reader's buffer.
 */
function storedAsRead(source: ReadableStream<Uint8Array>, put: (copy: ReadableStream<Uint8Array>) => Promise<void>,
  stallMs: number): { body: ReadableStream<Uint8Array>; stored: Promise<void> } {
  let copy!: ReadableStreamDefaultController<Uint8Array>;
  let copying = true;
  let wake = (): void => {};
  const stopCopying = (why: unknown): void => {
    if (copying) copy.error(why);
    copying = false;
    wake();
  };
  const stored = put(new ReadableStream<Uint8Array>({
    start: (c) => { copy = c; },
    // Called whenever the cache has taken enough that the backlog is under CACHE_BACKLOG.
    pull: () => wake(),
    cancel: () => {
      copying = false;
      wake();
    },
  }, { highWaterMark: CACHE_BACKLOG, size: (chunk) => chunk.byteLength })).catch(() => {});
  const cacheCaughtUp = async (): Promise<void> => {
    while (copying && (copy.desiredSize ?? 1) <= 0) {
      const woken = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), stallMs);
        wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      if (!woken) stopCopying(new Error(`the browser cache took no bytes for ${stallMs} ms`));
    }
  };
  const reader = source.getReader();
  let pending: Uint8Array | undefined; // bytes of the network's last chunk not yet in the body
  const body = new ReadableStream({
    type: 'bytes',
    // A reader without a buffer of its own gets one of this size per read: byobRequest is always there.
    autoAllocateChunkSize: 1 << 16,
    async pull(controller) {
      const request = controller.byobRequest!;
      if (pending === undefined) {
        await cacheCaughtUp();
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (e) {
          stopCopying(e);
          throw e;
        }
        if (next.done) {
          if (copying) copy.close();
          copying = false;
          controller.close();
          request.respond(0);
          return;
        }
        // The chunk itself to the cache: a fetch chunk is never reused by the stream that made it.
        if (copying) copy.enqueue(next.value);
        pending = next.value;
      }
      const view = request.view!;
      const n = Math.min(view.byteLength, pending.length);
      new Uint8Array(view.buffer, view.byteOffset, n).set(pending.subarray(0, n));
      pending = n < pending.length ? pending.subarray(n) : undefined;
      request.respond(n);
    },
    async cancel(reason) {
      stopCopying(new Error('not read to the end'));
      await reader.cancel(reason);
    },
  });
  return { body, stored };
}
