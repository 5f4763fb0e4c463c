// HTTP pieces shared by the fake Hub's two origins: CORS, error responses,
// JSON, and byte serving with Range and the 'cut' / 'corrupt' faults.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

// The list huggingface.co sends on every response (observed on resolve, API
// and error responses alike).
export const EXPOSE_HEADERS =
  'X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,Accept-Ranges,Content-Range,X-Linked-Size,X-Linked-ETag,X-Xet-Hash';

/**
 * CORS headers of a Hub response: the Hub reflects the page's Origin (and
 * names itself when there is none), with Vary: Origin.
 */
export function hubCorsHeaders(req, selfOrigin) {
  return {
    'Access-Control-Allow-Origin': req.headers.origin ?? selfOrigin,
    Vary: 'Origin',
    'Access-Control-Expose-Headers': EXPOSE_HEADERS,
    'Access-Control-Max-Age': '86400',
  };
}

/**
 * CORS headers of the CDN: "*". A browser reaches the CDN through the Hub's
 * cross-origin 302, after which its request Origin is "null" (Fetch
 * "redirect-taint"), so only "*" (or "null") lets the page read the bytes.
 */
export function cdnCorsHeaders() {
  return { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': `${EXPOSE_HEADERS},Content-Length` };
}

/**
 * A CORS preflight, answered as the Hub's express "cors" middleware does:
 * 204, the default method list, and the requested headers reflected
 * (Authorization, Range, Content-Type for qkv's client).
 */
export function sendPreflight(req, res, allowOrigin) {
  res.writeHead(204, {
    'Access-Control-Allow-Origin': allowOrigin,
    'Access-Control-Allow-Methods': 'GET,HEAD,PUT,PATCH,POST,DELETE',
    'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'authorization,range,content-type',
    'Access-Control-Max-Age': '86400',
    Vary: 'Origin, Access-Control-Request-Headers',
    'Content-Length': '0',
  });
  res.end();
}

/** Header values must be latin1: anything else (from a URL) is percent-encoded. */
export function headerSafe(text) {
  return /^[\x20-\x7e]*$/.test(text) ? text : encodeURI(text);
}

/** A body (none for HEAD) with its Content-Length. */
export function sendBody(req, res, status, body, headers = {}) {
  const bytes = Buffer.from(body);
  res.writeHead(status, { ...headers, 'Content-Length': String(bytes.length) });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

export function sendJson(req, res, status, value, headers = {}) {
  sendBody(req, res, status, JSON.stringify(value), { 'Content-Type': 'application/json; charset=utf-8', ...headers });
}

/**
 * A Hub error: X-Error-Code (when there is one) and X-Error-Message headers,
 * which huggingface_hub utils/_http.py hf_raise_for_status maps to its
 * exceptions. The API answers {"error": message} JSON; the resolve endpoints
 * answer the message as text/plain (both observed on huggingface.co).
 */
export function sendHubError(req, res, status, { code, message, json, headers = {} }) {
  const errorHeaders = { ...headers, 'X-Error-Message': headerSafe(message), ...(code && { 'X-Error-Code': code }) };
  if (json) sendJson(req, res, status, { error: message }, errorHeaders);
  else sendBody(req, res, status, message, { 'Content-Type': 'text/plain; charset=utf-8', ...errorHeaders });
}

/** An S3/CloudFront-style XML error, as the CDN sends them. */
export function sendCdnError(req, res, status, code, message, headers = {}) {
  const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  sendBody(req, res, status, xml, { ...headers, 'Content-Type': 'text/xml' });
}

/**
 * A single "bytes=" range (RFC 9110 14.1.2): { start, end } (inclusive),
 * 'unsatisfiable', or null to serve the whole content (no, several or
 * malformed ranges; empty content).
 */
export function parseRange(header, size) {
  const m = header && /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '') || size === 0) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return suffix === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1) };
}

/**
 * Serves `source` ({ bytes } or { file }) of `size` bytes: 200, or 206 with
 * Content-Range for a Range, or 416 with "Content-Range: bytes * /size".
 * `takeBodyFault()` is asked for a 'cut' / 'corrupt' fault only when bytes are
 * about to be sent.
 */
export async function sendContent(req, res, { source, size, headers, takeBodyFault }) {
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    sendBody(req, res, 416, '', { ...headers, 'Content-Range': `bytes */${size}` });
    return;
  }
  const start = range ? range.start : 0;
  const end = range ? range.end : size - 1;
  const length = end - start + 1;
  res.writeHead(range ? 206 : 200, {
    ...headers,
    'Accept-Ranges': 'bytes',
    'Content-Length': String(length),
    ...(range && { 'Content-Range': `bytes ${start}-${end}/${size}` }),
  });
  const fault = req.method === 'GET' && length > 0 ? takeBodyFault() : null;
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  const stream = source.bytes
    ? Readable.from([source.bytes.subarray(start, end + 1)])
    : createReadStream(source.file, { start, end });
  await pipeBody(res, stream, fault?.kind, length);
}

/** Writes the stream; 'corrupt' flips the first byte, 'cut' sends half then kills the socket. */
async function pipeBody(res, stream, kind, length) {
  const limit = kind === 'cut' ? Math.floor(length / 2) : Infinity;
  let sent = 0;
  try {
    for await (let chunk of stream) {
      if (res.destroyed) break;
      if (kind === 'corrupt' && sent === 0) {
        chunk = Buffer.from(chunk);
        chunk[0] ^= 0xff;
      }
      if (sent + chunk.length > limit) chunk = chunk.subarray(0, limit - sent);
      sent += chunk.length;
      if (chunk.length) await flushed(res, chunk);
      if (sent >= limit) break;
    }
  } finally {
    stream.destroy();
  }
  if (kind === 'cut') res.socket?.destroy();
  else res.end();
}

function flushed(res, chunk) {
  return new Promise((resolve) => {
    const done = () => {
      res.off('close', done);
      resolve();
    };
    res.once('close', done);
    res.write(chunk, done);
  });
}
