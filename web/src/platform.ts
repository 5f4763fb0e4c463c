/**
 * What differs between Node.js and browsers, and the checks on errors that
 * every layer shares (backend, worker, io, sources), defined once.
 */

/** Running under Node.js (files by path, worker_threads, node:os), not in a page or Web Worker. */
export const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

/** The URL that relative URLs resolve against: the page's or worker's location; undefined in Node.js. */
export function locationHref(): string | undefined {
  return (globalThis as { location?: { href?: string } }).location?.href;
}

/** Whether `e` is an abort (an AbortSignal fired), which is passed on as it is, never wrapped. */
export function isAbort(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'name' in e && e.name === 'AbortError';
}

/** An error's message, whatever was thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : String(e);
}

/**
 * Resolves after one turn of the event loop (setImmediate, or a MessageChannel: setTimeout clamps to 4 ms), so
 * that timers and messages (an abort) run between the steps of a long computation.
 */
export function nextTask(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
