// Shared by the Hub-id tests: a fake Hub with fixture repositories, fresh
// caches, and what the server's request log says about a load.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { folder } from './fixtures.mjs';

/** A fixture folder's files as a repository (the test-only references left out). */
export function fixtureRepo(name, { skip = [] } = {}) {
  const files = {};
  for (const file of readdirSync(folder(name))) {
    if (file.startsWith('reference') || skip.includes(file)) continue;
    files[file] = readFileSync(join(folder(name), file));
  }
  return files;
}

const made = [];

/** An empty cache folder, removed when the process exits. */
export function freshCache() {
  const dir = mkdtempSync(join(tmpdir(), 'qkv-hub-cache-'));
  made.push(dir);
  return dir;
}

process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
/** A repository id no other test uses. */
export const uniqueId = (stem) => `org/${stem}-${++counter}`;

/** Requests that fetched weight bytes: the CDN's, and resolve requests for .safetensors files. */
export const weightRequests = (hub) => hub.requests.filter((r) => r.origin === 'cdn'
  || (/\/resolve\//.test(r.path) && /\.safetensors/.test(r.path)));

/** Every request that fetched a file (resolve, resolve-cache, CDN), as `origin path`. */
export const fileRequests = (hub) => hub.requests.filter((r) => r.origin === 'cdn' || /\/(resolve|resolve-cache)\//.test(r.path));
