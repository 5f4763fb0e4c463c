/**
 * Hub files in the browser's Cache API, keyed by their commit-pinned resolve
 * URL: a commit never changes, so an entry is never stale and is never
 * revalidated. A file is put only once all its bytes arrived and matched
 * the Hub's hash (the put reads a stream that is closed after the check,
 * or errored, which stores nothing). The revision a load resolved and its
 * file listing are kept too, so the same id loads offline.
 */
import { env } from '../env.js';
import type { DownloadSink } from './download.js';
import type { RepoFile, RepoSnapshot } from './listing.js';

const CACHE_NAME = 'qkv-models';

/** The cache, or undefined (Node.js, an insecure origin, env.useBrowserCache false). */
export async function openBrowserCache(): Promise<Cache | undefined> {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  if (!env.useBrowserCache || storage === undefined) return undefined;
  return storage.open(CACHE_NAME).catch(() => undefined);
}

export async function cachedResponse(cache: Cache, url: string): Promise<Response | undefined> {
  return cache.match(url).catch(() => undefined);
}

/** Puts the downloaded bytes under `url` once the download commits them. */
export function browserCacheSink(cache: Cache, url: string, file: RepoFile): DownloadSink {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => { controller = c; } });
  const headers = { 'Content-Length': String(file.size), 'Content-Type': 'application/octet-stream' };
  const stored = cache.put(url, new Response(body, { headers })).then(() => true, () => false);
  let open = true;
  const end = async (keep: boolean): Promise<void> => {
    if (!open) return;
    open = false;
    if (keep) controller.close();
    else controller.error(new Error('download not kept'));
    await stored;
  };
  return {
    resumeFrom: 0,
    async *partial() {},
    async write(bytes) {
      if (open) controller.enqueue(bytes); // a fetch chunk: never reused, so not copied
    },
    commit: () => end(true),
    abandon: () => end(false),
    discard: () => end(false),
  };
}

/** The key a revision's resolution is kept under (a URL of the Hub's revision API, never fetched as such). */
function snapshotKey(host: string, id: string, revision: string): string {
  return `${host}/api/models/${id}/revision/${encodeURIComponent(revision)}?qkv-snapshot`;
}

export async function saveSnapshot(cache: Cache, host: string, snapshot: RepoSnapshot): Promise<void> {
  const body = JSON.stringify({ commit: snapshot.commit, files: [...(snapshot.files?.values() ?? [])] });
  await cache.put(snapshotKey(host, snapshot.id, snapshot.revision), new Response(body, {
    headers: { 'Content-Type': 'application/json' },
  })).catch(() => {});
}

/** The commit and listing the last online load of `revision` resolved, or undefined. */
export async function loadSnapshot(cache: Cache, host: string, id: string, revision: string): Promise<RepoSnapshot | undefined> {
  const response = await cachedResponse(cache, snapshotKey(host, id, revision));
  if (response === undefined) return undefined;
  try {
    const { commit, files } = (await response.json()) as { commit: string; files: RepoFile[] };
    return { id, revision, commit, files: new Map(files.map((f) => [f.path, f])) };
  } catch {
    return undefined;
  }
}
