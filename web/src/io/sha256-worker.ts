/**
 * The hashing worker of createBackgroundSha256() (sha256-background.ts): a
 * Web Worker (module) or a Node.js worker thread that hashes the batches it
 * is sent, for any number of interleaved hashes, each named by an id.
 *
 * It hashes with node:crypto in Node.js and with io/Sha256 compiled to a
 * standalone wasm of a few KB elsewhere (embedded in dist/wasm/qkv-sha256.mjs:
 * SubtleCrypto cannot hash a stream, and all of qkv's module would be far
 * heavier to start here).
 *
 * Messages in: init { implementation }, update { id, buffer, length },
 * file { id, path } then extent { id, end } (Node.js: hash a file as it is
 * written, reading it here), digest { id }, release { id }. Out: ready |
 * failed { message } after init; done { id, buffer, length } per batch (the
 * buffer is sent back for reuse); extended { id, length } per extent;
 * digest { id, hex }; error { id, message }.
 */
import { isNode, messageOf } from '../platform.js';
import type { WorkerLike } from '../worker/endpoint.js';
import { endpointOf } from '../worker/endpoint.js';
import { wasmBase64 } from '../wasm/qkv-sha256.mjs';

/** The worker's hash functions: node:crypto, or the wasm. */
export type WorkerSha256Implementation = 'node' | 'wasm';

export type ToHashWorker =
  | { type: 'init'; implementation: WorkerSha256Implementation }
  | { type: 'update'; id: number; buffer: ArrayBuffer; length: number }
  | { type: 'file'; id: number; path: string }
  | { type: 'extent'; id: number; end: number }
  | { type: 'digest'; id: number }
  | { type: 'release'; id: number };

export type FromHashWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'done'; id: number; buffer: ArrayBuffer; length: number }
  | { type: 'extended'; id: number; length: number }
  | { type: 'digest'; id: number; hex: string }
  | { type: 'error'; id: number; message: string };

interface Hasher {
  update(id: number, bytes: Uint8Array): void;
  /** Ends the hash `id`. */
  digest(id: number): string;
  release(id: number): void;
}

interface NodeHash {
  update(bytes: Uint8Array): unknown;
  digest(encoding: 'hex'): string;
}

async function nodeHasher(): Promise<Hasher> {
  const { createHash } = (await import(/* @vite-ignore */ 'node:crypto')) as { createHash(algorithm: string): NodeHash };
  const hashes = new Map<number, NodeHash>();
  const hashOf = (id: number): NodeHash => {
    let hash = hashes.get(id);
    if (hash === undefined) hashes.set(id, (hash = createHash('sha256')));
    return hash;
  };
  return {
    update: (id, bytes) => void hashOf(id).update(bytes),
    digest(id) {
      const hex = hashOf(id).digest('hex');
      hashes.delete(id);
      return hex;
    },
    release: (id) => void hashes.delete(id),
  };
}

interface Sha256Exports {
  memory: WebAssembly.Memory;
  _initialize?: () => void;
  qkv_sha256_input(): number;
  qkv_sha256_input_bytes(): number;
  qkv_sha256_state(): number;
  qkv_sha256_state_bytes(): number;
  qkv_sha256_reset(): void;
  qkv_sha256_update(length: number): void;
  qkv_sha256_finish(): number;
}

/**
 * The wasm holds one hasher state; each hash's state is kept here as bytes
 * and swapped in when a batch of another hash arrives (~100 bytes per 4 MiB).
 */
async function wasmHasher(): Promise<Hasher> {
  const bytes = Uint8Array.from(atob(wasmBase64), (c) => c.charCodeAt(0));
  const { instance } = await WebAssembly.instantiate(bytes);
  const wasm = instance.exports as unknown as Sha256Exports;
  wasm._initialize?.();
  const input = wasm.qkv_sha256_input();
  const inputBytes = wasm.qkv_sha256_input_bytes();
  const state = wasm.qkv_sha256_state();
  const stateBytes = wasm.qkv_sha256_state_bytes();
  const heap = () => new Uint8Array(wasm.memory.buffer);
  const saved = new Map<number, Uint8Array>();
  let current: number | undefined;

  const select = (id: number): void => {
    if (current === id) return;
    if (current !== undefined) saved.set(current, heap().slice(state, state + stateBytes));
    const mine = saved.get(id);
    if (mine === undefined) wasm.qkv_sha256_reset();
    else heap().set(mine, state);
    saved.delete(id);
    current = id;
  };
  const release = (id: number): void => {
    saved.delete(id);
    if (current === id) current = undefined;
  };
  return {
    update(id, bytes) {
      select(id);
      for (let at = 0; at < bytes.length; at += inputBytes) {
        const piece = bytes.subarray(at, Math.min(bytes.length, at + inputBytes));
        heap().set(piece, input);
        wasm.qkv_sha256_update(piece.length);
      }
    },
    digest(id) {
      select(id);
      const digest = heap().subarray(wasm.qkv_sha256_finish(), undefined).slice(0, 32);
      release(id);
      let hex = '';
      for (const b of digest) hex += b.toString(16).padStart(2, '0');
      return hex;
    },
    release,
  };
}

