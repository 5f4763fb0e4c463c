// The repositories of the fake Hub: commits with their files, branches and
// tags, revision resolution, and the entries the tree / paths-info APIs list.
// Everything about HTTP is in ../fake-hub.mjs.
import { createHash } from 'node:crypto';
import {
  LFS_SIZE_THRESHOLD, commitOid, defaultGitattributes, gitObjectId, hashSource, lfsPointer, matchesLfsPattern,
  treeOid,
} from './git.mjs';

const FIRST_COMMIT_TIME = 1_700_000_000; // seconds; each commit is one minute after the previous one

export class RepoStore {
  constructor() {
    this.repos = new Map(); // id -> repo
    this.lfsObjects = new Map(); // `${repoHash}/${sha256}` -> file, what the CDN serves
    this.clock = 0;
  }

  /** Creates repository `id` with one commit on `branch`; returns the commit sha. */
  addRepo(id, files, { branch = 'main', gated = false, private: isPrivate = false, tags = {}, acceptedTokens,
    gitattributes = false } = {}) {
    if (typeof id !== 'string' || !/^[\w.-]+\/[\w.-]+$/.test(id)) throw new Error(`fake-hub: repo id must be "org/name", got ${JSON.stringify(id)}`);
    if (this.repos.has(id)) throw new Error(`fake-hub: repo ${id} already exists`);
    const repo = {
      id,
      _id: createHash('sha1').update(id).digest('hex').slice(0, 24), // a Mongo-ObjectId-shaped id, as the Hub's
      hash: createHash('sha256').update(`models/${id}`).digest('hex'), // the repo part of CDN paths
      gated: gated === true ? 'auto' : gated, // the Hub reports false | "auto" | "manual"
      private: isPrivate,
      acceptedTokens: acceptedTokens ? new Set(acceptedTokens) : null, // null: every valid token has accepted
      defaultBranch: branch,
      branches: new Map(),
      tags: new Map(),
      commits: new Map(),
    };
    const all = gitattributes ? { '.gitattributes': defaultGitattributes(), ...files } : files;
    const commit = this.#commit(repo, null, new Map(), all, 'initial commit');
    repo.createdAt = commit.date;
    repo.branches.set(branch, commit.sha);
    this.repos.set(id, repo);
    for (const name of Array.isArray(tags) ? tags : Object.keys(tags)) repo.tags.set(name, commit.sha);
    return commit.sha;
  }

  /** A new commit on `branch` (created from the default branch if new): `files` overwrite, null deletes. */
  push(id, files, { branch, title = 'Upload files' } = {}) {
    const repo = this.#repo(id);
    const name = branch ?? repo.defaultBranch;
    const parent = repo.commits.get(repo.branches.get(name) ?? repo.branches.get(repo.defaultBranch));
    const commit = this.#commit(repo, parent.sha, parent.files, files, title);
    repo.branches.set(name, commit.sha);
    return commit.sha;
  }

  /** Points tag `name` at `commit` (any revision of the repo). */
  tag(id, name, commit) {
    const repo = this.#repo(id);
    const target = resolveRevision(repo, commit);
    if (!target) throw new Error(`fake-hub: ${id} has no revision ${commit}`);
    repo.tags.set(name, target.sha);
    return target.sha;
  }

  #repo(id) {
    const repo = this.repos.get(id);
    if (!repo) throw new Error(`fake-hub: no repo ${id}`);
    return repo;
  }

  #commit(repo, parentSha, parentFiles, changes, title) {
    const files = new Map(parentFiles);
    for (const [path, value] of Object.entries(changes)) {
      checkPath(path);
      if (value === null) files.delete(path);
      else files.set(path, this.#file(repo, path, value));
    }
    const { children, dirOids } = buildTrees(files);
    const time = FIRST_COMMIT_TIME + 60 * this.clock++;
    const sha = commitOid({ tree: dirOids.get(''), parent: parentSha, time, title });
    const parent = parentSha && repo.commits.get(parentSha);
    // "lastCommit" of a path: the newest commit that changed it (the Hub's tree ?expand=true).
    const lastCommit = new Map();
    const oidIn = (c, path) => c && (c.files.get(path)?.oid ?? c.dirOids.get(path));
    for (const path of [...files.keys(), ...dirOids.keys()]) {
      const unchanged = parent && oidIn(parent, path) === oidIn({ files, dirOids }, path);
      lastCommit.set(path, unchanged ? parent.lastCommit.get(path) : sha);
    }
    const commit = { sha, parent: parentSha, title, date: new Date(time * 1000).toISOString(), files, children, dirOids, lastCommit };
    repo.commits.set(sha, commit);
    return commit;
  }

  #file(repo, path, value) {
    let source;
    let forceLfs;
    if (typeof value === 'string' || value instanceof Uint8Array) source = { bytes: toBuffer(value) };
    else if (value && typeof value.path === 'string') source = { file: value.path };
    else if (value && (typeof value.bytes === 'string' || value.bytes instanceof Uint8Array)) {
      source = { bytes: toBuffer(value.bytes) };
      forceLfs = value.lfs;
    } else throw new Error(`fake-hub: file ${path} must be a string, a Uint8Array, { path } or { bytes, lfs }`);
    if (value && typeof value.lfs === 'boolean') forceLfs = value.lfs;
    const { size, sha256, blobOid } = hashSource(source);
    const lfs = forceLfs ?? (matchesLfsPattern(path) || size > LFS_SIZE_THRESHOLD);
    const file = { path, size, source, sha256, lfs };
    if (lfs) {
      // git stores the LFS pointer, so the tree's oid is the pointer's blob id.
      const pointer = lfsPointer(sha256, size);
      Object.assign(file, { oid: gitObjectId('blob', pointer), pointer, pointerSize: pointer.length });
      this.lfsObjects.set(`${repo.hash}/${sha256}`, file);
    } else file.oid = blobOid;
    return file;
  }
}

