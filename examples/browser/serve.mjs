// Serves the demo page with the headers that make it cross-origin isolated
// (COOP + COEP), so qkv can use its threads build. Only the page, the built
// package (dist/) and model folders are served, on 127.0.0.1.
//
//   node examples/browser/serve.mjs [--port 8080] [--host 127.0.0.1] [--no-isolation]
//
// --no-isolation leaves the headers out: qkv then runs its one-thread build and says why.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const PAGE = '/examples/browser/';
const SERVED = ['/examples/', '/dist/', '/tests/fixtures/'];
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.md': 'text/markdown; charset=utf-8',
  '.png': 'image/png',
  '.safetensors': 'application/octet-stream',
};
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** The file a request path names, or undefined when it is outside what is served. */
async function fileFor(pathname) {
  let path;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  let file = normalize(join(root, path));
  // Checked after normalizing, so '..' (even percent-encoded) cannot leave the served folders.
  const inside = file.slice(root.length).split(sep).join('/');
  if (!file.startsWith(root + sep) || !SERVED.some((prefix) => `${inside}/`.startsWith(prefix))) return undefined;
  try {
    let info = await stat(file);
    if (info.isDirectory()) {
      file = join(file, 'index.html');
      info = await stat(file);
    }
    return info.isFile() ? { file, size: info.size } : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the server; resolves to { url (of the page), close() }. Port 0 picks a free one. */
export function startDemoServer({ port = 8080, host = '127.0.0.1', isolation = true } = {}) {
  const headers = isolation ? ISOLATION : {};
  const server = createServer(async (req, res) => {
    const { pathname } = new URL(req.url, 'http://localhost');
    if (pathname === '/' || pathname === '/examples/browser') {
      res.writeHead(302, { Location: PAGE, ...headers }).end();
      return;
    }
    const found = req.method === 'GET' || req.method === 'HEAD' ? await fileFor(pathname) : undefined;
    if (found === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...headers }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(found.file)] ?? 'application/octet-stream',
      'Content-Length': found.size,
      'Cache-Control': 'no-cache',
      ...headers,
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(found.file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolvePromise({
        url: `http://${host}:${actual}${PAGE}`,
        close: () => new Promise((done) => {
          server.close(done);
          server.closeAllConnections(); // a browser's keep-alive connections would hold close() open
        }),
      });
    });
  });
}

const USAGE = `usage: node examples/browser/serve.mjs [--port N] [--host H] [--no-isolation]

Serves the demo page (examples/browser/), dist/ and tests/fixtures/ with the
cross-origin isolation headers (COOP + COEP) that qkv's threads build needs.
  --port N         port to listen on (default 8080; a free one if it is taken)
  --host H         address to listen on (default 127.0.0.1)
  --no-isolation   leave the headers out: qkv then runs its one-thread build and says why
  --help           show this help`;

function parseArgs(argv) {
  const options = { port: 8080, host: '127.0.0.1', isolation: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg === '--no-isolation') options.isolation = false;
    else if (arg === '--port') options.port = Number(argv[++i]);
    else if (arg === '--host') options.host = argv[++i];
    else throw new Error(`unknown argument ${arg} (use --port N, --host H, --no-isolation)`);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new Error('--port needs a number 0..65535');
  return options;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${e.message}\n\n${USAGE}`);
    process.exit(1);
  }
  if (options.help) {
    console.log(USAGE);
    process.exit(0);
  }
  let server;
  try {
    server = await startDemoServer(options);
  } catch (e) {
    if (e.code !== 'EADDRINUSE') throw e;
    console.log(`qkv demo: port ${options.port} is taken, using a free one`);
    server = await startDemoServer({ ...options, port: 0 });
  }
  // Handlers first: whoever reads the URL may signal at once.
  const stop = () => server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const mode = options.isolation ? 'cross-origin isolated: threads build' : 'not isolated: one-thread build';
  console.log(`qkv demo (${mode}): ${server.url}`);
  console.log('Ctrl+C stops it.');
}
