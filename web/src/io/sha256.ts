/**
 * Hashes that verify downloaded files against the Hub's: SHA-256 of an LFS
 * file, fed chunk by chunk while it streams (no second pass over the bytes),
 * and git's blob SHA-1 of a small file, hashed whole.
 *
 * Node.js has node:crypto (native, with the CPU's SHA instructions). Browsers
 * have SubtleCrypto, which cannot hash a stream, so there the SHA-256 runs in
 * qkv's wasm module (src/io/sha256.h).
 */
import { getBackend, type Backend } from '../backend.js';
import { InvalidArgumentError, OutOfMemoryError, UnsupportedError } from '../errors.js';
import { heapU8 } from '../heap.js';
import { isNode } from '../platform.js';
import type { Sha256Handle } from '../wasm-module.js';

/** A hash fed incrementally. */
export interface StreamingHash {
  /** Appends bytes (any length, any view; they are not kept). */
  update(bytes: Uint8Array): void;
  /** The digest of everything appended, as lowercase hex. Ends the hash: its memory is released. */
  digestHex(): string;
  /** Releases the hash without a digest (an abandoned download). Safe to call twice, and after digestHex(). */
  dispose(): void;
}

/** 'auto': node:crypto in Node.js, the wasm hasher elsewhere. */
export type Sha256Implementation = 'auto' | 'node' | 'wasm';

export interface Sha256Options {
  implementation?: Sha256Implementation;
}

/** 'auto': node:crypto in Node.js, SubtleCrypto elsewhere. */
export type Sha1Implementation = 'auto' | 'node' | 'subtle';

/** The part of node:crypto's Hash used here (keeps Node's types out of the declarations). */
interface NodeHash {
  update(bytes: Uint8Array): unknown;
  digest(encoding: 'hex'): string;
}

interface NodeCrypto {
  createHash(algorithm: string): NodeHash;
}

/** Bytes copied into wasm memory per hasher call: chunks larger than this go through in pieces. */
export const WASM_SCRATCH_BYTES = 1 << 20;

let nodeCrypto: Promise<NodeCrypto> | undefined;

function loadNodeCrypto(): Promise<NodeCrypto> {
  nodeCrypto ??= import(/* @vite-ignore */ 'node:crypto') as Promise<NodeCrypto>;
  return nodeCrypto;
}

function implementationOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (value === undefined) return allowed[0]!;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`${what}: implementation must be ${allowed.map((a) => `'${a}'`).join(', ')}, got ${String(value)}`);
  }
  return value as T;
}

function notNode(what: string): UnsupportedError {
  return new UnsupportedError(`${what}: implementation 'node' needs Node.js (node:crypto), which this runtime is not`);
}

/** A streaming SHA-256. */
export async function createSha256(options: Sha256Options = {}): Promise<StreamingHash> {
  const implementation = implementationOf(options.implementation, ['auto', 'node', 'wasm'] as const, 'createSha256');
  if (implementation === 'node' || (implementation === 'auto' && isNode)) {
    if (!isNode) throw notNode('createSha256');
    return new NodeStreamingHash((await loadNodeCrypto()).createHash('sha256'));
  }
  return WasmSha256.create(await getBackend());
}

/**
 * Git's object id of a file stored as a plain blob (the `oid` the Hub gives
 * for files that are not in LFS): SHA-1 of `blob <size>\0` and the bytes.
 */
export async function gitBlobSha1(bytes: Uint8Array, options: { implementation?: Sha1Implementation } = {}): Promise<string> {
  const implementation = implementationOf(options.implementation, ['auto', 'node', 'subtle'] as const, 'gitBlobSha1');
  const header = new TextEncoder().encode(`blob ${bytes.length}\0`);
  if (implementation === 'node' || (implementation === 'auto' && isNode)) {
    if (!isNode) throw notNode('gitBlobSha1');
    const hash = (await loadNodeCrypto()).createHash('sha1');
    hash.update(header);
    hash.update(bytes);
    return hash.digest('hex');
  }
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (subtle === undefined) {
    throw new UnsupportedError('gitBlobSha1: crypto.subtle is not available (browsers offer it in secure contexts only: https or localhost)');
  }
  const whole = new Uint8Array(header.length + bytes.length);
  whole.set(header);
  whole.set(bytes, header.length);
  return toHex(new Uint8Array(await subtle.digest('SHA-1', whole)));
}

function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

function finished(): InvalidArgumentError {
  return new InvalidArgumentError('the hash was already digested or disposed');
}

class NodeStreamingHash implements StreamingHash {
  private hash: NodeHash | undefined;

  constructor(hash: NodeHash) {
    this.hash = hash;
  }

  update(bytes: Uint8Array): void {
    if (this.hash === undefined) throw finished();
    this.hash.update(bytes);
  }

  digestHex(): string {
    if (this.hash === undefined) throw finished();
    const hash = this.hash;
    this.hash = undefined;
    return hash.digest('hex');
  }

  dispose(): void {
    this.hash = undefined;
  }
}

/**
 * The wasm hasher and its scratch allocation, both freed by digestHex() or
 * dispose(). Each chunk is copied into the scratch and hashed there, unless
 * it already is a view of wasm memory (then it is hashed where it lies).
 */
class WasmSha256 implements StreamingHash {
  private live: { handle: Sha256Handle; scratch: number } | undefined;

  private constructor(private readonly backend: Backend, handle: Sha256Handle, scratch: number) {
    this.live = { handle, scratch };
  }

  static create(backend: Backend): WasmSha256 {
    return backend.call((m) => {
      const scratch = m._malloc(WASM_SCRATCH_BYTES);
      if (scratch === 0) throw new OutOfMemoryError(`could not allocate ${WASM_SCRATCH_BYTES} bytes of wasm memory for a SHA-256 hasher`);
      try {
        return new WasmSha256(backend, m.Sha256Hasher.create(), scratch);
      } catch (e) {
        m._free(scratch);
        throw e;
      }
    });
  }

  update(bytes: Uint8Array): void {
    if (this.live === undefined) throw finished();
    const { handle, scratch } = this.live;
    this.backend.call((m) => {
      // Views are taken per piece: in the threads build another thread may grow memory meanwhile.
      if (bytes.buffer === heapU8(m).buffer) {
        handle.update(bytes.byteOffset, bytes.length);
        return;
      }
      for (let at = 0; at < bytes.length; at += WASM_SCRATCH_BYTES) {
        const piece = bytes.subarray(at, Math.min(bytes.length, at + WASM_SCRATCH_BYTES));
        heapU8(m).set(piece, scratch);
        handle.update(scratch, piece.length);
      }
    });
  }

  digestHex(): string {
    if (this.live === undefined) throw finished();
    const { handle } = this.live;
    try {
      return this.backend.call(() => handle.hexDigest());
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    if (this.live === undefined) return;
    const { handle, scratch } = this.live;
    this.live = undefined;
    this.backend.call((m) => {
      handle.delete();
      m._free(scratch);
    });
  }
}
