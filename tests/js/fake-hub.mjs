// A loopback fake of the Hugging Face Hub for tests that must not reach the
// internet: a Hub origin (API, /resolve/ redirects, /api/resolve-cache/) and a
// CDN origin (LFS bytes, signed URLs), each on its own 127.0.0.1 port.
//
// Written from the clients' sources (huggingface_hub file_download.py
// hf_hub_download / get_hf_file_metadata, utils/_http.py hf_raise_for_status,
// hf_api.py model_info / list_repo_tree / get_paths_info; @huggingface/hub
// downloadFileToCacheDir, fileDownloadInfo, WebBlob, pathsInfo, listFiles,
// modelInfo) and from recorded huggingface.co responses, and checked against
// @huggingface/hub unmodified in fake-hub.test.mjs.
//
//   const hub = await startFakeHub({ treePageSize = 1000 });   // hub.url, hub.cdnUrl
//   hub.addRepo(id, files, { branch = 'main', gated = false | true | 'auto' | 'manual', private = false,
//     tags = [] (git tags on the first commit), acceptedTokens (default: every token of hub.tokens),
//     gitattributes = false (add the Hub's default .gitattributes) })          -> commit sha
//   files: { [path]: string | Uint8Array | { path: localFile } | { bytes, lfs } }; in push, null deletes.
//   hub.push(id, files, { branch, title }) -> sha; hub.tag(id, name, revision) -> sha
//   hub.tokens: Set of valid tokens ("Authorization: Bearer <t>").
//   hub.fail({ match: string | RegExp (on path + query, raw or decoded), origin: 'hub' | 'cdn',
//     times = 1, kind: { status, retryAfter } | 'cut' | 'corrupt' }). Status faults hit any
//     non-OPTIONS request; 'cut' / 'corrupt' only GETs that send bytes (CDN, resolve-cache, raw).
//   hub.requests: [{ origin, method, path, headers (lower-case), status }]; hub.resetRequests()
//   hub.onRequest = (record) => {}: called before each (non-OPTIONS, non-faulted) request is answered,
//     e.g. to push while a download is in flight
//   await hub.close()   // closes keep-alive sockets too
import { createHmac, randomBytes } from 'node:crypto';
import { createTestServer } from './http-server.mjs';
import {
  cdnCorsHeaders, headerSafe, hubCorsHeaders, sendBody, sendCdnError, sendContent, sendHubError, sendJson,
  sendPreflight,
} from './fake-hub/http.mjs';
import { RepoStore, listPaths, repoRefs, resolveRevision, treeEntry } from './fake-hub/store.mjs';

// The `expand` values /api/models/{id} accepts (listed by the Hub's own 400
// error); the ones the fake knows are returned, the others are left out.
const MODEL_EXPAND_KEYS = new Set(['author', 'baseModels', 'cardData', 'config', 'createdAt', 'disabled', 'downloads',
  'downloadsAllTime', 'evalResults', 'gated', 'inference', 'inferenceProviderMapping', 'lastModified', 'library_name',
  'likes', 'mask_token', 'model-index', 'pipeline_tag', 'private', 'safetensors', 'sha', 'siblings', 'spaces', 'tags',
  'transformersInfo', 'trendingScore', 'widgetData', 'gguf', 'resourceGroup', 'xetEnabled', 'childrenModelCount',
  'usedStorage']);
const CDN_URL_LIFETIME = 3600; // seconds, like the Hub's signed CDN URLs