/**
 * Files hashed as they are written (Node.js): each extent is read here, from
 * the page cache, so the writing thread neither copies nor hashes the bytes.
 */
class FileTails {
  private readonly files = new Map<number, { fd: number; at: number }>();
  private buffer: Uint8Array | undefined;
  private fs: typeof import('node:fs') | undefined;

  async open(id: number, path: string): Promise<void> {
    this.fs ??= await import(/* @vite-ignore */ 'node:fs');
    this.files.set(id, { fd: this.fs.openSync(path, 'r'), at: 0 });
  }

  /** Hashes the file `id` up to `end`; returns the bytes hashed. */
  extend(id: number, end: number, hasher: Hasher): number {
    const file = this.files.get(id);
    if (file === undefined || this.fs === undefined) throw new Error(`no file for hash ${id}`);
    this.buffer ??= new Uint8Array(4 << 20);
    const start = file.at;
    while (file.at < end) {
      const n = this.fs.readSync(file.fd, this.buffer, 0, Math.min(this.buffer.length, end - file.at), file.at);
      if (n === 0) throw new Error(`the file ended at byte ${file.at}, before ${end}`);
      hasher.update(id, this.buffer.subarray(0, n));
      file.at += n;
    }
    return file.at - start;
  }

  close(id: number): void {
    const file = this.files.get(id);
    if (file !== undefined) this.fs?.closeSync(file.fd);
    this.files.delete(id);
  }
}

async function serve(): Promise<void> {
  let port: WorkerLike;
  if (isNode) {
    const { parentPort } = await import(/* @vite-ignore */ 'node:worker_threads');
    if (parentPort === null) throw new Error('sha256-worker.js runs in a worker thread');
    port = parentPort as unknown as WorkerLike;
  } else {
    port = globalThis as unknown as WorkerLike;
  }
  const endpoint = endpointOf(port);
  const reply = (message: FromHashWorker, transfer: ArrayBuffer[] = []): void => endpoint.post(message, transfer);
  let hasher: Promise<Hasher> | undefined;
  const tails = new FileTails();

  const handle = async (message: ToHashWorker): Promise<void> => {
    if (message.type === 'init') {
      hasher = message.implementation === 'node' ? nodeHasher() : wasmHasher();
      try {
        await hasher;
        reply({ type: 'ready' });
      } catch (e) {
        reply({ type: 'failed', message: messageOf(e) });
      }
      return;
    }
    try {
      if (hasher === undefined) throw new Error(`'${message.type}' before 'init'`);
      const h = await hasher;
      if (message.type === 'update') {
        h.update(message.id, new Uint8Array(message.buffer, 0, message.length));
        reply({ type: 'done', id: message.id, buffer: message.buffer, length: message.length }, [message.buffer]);
      } else if (message.type === 'file') {
        await tails.open(message.id, message.path);
      } else if (message.type === 'extent') {
        reply({ type: 'extended', id: message.id, length: tails.extend(message.id, message.end, h) });
      } else if (message.type === 'digest') {
        tails.close(message.id);
        reply({ type: 'digest', id: message.id, hex: h.digest(message.id) });
      } else {
        tails.close(message.id);
        h.release(message.id);
      }
    } catch (e) {
      reply({ type: 'error', id: message.id, message: messageOf(e) });
    }
  };
  // One message at a time, in order (init is asynchronous).
  let queue = Promise.resolve();
  endpoint.listen((data) => {
    queue = queue.then(() => handle(data as ToHashWorker));
  });
}

void serve();
