// node:http's createServer for the test servers, each response closing its connection: the client
// (fetch, undici) keeps sockets alive and reuses them, and one the server closes as idle while a
// request is being sent on it fails that fetch ("fetch failed") — rarely, but under CI's load often
// enough to fail a test now and then. A connection per request never races.
import { createServer } from 'node:http';

/** createServer(handler) whose responses say Connection: close. */
export function createTestServer(handler) {
  return createServer((req, res) => {
    res.shouldKeepAlive = false;
    handler(req, res);
  });
}