function toBuffer(value) {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function checkPath(path) {
  if (!path || path.startsWith('/') || path.endsWith('/') || path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`fake-hub: invalid file path ${JSON.stringify(path)}`);
  }
}

/** Directory listings (git order) and git tree ids of every directory ('' = root). */
function buildTrees(files) {
  const children = new Map([['', new Map()]]);
  for (const path of files.keys()) {
    const parts = path.split('/');
    for (let i = 0; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const child = parts.slice(0, i + 1).join('/');
      if (!children.has(dir)) children.set(dir, new Map());
      children.get(dir).set(parts[i], { path: child, dir: i < parts.length - 1 });
    }
  }
  const dirOids = new Map();
  const dirs = [...children.keys()].sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
  for (const dir of dirs) {
    const entries = [...children.get(dir)].map(([name, c]) => ({ name, dir: c.dir, oid: c.dir ? dirOids.get(c.path) : files.get(c.path).oid }));
    dirOids.set(dir, treeOid(entries));
  }
  const key = ([name, c]) => (c.dir ? `${name}/` : name);
  const sorted = new Map();
  for (const [dir, map] of children) {
    sorted.set(dir, [...map].sort((a, b) => (key(a) < key(b) ? -1 : 1)).map(([, c]) => c));
  }
  return { children: sorted, dirOids };
}

/** A branch, a tag, "HEAD" (the default branch), a full or a unique short (>= 7) commit sha. */
export function resolveRevision(repo, revision) {
  const rev = revision === 'HEAD' ? repo.defaultBranch : revision;
  const sha = repo.branches.get(rev) ?? repo.tags.get(rev);
  if (sha) return repo.commits.get(sha);
  if (/^[0-9a-f]{7,40}$/.test(rev)) {
    const matches = [...repo.commits.keys()].filter((k) => k.startsWith(rev));
    if (matches.length === 1) return repo.commits.get(matches[0]);
  }
  return null;
}

/** Paths under `dir` in the Hub's listing order: a directory comes before its content. */
export function listPaths(commit, dir, recursive) {
  const out = [];
  const walk = (d) => {
    for (const child of commit.children.get(d) ?? []) {
      out.push(child.path);
      if (recursive && child.dir) walk(child.path);
    }
  };
  walk(dir);
  return out;
}

/**
 * One entry of the tree / paths-info APIs, or null. Shape from huggingface_hub
 * hf_api.py RepoFile / RepoFolder and @huggingface/hub ApiIndexTreeEntry; no
 * xetHash, so clients download over plain HTTP.
 */
export function treeEntry(repo, commit, path, expand) {
  const file = commit.files.get(path);
  const oid = file ? file.oid : commit.dirOids.get(path);
  if (!oid || path === '') return null;
  const entry = file
    ? { type: 'file', oid, size: file.size, ...(file.lfs && { lfs: { oid: file.sha256, size: file.size, pointerSize: file.pointerSize } }), path }
    : { type: 'directory', oid, size: 0, path };
  if (expand) {
    const last = repo.commits.get(commit.lastCommit.get(path));
    entry.lastCommit = { id: last.sha, title: last.title, date: last.date };
    if (file) entry.securityFileStatus = { status: 'safe', avScan: { virusFound: false, virusNames: null }, pickleImportScan: null };
  }
  return entry;
}

/** The branches and tags of GET /api/models/{id}/refs. */
export function repoRefs(repo) {
  const list = (map, kind) => [...map].map(([name, sha]) => ({ name, ref: `refs/${kind}/${name}`, targetCommit: sha }));
  return { branches: list(repo.branches, 'heads'), tags: list(repo.tags, 'tags'), converts: [] };
}
