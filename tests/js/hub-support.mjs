// Shared by the Hub-id tests: a fake Hub with fixture repositories, fresh
// caches, and what the server's request log says about a load.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach } from 'node:test';
import { env } from '../../dist/index.js';
import { startFakeHub } from './fake-hub.mjs';
import { folder } from './fixtures.mjs';

/**
 * A test file's loopback fake Hub: started before its tests (`onStart` receives it) and closed after them;
 * before each test, env points at it with a fresh cache, remote models allowed and no token, and its
 * request log is emptied.
 */
export function useFakeHub(onStart) {
  let hub;
  before(async () => {
    hub = await startFakeHub();
    onStart(hub);
  });
  after(async () => {
    await hub.close();
  });
  beforeEach(() => {
    env.remoteHost = hub.url;
    env.cacheDir = freshCache();
    env.allowRemoteModels = true;
    env.accessToken = undefined;
    hub.resetRequests();
  });
}

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