/** Starts both origins; resolves to the `hub` object described in the header. */
export async function startFakeHub({ treePageSize = 1000 } = {}) {
  const store = new RepoStore();
  const signingKey = randomBytes(32);
  const faults = [];
  let requestCount = 0;

  const hub = {
    url: '',
    cdnUrl: '',
    requests: [],
    onRequest: null,
    tokens: new Set(),
    addRepo: (id, files, opts) => store.addRepo(id, files, opts),
    push: (id, files, opts) => store.push(id, files, opts),
    tag: (id, name, commit) => store.tag(id, name, commit),
    fail({ match, origin, times = 1, kind }) {
      if (!(typeof match === 'string' || match instanceof RegExp)) throw new Error('fake-hub: fail() needs match: string | RegExp');
      if (!(kind === 'cut' || kind === 'corrupt' || Number.isInteger(kind?.status))) throw new Error(`fake-hub: unknown fault kind ${JSON.stringify(kind)}`);
      faults.push({ match, origin, remaining: times, kind });
    },
    resetRequests() {
      hub.requests.length = 0;
    },
    close: () => Promise.all([hubServer, cdnServer].map(stop)),
  };

  /** The first armed fault for this request; body faults only apply to GETs that send bytes. */
  function takeFault(origin, req, body) {
    const url = req.url;
    const decoded = safeDecode(url);
    const hit = (m) => (typeof m === 'string' ? url.includes(m) || decoded.includes(m) : m.test(url) || m.test(decoded));
    const fault = faults.find((f) => {
      if (f.match instanceof RegExp) f.match.lastIndex = 0;
      return f.remaining > 0 && (!f.origin || f.origin === origin) && (f.kind === 'cut' || f.kind === 'corrupt') === body && hit(f.match);
    });
    if (fault) fault.remaining--;
    return fault ?? null;
  }

  function handle(origin, req, res) {
    const record = { origin, method: req.method, path: req.url, headers: { ...req.headers }, status: undefined };
    hub.requests.push(record);
    const writeHead = res.writeHead;
    res.writeHead = function (status, ...rest) {
      record.status = status;
      return writeHead.call(this, status, ...rest);
    };
    const isHub = origin === 'hub';
    const cors = isHub ? hubCorsHeaders(req, hub.url) : cdnCorsHeaders();
    for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
    if (isHub) res.setHeader('X-Request-Id', `Root=1-${(++requestCount).toString(16).padStart(8, '0')}-fakehub`);
    if (req.method === 'OPTIONS') return sendPreflight(req, res, cors['Access-Control-Allow-Origin']);
    const fault = takeFault(origin, req, false);
    if (fault) return sendStatusFault(req, res, isHub, fault.kind);
    // hub.onRequest runs first, so a test can change the Hub (push) before this request is answered.
    const route = isHub ? routeHub : routeCdn;
    Promise.resolve()
      .then(() => hub.onRequest?.(record))
      .then(() => route(req, res, () => takeFault(origin, req, true)))
      .catch((error) => {
        if (res.headersSent) res.destroy();
        else sendBody(req, res, 500, `fake-hub: ${error.stack}`, { 'Content-Type': 'text/plain; charset=utf-8' });
      });
  }

  // ---- Hub origin ------------------------------------------------------------

  async function routeHub(req, res, takeBodyFault) {
    const url = new URL(req.url, hub.url);
    const segs = url.pathname.split('/').slice(1).map(safeDecode);
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (segs[0] === 'api' && segs[1] === 'models' && segs.length >= 4) {
      const id = `${segs[2]}/${segs[3]}`;
      const [kind, ...rest] = segs.slice(4);
      if (kind === undefined && get) return modelInfo(req, res, url, id, ['HEAD']);
      if (kind === 'revision' && get && rest.length) return modelInfo(req, res, url, id, rest);
      if (kind === 'tree' && get && rest.length) return tree(req, res, url, id, rest);
      if (kind === 'paths-info' && req.method === 'POST' && rest.length) return pathsInfo(req, res, id, rest);
      if (kind === 'refs' && get && !rest.length) return refs(req, res, id);
    }
    if (segs[0] === 'api' && segs[1] === 'resolve-cache' && segs[2] === 'models' && segs.length >= 7 && get) {
      return resolveCache(req, res, `${segs[3]}/${segs[4]}`, segs[5], segs.slice(6).join('/'), takeBodyFault);
    }
    if ((segs[2] === 'resolve' || segs[2] === 'raw') && segs.length >= 5 && get) {
      return resolve(req, res, url, `${segs[0]}/${segs[1]}`, segs[2], segs.slice(3), takeBodyFault);
    }
    sendHubError(req, res, 404, { message: "Sorry, we can't find the page you are looking for.", json: true });
  }

  /**
   * The Hub's access rules (huggingface_hub utils/_http.py, and live answers):
   * an unknown or private repo is 401 "Invalid username or password." without
   * an X-Error-Code for an anonymous caller, 404 RepoNotFound for a valid
   * token; a gated repo's files are 401 GatedRepo anonymously and 403
   * GatedRepo for a token that has not accepted the conditions, while its
   * metadata (info, tree, paths-info) stays public. A token the Hub does not
   * know is ignored on public repos and refused (401) elsewhere. Returns true
   * when access is granted, after sending the error otherwise.
   */
  function allowed(req, res, repo, { files, json }) {
    const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const valid = token !== undefined && hub.tokens.has(token);
    const granted = Boolean(repo) && valid && (!repo.acceptedTokens || repo.acceptedTokens.has(token));
    const restricted = !repo || repo.private || (files && repo.gated);
    if (!restricted || granted) return true;
    const authenticate = { 'WWW-Authenticate': 'Bearer realm="Authentication required", charset="UTF-8"' };
    if (token !== undefined && !valid) {
      sendHubError(req, res, 401, { message: 'Invalid credentials in Authorization header', json, headers: authenticate });
    } else if (!repo || repo.private) {
      if (valid) sendHubError(req, res, 404, { code: 'RepoNotFound', message: 'Repository not found', json });
      else sendHubError(req, res, 401, { message: 'Invalid username or password.', json, headers: authenticate });
    } else if (valid) {
      const message = `Access to model ${repo.id} is restricted and you are not in the authorized list. Visit ${hub.url}/${repo.id} to ask for access.`;
      sendHubError(req, res, 403, { code: 'GatedRepo', message, json });
    } else {
      const message = `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`;
      sendHubError(req, res, 401, { code: 'GatedRepo', message, json, headers: authenticate });
    }
    return false;
  }

  /**
   * Splits decoded path segments into a revision and a path. Clients encode
   * the revision as one segment (refs%2Fpr%2F1) in resolve URLs but
   * @huggingface/hub listFiles does not in tree URLs, so the longest prefix
   * that names a revision wins.
   */
  function splitRevision(repo, segs, needPath) {
    for (let k = needPath ? segs.length - 1 : segs.length; k >= 1; k--) {
      const commit = resolveRevision(repo, segs.slice(0, k).join('/'));
      if (commit) return { commit, path: segs.slice(k).join('/') };
    }
    return { commit: null, rev: segs[0] };
  }

  function revisionNotFound(req, res, rev, json) {
    sendHubError(req, res, 404, { code: 'RevisionNotFound', message: `Invalid rev id: ${rev}`, json });
  }

  /** GET /api/models/{id}[/revision/{rev}]: huggingface_hub hf_api.py ModelInfo; `expand` narrows it to { _id, id, ...fields }. */
  function modelInfo(req, res, url, id, revSegs) {
    const repo = store.repos.get(id);
    if (!allowed(req, res, repo, { files: false, json: true })) return;
    const { commit, rev } = splitRevision(repo, revSegs, false);
    if (!commit) return revisionNotFound(req, res, rev, true);
    const blobs = url.searchParams.get('blobs') === 'true';
    const siblings = listPaths(commit, '', true).filter((p) => commit.files.has(p)).map((p) => {
      const f = commit.files.get(p);
      if (!blobs) return { rfilename: p };
      return { rfilename: p, blobId: f.oid, size: f.size, ...(f.lfs && { lfs: { sha256: f.sha256, size: f.size, pointerSize: f.pointerSize } }) };
    });
    const full = {
      _id: repo._id, id, modelId: id, author: id.split('/')[0], sha: commit.sha, lastModified: commit.date,
      createdAt: repo.createdAt, private: repo.private, disabled: false, gated: repo.gated, downloads: 0, likes: 0,
      tags: [], siblings, spaces: [],
      usedStorage: [...commit.files.values()].reduce((n, f) => n + f.size, 0),
    };
    const expand = [...url.searchParams.getAll('expand'), ...url.searchParams.getAll('expand[]')];
    const unknown = expand.find((key) => !MODEL_EXPAND_KEYS.has(key));
    if (unknown) return sendHubError(req, res, 400, { message: `Invalid expand value: ${unknown}`, json: true });
    if (!expand.length) return sendJson(req, res, 200, full);
    const picked = { _id: full._id, id };
    for (const key of expand) if (key in full) picked[key] = full[key];
    sendJson(req, res, 200, picked);
  }

  /**
   * GET /api/models/{id}/tree/{rev}[/{path}]?recursive=&expand=&limit=&cursor=
   * (huggingface_hub hf_api.py list_repo_tree, @huggingface/hub listFiles):
   * pages of treePageSize entries (at most 50 with expand, as the Hub), the
   * next page in `Link: <absolute url>; rel="next"`, whose cursor is the
   * Hub's base64(base64(json{file_name}) + ":" + limit).
   */
  function tree(req, res, url, id, segs) {
    const repo = store.repos.get(id);
    if (!allowed(req, res, repo, { files: false, json: true })) return;
    const { commit, rev, path } = splitRevision(repo, segs, false);
    if (!commit) return revisionNotFound(req, res, rev, true);
    if (path && !commit.children.has(path)) {
      return sendHubError(req, res, 404, { code: 'EntryNotFound', message: `${path} does not exist on "${segs[0]}"`, json: true });
    }
    const flag = (name) => ['true', '1', 'True'].includes(url.searchParams.get(name));
    const expand = flag('expand');
    const maxPage = expand ? Math.min(treePageSize, 50) : treePageSize;
    const limit = Math.min(Number(url.searchParams.get('limit')) || maxPage, maxPage);
    const paths = listPaths(commit, path, flag('recursive'));
    let start = 0;
    const cursor = url.searchParams.get('cursor');
    if (cursor) {
      const after = decodeCursor(cursor);
      start = paths.indexOf(after) + 1;
      if (!start) return sendHubError(req, res, 400, { message: 'Invalid cursor', json: true });
    }
    const page = paths.slice(start, start + limit);
    const headers = {};
    if (start + limit < paths.length) {
      const next = new URL(url.pathname, hub.url);
      for (const name of ['recursive', 'expand']) next.searchParams.set(name, String(flag(name)));
      next.searchParams.set('limit', String(limit));
      next.searchParams.set('cursor', encodeCursor(page[page.length - 1], limit));
      headers.Link = `<${next.href}>; rel="next"`;
    }
    sendJson(req, res, 200, page.map((p) => treeEntry(repo, commit, p, expand)), headers);
  }

  /**
   * POST /api/models/{id}/paths-info/{rev}: JSON {paths, expand} from
   * @huggingface/hub pathsInfo, or the form huggingface_hub get_paths_info
   * posts (paths=a&paths=b&expand=True). Unknown paths are left out.
   */
  async function pathsInfo(req, res, id, revSegs) {
    const repo = store.repos.get(id);
    const text = await readBody(req);
    if (!allowed(req, res, repo, { files: false, json: true })) return;
    const { commit, rev } = splitRevision(repo, revSegs, false);
    if (!commit) return revisionNotFound(req, res, rev, true);
    let paths;
    let expand;
    if ((req.headers['content-type'] ?? '').includes('application/json')) {
      const body = parseJson(text);
      paths = body?.paths;
      expand = body?.expand === true;
    } else {
      const form = new URLSearchParams(text);
      paths = form.getAll('paths');
      expand = ['true', 'True', '1'].includes(form.get('expand'));
    }
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) {
      return sendHubError(req, res, 400, { message: 'Expected "paths" to be an array of strings', json: true });
    }
    sendJson(req, res, 200, paths.map((p) => treeEntry(repo, commit, p, expand)).filter(Boolean));
  }

  function refs(req, res, id) {
    const repo = store.repos.get(id);
    if (allowed(req, res, repo, { files: false, json: true })) sendJson(req, res, 200, repoRefs(repo));
  }

  /**
   * HEAD|GET /{id}/resolve/{rev}/{path} (huggingface_hub file_download.py
   * get_hf_file_metadata): an LFS file is a 302 to a signed, absolute CDN URL
   * with X-Linked-Etag (its sha256) and X-Linked-Size; a git file is a 307 to
   * the relative /api/resolve-cache/ URL at the resolved commit. Both carry
   * X-Repo-Commit, as do the EntryNotFound 404s. /raw/ serves the git blob
   * (the LFS pointer for an LFS file) directly.
   */
  async function resolve(req, res, url, id, kind, segs, takeBodyFault) {
    const repo = store.repos.get(id);
    if (!allowed(req, res, repo, { files: true, json: false })) return;
    const { commit, rev, path } = splitRevision(repo, segs, true);
    if (!commit) return revisionNotFound(req, res, rev, false);
    const file = commit.files.get(path);
    const headers = { 'X-Repo-Commit': commit.sha, 'Accept-Ranges': 'bytes' };
    if (!file) return sendHubError(req, res, 404, { code: 'EntryNotFound', message: 'Entry not found', json: false, headers });
    Object.assign(headers, { ETag: `"${file.oid}"`, 'Content-Disposition': contentDisposition(path) });
    if (kind === 'raw') {
      const bytes = file.lfs ? file.pointer : null;
      return sendContent(req, res, { source: bytes ? { bytes } : file.source, size: bytes ? bytes.length : file.size,
        headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }, takeBodyFault });
    }
    if (file.lfs) {
      const location = cdnLocation(repo, file, url.searchParams.has('noContentDisposition') ? null : contentDisposition(path));
      return sendBody(req, res, 302, `Found. Redirecting to ${location}`, {
        ...headers, Location: location, 'X-Linked-Etag': `"${file.sha256}"`, 'X-Linked-Size': String(file.size),
        'Content-Type': 'text/plain; charset=utf-8',
      });
    }
    const original = `/${id}/resolve/${segs.slice(0, segs.length - path.split('/').length).join('/')}/${path}`;
    const location = `/api/resolve-cache/models/${id}/${commit.sha}/${encodePath(path)}?${encodeURIComponent(original)}=&etag=${encodeURIComponent(`"${file.oid}"`)}`;
    sendBody(req, res, 307, `Temporary Redirect. Redirecting to ${location}`, {
      ...headers, Location: location, 'X-Linked-Etag': `"${file.oid}"`, 'Content-Type': 'text/plain; charset=utf-8',
    });
  }

  /** HEAD|GET /api/resolve-cache/models/{id}/{commit}/{path}: the bytes of a git file; the Hub answers 400 to a non-sha revision. */
  async function resolveCache(req, res, id, sha, path, takeBodyFault) {
    const repo = store.repos.get(id);
    if (!allowed(req, res, repo, { files: true, json: false })) return;
    if (!/^[0-9a-f]{40}$/.test(sha)) return sendHubError(req, res, 400, { message: `Invalid commit sha: ${sha}`, json: false });
    const commit = repo.commits.get(sha);
    if (!commit) return revisionNotFound(req, res, sha, false);
    const file = commit.files.get(path);
    const headers = { 'X-Repo-Commit': sha };
    if (!file) return sendHubError(req, res, 404, { code: 'EntryNotFound', message: 'Entry not found', json: false, headers });
    Object.assign(headers, { ETag: `"${file.oid}"`, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Disposition': contentDisposition(path) });
    if (req.headers['if-none-match'] === `"${file.oid}"`) return sendBody(req, res, 304, '', headers);
    await sendContent(req, res, { source: file.source, size: file.size, headers, takeBodyFault });
  }

  // ---- CDN origin ----------------------------------------------------------------

  /** An absolute, signed CDN URL: /repos/<2 hex>/<2 hex>/<repo hash>/<sha256>?…&Expires=&Signature=&Key-Pair-Id= */
  function cdnLocation(repo, file, disposition) {
    const path = `/repos/${repo.hash.slice(0, 2)}/${repo.hash.slice(2, 4)}/${repo.hash}/${file.sha256}`;
    const expires = Math.floor(Date.now() / 1000) + CDN_URL_LIFETIME;
    const query = new URLSearchParams();
    if (disposition) query.set('response-content-disposition', disposition);
    query.set('Expires', String(expires));
    query.set('Signature', sign(path, expires));
    query.set('Key-Pair-Id', 'KFAKEHUB');
    return `${hub.cdnUrl}${path}?${query}`;
  }

  function sign(path, expires) {
    return createHmac('sha256', signingKey).update(`${path}\n${expires}`).digest('hex');
  }

  /** GET|HEAD of a signed CDN URL: the LFS bytes, ETag "<sha256>", Range. No token needed (or expected). */
  async function routeCdn(req, res, takeBodyFault) {
    const url = new URL(req.url, hub.cdnUrl);
    const m = /^\/repos\/[0-9a-f]{2}\/[0-9a-f]{2}\/([0-9a-f]{64})\/([0-9a-f]{64})$/.exec(url.pathname);
    const expires = Number(url.searchParams.get('Expires'));
    if (!(req.method === 'GET' || req.method === 'HEAD') || !m) return sendCdnError(req, res, 404, 'NotFound', 'Not Found');
    if (url.searchParams.get('Signature') !== sign(url.pathname, expires) || expires * 1000 < Date.now()) {
      return sendCdnError(req, res, 403, 'AccessDenied', 'Access denied');
    }
    const file = store.lfsObjects.get(`${m[1]}/${m[2]}`);
    if (!file) return sendCdnError(req, res, 404, 'NoSuchKey', 'The specified key does not exist.');
    const headers = { ETag: `"${file.sha256}"`, 'Content-Type': 'application/octet-stream' };
    const disposition = url.searchParams.get('response-content-disposition');
    if (disposition) headers['Content-Disposition'] = headerSafe(disposition);
    if (req.headers['if-none-match'] === headers.ETag) return sendBody(req, res, 304, '', headers);
    await sendContent(req, res, { source: file.source, size: file.size, headers, takeBodyFault });
  }

  /** An injected status: 429 with Retry-After and the Hub's RateLimit headers, or any other status. */
  function sendStatusFault(req, res, isHub, { status, retryAfter }) {
    const headers = {};
    if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
    if (!isHub) return sendCdnError(req, res, status, status === 403 ? 'AccessDenied' : 'Error', `injected ${status}`, headers);
    if (status === 429) {
      const bucket = req.url.startsWith('/api/') && !req.url.startsWith('/api/resolve-cache/') ? 'api' : 'resolvers';
      headers.RateLimit = `"${bucket}";r=0;t=${retryAfter ?? 300}`;
      headers['RateLimit-Policy'] = `"fixed window";"${bucket}";q=${bucket === 'api' ? 500 : 3000};w=300`;
    }
    const message = { 429: 'Too Many Requests', 403: 'Forbidden', 500: 'Internal Server Error' }[status] ?? `Error ${status}`;
    sendHubError(req, res, status, { message, json: req.url.startsWith('/api/'), headers });
  }

  const hubServer = createTestServer((req, res) => handle('hub', req, res));
  const cdnServer = createTestServer((req, res) => handle('cdn', req, res));
  hub.url = await listen(hubServer);
  hub.cdnUrl = await listen(cdnServer);
  return hub;
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

/** Closes the server and every socket, keep-alive ones included, so node --test can exit. */
function stop(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const encodePath = (path) => path.split('/').map(encodeURIComponent).join('/');

function encodeCursor(fileName, limit) {
  const inner = Buffer.from(JSON.stringify({ file_name: fileName })).toString('base64');
  return Buffer.from(`${inner}:${limit}`).toString('base64');
}

function decodeCursor(cursor) {
  const inner = Buffer.from(cursor, 'base64').toString('utf8').split(':')[0];
  return parseJson(Buffer.from(inner, 'base64').toString('utf8'))?.file_name;
}

/** The Hub's Content-Disposition for a file: inline; filename*=UTF-8''<name>; filename="<name>"; */
function contentDisposition(path) {
  const name = path.split('/').pop();
  return `inline; filename*=UTF-8''${encodeURIComponent(name)}; filename="${name.replace(/[^\x20-\x7e]|"/g, '_')}";`;
}
