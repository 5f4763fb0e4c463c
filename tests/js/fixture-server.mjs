// A plain HTTP server over tests/fixtures for the tests that load models by
// URL: GET and HEAD with Content-Length, no Range requests, 404 otherwise.
import { createReadStream, statSync } from 'node:fs';
import { createTestServer } from './http-server.mjs';
import { join } from 'node:path';
import { folder } from './fixtures.mjs';

/**
 * Starts it on a free port of 127.0.0.1; resolves to { url, close, requests }.
 * `root` (default tests/fixtures) is the folder served; `requests` logs each
 * request as "METHOD /path", in arrival order.
 */
export async function startFixtureServer({ root = folder('') } = {}) {
  const requests = [];
  const server = createTestServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.push(`${req.method} ${pathname}`);
    const path = join(root, pathname);
    let size;
    try {
      size = statSync(path).size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Length': size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(path).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)), requests };
}
