// A static file server for the browser tests, on 127.0.0.1 only. Paths under
// /isolated/ are served with COOP/COEP (cross-origin isolation, so threads);
// paths under /plain/ without. Both map onto the repository root.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css',
};
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Starts the server on a free port; resolves to { url, close }. */
export function startServer() {
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://localhost');
    const match = /^\/(isolated|plain)(\/.*)$/.exec(pathname);
    const file = match && normalize(join(root, decodeURIComponent(match[2])));
    let size = -1;
    try {
      if (file && file.startsWith(root + sep)) size = statSync(file).isFile() ? statSync(file).size : -1;
    } catch {
      size = -1;
    }
    if (size < 0) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': types[extname(file)] ?? 'application/octet-stream',
      'Content-Length': size,
      'Cache-Control': 'no-store',
      ...(match[1] === 'isolated' ? isolationHeaders : {}),
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolvePromise({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}
