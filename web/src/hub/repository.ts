/**
 * A Hub repository at one commit, online or from the caches: its file
 * listing, and each file as an OpenableFile that reads from the cache when
 * the cache holds it and downloads it (verified, cached) when not.
 */
import { env } from '../env.js';
import { HubError, NetworkError } from '../errors.js';
import { fileSource, responseSource, type ByteSource } from '../io/byte-source.js';
import { isAbort, isNode } from '../platform.js';
import type { OpenableFile, ReadContext } from '../sources/file-input.js';
import { browserCacheSink, cachedResponse, loadSnapshot, openBrowserCache, saveSnapshot } from './browser-cache.js';
import { NO_SINK, openDownload } from './download.js';
import { isCommitSha } from './id.js';
import { listFiles, resolveCommit, resolveUrl, type HubEndpoint, type RepoFile, type RepoSnapshot } from './listing.js';
import { NodeRepoCache } from './node-cache.js';

export interface Repository {
  snapshot: RepoSnapshot;
  /** Read from the caches only: an absent file is "not cached", not "not in the repository". */
  offline: boolean;
  /** Where the files are on disk (Node.js cache), for `qkv download` to print. */
  folder: string | undefined;
  has(path: string): boolean;
  /** A listed file; an absent one is a HubError naming it. */
  file(path: string): OpenableFile;
}

/** The Hub settings of one load, read from env once so that a change mid-load cannot mix two. */
interface Settings {
  endpoint: HubEndpoint;
  template: string;
  node: NodeRepoCache | undefined;
  browser: Cache | undefined;
}

/** The repository `id` at `context.revision` (default 'main'): online, or from the caches when offline. */
export async function openRepository(id: string, context: ReadContext): Promise<Repository> {
  const revision = context.revision ?? 'main';
  const host = env.remoteHost;
  const cacheDir = env.cacheDir;
  const settings: Settings = {
    endpoint: {
      host,
      request: { token: context.accessToken ?? env.accessToken, tokenOrigin: new URL(host).origin, signal: context.signal },
    },
    template: env.remotePathTemplate,
    node: isNode && cacheDir !== undefined ? await NodeRepoCache.open(cacheDir, id) : undefined,
    browser: isNode ? undefined : await openBrowserCache(),
  };
  if (!env.allowRemoteModels) {
    return offlineRepository(id, revision, settings, 'env.allowRemoteModels is false (or HF_HUB_OFFLINE=1)');
  }
  let commit: string;
  try {
    commit = isCommitSha(revision) ? revision : await resolveCommit(settings.endpoint, id, revision);
  } catch (e) {
    if (isAbort(e) || e instanceof HubError || !(e instanceof NetworkError)) throw e;
    // The Hub cannot be reached: what the caches hold is used, as huggingface_hub does.
    try {
      return await offlineRepository(id, revision, settings, `the Hub could not be reached (${e.message})`);
    } catch {
      throw e;
    }
  }
  const files = await listFiles(settings.endpoint, id, revision, commit);
  const snapshot: RepoSnapshot = { id, revision, commit, files };
  await settings.node?.writeRef(revision, commit);
  if (settings.browser !== undefined) await saveSnapshot(settings.browser, host, snapshot);
  return repository(snapshot, false, settings.node?.snapshotDir(commit), (file) => onlineFile(snapshot, file, settings),
    (path) => new HubError('EntryNotFound', `'${id}' at revision '${revision}' (commit ${commit.slice(0, 12)}) has no file ${path}.`));
}

async function offlineRepository(id: string, revision: string, settings: Settings, why: string): Promise<Repository> {
  const notCached = (what: string): HubError => new HubError('NotCached',
    `${what} is not in the cache, and ${why}: load '${id}' once online (or run \`qkv download ${id}\`), or go online.`);
  const { node, browser } = settings;
  let snapshot: RepoSnapshot | undefined;
  if (node !== undefined) {
    const commit = isCommitSha(revision) ? revision : await node.readRef(revision);
    const files = commit === undefined ? undefined : await node.listSnapshot(commit);
    if (commit !== undefined && files !== undefined) snapshot = { id, revision, commit, files };
  } else if (browser !== undefined) {
    snapshot = await loadSnapshot(browser, settings.endpoint.host, id, revision);
  }
  if (snapshot === undefined) throw notCached(`'${id}' at revision '${revision}'`);
  const found = snapshot;
  const describe = (path: string): string => `${path} of '${id}' at revision '${revision}' (commit ${found.commit.slice(0, 12)})`;
  return repository(found, true, node?.snapshotDir(found.commit), (file) => ({
    openable: true, name: file.path, size: file.size,
    async open(): Promise<ByteSource> {
      if (node !== undefined) {
        const path = await node.find(found.commit, file);
        if (path === undefined) throw notCached(describe(file.path));
        return fileSource(path);
      }
      const url = resolveUrl(settings.endpoint.host, settings.template, id, found.commit, file.path);
      const hit = browser === undefined ? undefined : await cachedResponse(browser, url);
      if (hit === undefined) throw notCached(describe(file.path));
      return responseSource(baseName(file.path), hit, url, { fromCache: true });
    },
  }), (path) => notCached(describe(path)));
}

function repository(snapshot: RepoSnapshot, offline: boolean, folder: string | undefined, open: (file: RepoFile) => OpenableFile,
  missing: (path: string) => Error): Repository {
  const files = snapshot.files!;
  return {
    snapshot,
    offline,
    folder,
    has: (path) => files.has(path),
    file(path) {
      const file = files.get(path);
      if (file === undefined) throw missing(path);
      return open(file);
    },
  };
}

/** A file of an online repository: from the cache if it holds it, else downloaded into it. */
function onlineFile(snapshot: RepoSnapshot, file: RepoFile, settings: Settings): OpenableFile {
  const { id, revision, commit } = snapshot;
  const url = resolveUrl(settings.endpoint.host, settings.template, id, commit, file.path);
  return {
    openable: true,
    name: file.path,
    size: file.size,
    async open(): Promise<ByteSource> {
      const { node, browser } = settings;
      const cachedPath = await node?.find(commit, file);
      if (cachedPath !== undefined) return fileSource(cachedPath);
      const hit = browser === undefined ? undefined : await cachedResponse(browser, url);
      if (hit !== undefined) return responseSource(baseName(file.path), hit, url, { fromCache: true });
      const sink = node !== undefined ? await node.sink(commit, file)
        : browser !== undefined ? browserCacheSink(browser, url, file) : NO_SINK;
      return openDownload({ url, file, commit, target: { id, revision, file: file.path }, request: settings.endpoint.request, sink });
    },
  };
}

const baseName = (path: string): string => path.split('/').pop() ?? path;
