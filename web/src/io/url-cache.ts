/**
 * Model files fetched over HTTP(S) kept in the browser's Cache API, so a page
 * loads a model from the network once (transformers.js does the same; opt
 * out with env.useBrowserCache = false).
 *
 * Nothing half-written is ever kept: Cache.put commits an entry only once its
 * body has arrived in full, so a cut or aborted download stores nothing; and
 * a load that fails on a file (bad bytes, wrong size) cancels its downloads
 * still being written and evicts its files, so a complete but corrupt
 * download cannot be served again.
 */
import { env } from '../env.js';

const CACHE_NAME = 'qkv-models';

function cacheStorage(): CacheStorage | undefined {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  // Node has no Cache API; browsers only offer it in secure contexts.
  return env.useBrowserCache && storage !== undefined ? storage : undefined;
}

/** The URLs one loadModel call fetched or read from the cache, for evicting them if it fails. */
export class CachedFiles {
  private readonly urls = new Set<string>();
  private readonly writes: Promise<void>[] = [];
  // Cancels this load's downloads (and so their cache writes) when it fails.
  private readonly cancel = new AbortController();

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
    if (hit !== undefined) return hit;
    const response = await fetch(url, { signal: this.combined(signal) });
    if (cache !== undefined && response.status === 200 && response.headers.get('Content-Length') !== null) {
      // Written in the background from a copy of the stream; a put whose body
      // fails (cut, aborted, cancelled) rejects and stores nothing.
      this.writes.push(cache.put(url, response.clone()).catch(() => {}));
    }
    return response;
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
