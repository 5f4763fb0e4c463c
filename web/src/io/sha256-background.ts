/**
 * A streaming SHA-256 computed on another thread, so that verifying a
 * download costs its loading thread only a copy of the bytes: update()
 * copies them into a batch buffer and hands each full batch (4 MiB) to a
 * hashing worker (sha256-worker.ts), transferring it; digest() flushes and
 * waits for the worker's answer. The worker hashes with node:crypto in
 * Node.js and with io/Sha256 in wasm elsewhere.
 *
 * One worker serves every hash of a page or process: started on first use,
 * then kept. In Node.js it keeps the process alive only while someone awaits
 * it (a digest() or drain()): an idle worker, or a hash that is abandoned
 * without dispose(), never holds a process open. Where it cannot start (no Worker, a Content-Security-Policy that
 * forbids it, its script failing) hashes run inline (createSha256()), with
 * the same interface.
 */
import { InternalError, InvalidArgumentError } from '../errors.js';
import { isNode, messageOf } from '../platform.js';
import type { Endpoint, WorkerLike } from '../worker/endpoint.js';
import { endpointOf } from '../worker/endpoint.js';
import type { StreamingHash } from './sha256.js';
import { createSha256 } from './sha256.js';
import type { FromHashWorker, ToHashWorker, WorkerSha256Implementation } from './sha256-worker.js';

/** A SHA-256 fed incrementally, hashed off the calling thread. */
export interface BackgroundHash {
  /** Appends bytes (any length, any view). They are copied: the caller may reuse its buffer at once. */
  update(bytes: Uint8Array): void;
  /** The digest of everything appended, as lowercase hex. Ends the hash. */
  digest(): Promise<string>;
  /** Ends the hash without a digest (a pending digest() rejects). Safe to call twice, and after digest(). */
  dispose(): void;
  /**
   * Resolves once at most `maxQueuedBytes` of the appended bytes wait to be
   * hashed: a caller that produces bytes faster than the worker hashes them
   * can await this now and then to bound the memory they hold.
   */
  drain(maxQueuedBytes?: number): Promise<void>;
  /** Whether the hash runs on a worker (false: inline, the fallback). */
  readonly inBackground: boolean;
}

/** Bytes copied per batch sent to the worker. */
export const BACKGROUND_BATCH_BYTES = 4 << 20;

/** drain()'s default bound. */
const DEFAULT_MAX_QUEUED_BYTES = 8 * BACKGROUND_BATCH_BYTES;

/**
 * Batch buffers kept for reuse when the worker sends them back (while any
 * hash is open): copying into a fresh 4 MiB buffer costs 2-3 times as much
 * as into a used one (page faults and zeroing).
 */
const SPARE_BATCHES = 8;

/** For tests and benchmarks; not part of the package's API. */
export interface BackgroundSha256Options {
  /** The worker's hash: 'auto' is node:crypto in Node.js, the wasm elsewhere. */
  implementation?: 'auto' | WorkerSha256Implementation;
  /** Another worker script (a test's, to make it fail), or false: no worker (the fallback). */
  workerUrl?: URL | false;
}

/** A streaming SHA-256 on a worker thread (inline if no worker can start). */
export async function createBackgroundSha256(options: BackgroundSha256Options = {}): Promise<BackgroundHash> {
  const implementation = options.implementation ?? 'auto';
  if (!['auto', 'node', 'wasm'].includes(implementation)) {
    throw new InvalidArgumentError(`createBackgroundSha256: implementation must be 'auto', 'node' or 'wasm', got ${String(implementation)}`);
  }
  const workerImplementation = implementation === 'auto' ? (isNode ? 'node' : 'wasm') : implementation;
  if (workerImplementation === 'node' && !isNode) {
    throw new InvalidArgumentError("createBackgroundSha256: implementation 'node' needs Node.js");
  }
  if (options.workerUrl !== false) {
    const worker = await HashWorker.shared(workerImplementation, options.workerUrl).catch(() => undefined);
    if (worker !== undefined) return worker.newHash();
  }
  return new InlineHash(await createSha256());
}

/** A SHA-256 of a file being written, read and hashed by the worker (Node.js). */
export interface FileTailHash {
  /** The file now holds its first `end` bytes: the worker hashes up to there. Ends never decrease. */
  extend(end: number): void;
  /** The digest of the file's first (last extended) bytes. Ends the hash. */
  digest(): Promise<string>;
  dispose(): void;
}

/**
 * Hashes the file at `path` as it is written (Node.js only): the worker reads
 * each extent from the page cache, so the writing thread neither copies nor
 * hashes. Undefined where it cannot (a page, or no worker): use
 * createBackgroundSha256() then.
 */
