/**
 * A repository at one commit: the revision (branch, tag or commit) resolved
 * first, then every file's size and hashes from the tree API at that
 * commit, so that everything loaded comes from the same commit even when
 * the branch moves during the download (huggingface_hub's hf_api.py:
 * model_info's /revision/ route, list_repo_tree's paginated /tree/ route).
 */
import { FormatError } from '../errors.js';
import { encodePath, isCommitSha } from './id.js';
import { hubFetch, type HubRequestOptions } from './http.js';

/** One file of the repository. */
export interface RepoFile {
  path: string;
  size: number;
  /** The git blob sha-1 (for an LFS file, of its pointer). */
  oid: string;
  /** An LFS file's SHA-256 (the Hub's X-Linked-Etag). */
  sha256?: string;
}

/** A repository's files at one commit. */
export interface RepoSnapshot {
  id: string;
  /** What the caller asked for: a branch, a tag or a commit. */
  revision: string;
  commit: string;
  /** Every file by path; undefined when the listing is not known (a cache read offline). */
  files: ReadonlyMap<string, RepoFile> | undefined;
}

/** The blob's name in huggingface_hub's cache (its "etag"): an LFS file's SHA-256, else its git oid. */
export function blobName(file: RepoFile): string {
  return file.sha256 ?? file.oid;
}

export interface HubEndpoint {
  host: string;
  request: HubRequestOptions;
}

/** The commit a revision names, from the Hub's revision API. */
export async function resolveCommit(endpoint: HubEndpoint, id: string, revision: string): Promise<string> {
  const url = `${endpoint.host}/api/models/${id}/revision/${encodeURIComponent(revision)}`;
  const info = await fetchJson(url, { id, revision }, endpoint);
  const sha = (info as { sha?: unknown })?.sha;
  if (typeof sha !== 'string' || !isCommitSha(sha)) {
    throw new FormatError(`the Hub's answer for ${id} at '${revision}' has no commit sha`);
  }
  return sha;
}

/** Every file at `commit` (the tree API, recursive, all pages). */
export async function listFiles(endpoint: HubEndpoint, id: string, revision: string,
  commit: string): Promise<Map<string, RepoFile>> {
  const files = new Map<string, RepoFile>();
  let url: string | undefined = `${endpoint.host}/api/models/${id}/tree/${commit}?recursive=true`;
  // A next link back to a page already read would loop: it is named at once, not after the page limit.
  const seen = new Set<string>();
  for (let page = 0; url !== undefined; page++) {
    if (page > 10_000 || seen.has(url)) throw new FormatError(`the Hub's file listing of ${id} does not end`);
    seen.add(url);
    const response = await hubFetch(url, { id, revision }, endpoint.request);
    for (const entry of parseEntries(await readJson(response, id), id)) files.set(entry.path, entry);
    url = nextPage(response.headers.get('Link'), url);
  }
  return files;
}

function parseEntries(json: unknown, id: string): RepoFile[] {
  if (!Array.isArray(json)) throw new FormatError(`the Hub's file listing of ${id} is not a list`);
  const files: RepoFile[] = [];
  for (const entry of json as unknown[]) {
    const e = entry as { type?: unknown; path?: unknown; size?: unknown; oid?: unknown; lfs?: { oid?: unknown } | null };
    if (e?.type !== 'file') continue;
    if (typeof e.path !== 'string' || typeof e.oid !== 'string' || !Number.isSafeInteger(e.size) || (e.size as number) < 0) {
      throw new FormatError(`the Hub's file listing of ${id} has a malformed entry: ${JSON.stringify(entry).slice(0, 200)}`);
    }
    const sha256 = e.lfs?.oid;
    if (sha256 !== undefined && (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256))) {
      throw new FormatError(`the Hub's file listing of ${id} gives ${e.path} a malformed SHA-256`);
    }
    files.push({ path: e.path, size: e.size as number, oid: e.oid, ...(sha256 !== undefined ? { sha256 } : {}) });
  }
  return files;
}

/** The rel="next" URL of a Link header (RFC 8288), as the Hub paginates its listings. */
function nextPage(link: string | null, current: string): string | undefined {
  const match = link?.match(/<([^>]+)>\s*;\s*rel="?next"?/);
  return match === undefined || match === null ? undefined : new URL(match[1]!, current).href;
}

async function fetchJson(url: string, target: { id: string; revision: string }, endpoint: HubEndpoint): Promise<unknown> {
  return readJson(await hubFetch(url, target, endpoint.request), target.id);
}

async function readJson(response: Response, id: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FormatError(`the Hub's answer for ${id} is not JSON: ${text.slice(0, 100)}`, { cause: e });
  }
}

/** A file's resolve URL pinned to the commit: what is fetched, and the browser cache's key. */
export function resolveUrl(host: string, pathTemplate: string, id: string, commit: string, path: string): string {
  const base = pathTemplate.replaceAll('{model}', id).replaceAll('{revision}', encodeURIComponent(commit));
  return `${host}/${base.replace(/^\/+/, '').replace(/\/?$/, '/')}${encodePath(path)}`;
}