export async function createFileTailSha256(path: string, options: BackgroundSha256Options = {}): Promise<FileTailHash | undefined> {
  if (!isNode || options.workerUrl === false) return undefined;
  const worker = await HashWorker.shared('node', options.workerUrl).catch(() => undefined);
  if (worker === undefined) return undefined;
  const hash = worker.newHash();
  hash.watchFile(path);
  return {
    extend: (end) => hash.extendTo(end),
    digest: () => hash.digest(),
    dispose: () => hash.dispose(),
  };
}

function finished(): InvalidArgumentError {
  return new InvalidArgumentError('the hash was already digested or disposed');
}

/** The shared workers, by implementation and script. A failed start is remembered: it would fail again. */
const workers = new Map<string, Promise<HashWorker>>();

class HashWorker {
  private readonly hashes = new Map<number, WorkerHash>();
  private readonly spare: ArrayBuffer[] = [];
  private nextId = 1;
  private failure: Error | undefined;
  private held = false;

  private constructor(private readonly endpoint: Endpoint, private readonly key: string) {}

  static shared(implementation: WorkerSha256Implementation, url: URL | undefined): Promise<HashWorker> {
    const key = `${implementation} ${url?.href ?? ''}`;
    let worker = workers.get(key);
    if (worker === undefined) workers.set(key, (worker = HashWorker.start(implementation, url, key)));
    return worker;
  }

  private static async start(implementation: WorkerSha256Implementation, url: URL | undefined, key: string): Promise<HashWorker> {
    const port = await startWorker(url);
    const endpoint = endpointOf(port);
    const worker = new HashWorker(endpoint, key);
    return new Promise<HashWorker>((resolve, reject) => {
      let ready = false;
      endpoint.listen(
        (data) => {
          const message = data as FromHashWorker;
          if (message.type === 'ready') {
            ready = true;
            endpoint.keepAlive?.(false);
            resolve(worker);
          } else if (message.type === 'failed') {
            endpoint.terminate?.();
            reject(new InternalError(`the SHA-256 worker could not start: ${message.message}`));
          } else {
            worker.receive(message);
          }
        },
        (error) => {
          if (ready) worker.fail(new InternalError(`the SHA-256 worker stopped: ${error.message}`));
          else {
            endpoint.terminate?.();
            reject(error);
          }
        },
      );
      endpoint.post({ type: 'init', implementation } satisfies ToHashWorker);
    });
  }

  newHash(): WorkerHash {
    const hash = new WorkerHash(this, this.nextId++);
    if (this.failure !== undefined) hash.fail(this.failure);
    this.hashes.set(hash.id, hash);
    return hash;
  }

  /** A batch buffer: one the worker sent back, or a new one. */
  takeBuffer(): ArrayBuffer {
    return this.spare.pop() ?? new ArrayBuffer(BACKGROUND_BATCH_BYTES);
  }

  post(message: ToHashWorker, transfer: ArrayBuffer[] = []): void {
    if (this.failure === undefined) this.endpoint.post(message, transfer);
  }

  /** The hash is over: the worker forgets it; with no hash left, it idles. */
  forget(hash: WorkerHash, release: boolean): void {
    if (this.hashes.get(hash.id) !== hash) return;
    this.hashes.delete(hash.id);
    if (release) this.post({ type: 'release', id: hash.id });
    if (this.hashes.size === 0) this.spare.length = 0;
    this.refresh();
  }

  /** Node.js: the worker keeps the process alive while a hash awaits it. */
  refresh(): void {
    const awaited = [...this.hashes.values()].some((hash) => hash.awaitsWorker());
    if (awaited !== this.held) this.endpoint.keepAlive?.((this.held = awaited));
  }

  private receive(message: FromHashWorker): void {
    if (message.type === 'done' && this.hashes.size > 0 && this.spare.length < SPARE_BATCHES && message.buffer.byteLength === BACKGROUND_BATCH_BYTES) {
      this.spare.push(message.buffer);
    }
    if ('id' in message) this.hashes.get(message.id)?.receive(message);
  }

  /** The worker stopped after it started: its hashes fail, and the next createBackgroundSha256() starts a new worker. */
  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    workers.delete(this.key);
    this.endpoint.terminate?.();
    for (const hash of this.hashes.values()) hash.fail(error);
    this.hashes.clear();
  }
}

/** Starts sha256-worker.js (or `url`); throws where workers cannot start. */
async function startWorker(url: URL | undefined): Promise<WorkerLike> {
  if (isNode) {
    const { Worker } = await import(/* @vite-ignore */ 'node:worker_threads');
    return (url === undefined ? new Worker(new URL('./sha256-worker.js', import.meta.url)) : new Worker(url)) as unknown as WorkerLike;
  }
  if (typeof Worker !== 'function') throw new Error('no Worker in this runtime');
  // Written out in full so bundlers (Vite, webpack) see and bundle the worker.
  return url === undefined ? new Worker(new URL('./sha256-worker.js', import.meta.url), { type: 'module' }) : new Worker(url, { type: 'module' });
}

interface Waiter {
  maxQueuedBytes: number;
  resolve(): void;
  reject(error: Error): void;
}

class WorkerHash implements BackgroundHash {
  readonly inBackground = true;
  private batch: Uint8Array | undefined;
  private filled = 0;
  /** Bytes sent to the worker and not yet hashed. */
  private queued = 0;
  private open = true;
  private failure: Error | undefined;
  private result: { resolve(hex: string): void; reject(error: Error): void } | undefined;
  private waiters: Waiter[] = [];

  constructor(private readonly worker: HashWorker, readonly id: number) {}

  update(bytes: Uint8Array): void {
    if (!this.open) throw finished();
    if (this.failure !== undefined) throw this.failure;
    for (let at = 0; at < bytes.length; ) {
      this.batch ??= new Uint8Array(this.worker.takeBuffer());
      const n = Math.min(bytes.length - at, this.batch.length - this.filled);
      this.batch.set(bytes.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === this.batch.length) this.flush();
    }
  }

  digest(): Promise<string> {
    if (!this.open) return Promise.reject(finished());
    this.open = false;
    if (this.failure !== undefined) return Promise.reject(this.failure);
    this.flush();
    this.batch = undefined;
    return new Promise<string>((resolve, reject) => {
      this.result = { resolve, reject };
      this.worker.post({ type: 'digest', id: this.id });
      this.worker.refresh();
    });
  }

  dispose(): void {
    const pending = this.result;
    if (!this.open && pending === undefined) return;
    this.open = false;
    this.batch = undefined;
    this.worker.forget(this, true);
    this.settle(new InvalidArgumentError('the hash was disposed before its digest'));
  }

  /** This hash reads the file at `path` (FileTailHash) instead of being sent bytes. */
  watchFile(path: string): void {
    this.worker.post({ type: 'file', id: this.id, path });
  }

  private extended = 0;

  extendTo(end: number): void {
    if (!this.open) throw finished();
    if (this.failure !== undefined) throw this.failure;
    if (end <= this.extended) return;
    this.queued += end - this.extended;
    this.extended = end;
    this.worker.post({ type: 'extent', id: this.id, end });
  }

  drain(maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.queued <= maxQueuedBytes) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ maxQueuedBytes, resolve, reject });
      this.worker.refresh();
    });
  }

  receive(message: FromHashWorker): void {
    if (message.type === 'done' || message.type === 'extended') {
      this.queued -= message.length;
      this.waiters = this.waiters.filter((w) => (this.queued <= w.maxQueuedBytes ? (w.resolve(), false) : true));
      this.worker.refresh();
    } else if (message.type === 'digest') {
      const result = this.result;
      this.result = undefined;
      this.worker.forget(this, false);
      result?.resolve(message.hex);
    } else if (message.type === 'error') {
      this.worker.forget(this, true);
      this.fail(new InternalError(`the SHA-256 worker failed: ${message.message}`));
    }
  }

  awaitsWorker(): boolean {
    return this.result !== undefined || this.waiters.length > 0;
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.settle(this.failure);
  }

  private settle(error: Error): void {
    const result = this.result;
    this.result = undefined;
    result?.reject(error);
    for (const w of this.waiters) w.reject(error);
    this.waiters = [];
  }

  private flush(): void {
    if (this.batch === undefined || this.filled === 0) return;
    const { buffer } = this.batch;
    this.worker.post({ type: 'update', id: this.id, buffer: buffer as ArrayBuffer, length: this.filled }, [buffer as ArrayBuffer]);
    this.queued += this.filled;
    this.batch = undefined;
    this.filled = 0;
  }
}

/** The fallback: createSha256() on the calling thread, behind the same interface. */
class InlineHash implements BackgroundHash {
  readonly inBackground = false;

  constructor(private readonly hash: StreamingHash) {}

  update(bytes: Uint8Array): void {
    this.hash.update(bytes);
  }

  digest(): Promise<string> {
    try {
      return Promise.resolve(this.hash.digestHex());
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(messageOf(e)));
    }
  }

  dispose(): void {
    this.hash.dispose();
  }

  drain(): Promise<void> {
    return Promise.resolve();
  }
}
