/**
 * One Hub file downloaded as the loader reads it: every byte hashed as it
 * arrives (SHA-256 for LFS files, git's blob sha-1 for small ones) and
 * handed to a cache sink, a cut connection resumed with a Range request
 * from where it stopped, and the file committed to the cache only once all
 * of it arrived and its hash matched the Hub's. The bytes reach the loader
 * before the last one is checked; a mismatch then fails the load with an
 * IntegrityError, and the sink discards the file.
 */
import { FormatError, IntegrityError, NetworkError, UnsupportedError } from '../errors.js';
import type { ByteSource } from '../io/byte-source.js';
import { gitBlobSha1 } from '../io/sha256.js';
import { createBackgroundSha256, createFileTailSha256, type BackgroundHash, type FileTailHash } from '../io/sha256-background.js';
import { isAbort, messageOf } from '../platform.js';
import { backoffMs, hubFetch, MAX_ATTEMPTS, sleep, type HubRequestOptions, type HubTarget } from './http.js';
import type { RepoFile } from './listing.js';

/** Where a download's bytes go besides the loader: a cache, or nowhere. */
export interface DownloadSink {
  /** Bytes of an earlier, interrupted download of this file that can be resumed (Node.js cache). */
  readonly resumeFrom: number;
  /** Those bytes, front to back (hashed again: the hash state of the earlier attempt is gone). */
  partial(): AsyncIterable<Uint8Array>;
  write(bytes: Uint8Array): Promise<void>;
  /** All bytes arrived and matched the hash: keep the file. */
  commit(): Promise<void>;
  /**
   * Where the bytes are being written, if a file: the SHA-256 can then be
   * computed by the hashing worker reading the file behind the writes
   * (`onWritten` reports how far the file is written), with no copy here.
   */
  readonly file?: { path: string; onWritten(listener: (end: number) => void): void };
  /** Resolves once every write so far is done. */
  flush?(): Promise<void>;
  /** Stopped early (cut for good, aborted, closed): keep what can be resumed. */
  abandon(): Promise<void>;
  /** The bytes are wrong: keep nothing. */
  discard(): Promise<void>;
}

export const NO_SINK: DownloadSink = {
  resumeFrom: 0,
  async *partial() {},
  async write() {},
  async commit() {},
  async abandon() {},
  async discard() {},
};

export interface Download {
  url: string;
  file: RepoFile;
  target: HubTarget;
  commit: string;
  request: HubRequestOptions;
  sink: DownloadSink;
}

/** Bytes appended to the hash but not yet hashed, at most, before the download waits for the hash. */
const HASH_BACKLOG = 32 << 20;

/** Failed reads of a body (cuts) tolerated per file before the download fails. */
const MAX_CUTS = MAX_ATTEMPTS;

/** The file as a ByteSource that streams from the Hub (see the module comment). */
export async function openDownload(download: Download): Promise<ByteSource> {
  const verifier = await Verifier.create(download.file, download.sink);
  const chunks = downloadChunks(download, verifier);
  let chunk: Uint8Array = new Uint8Array(0);
  let chunkStart = 0;
  let finished = false;
  const { name, size } = { name: download.file.path.split('/').pop() ?? download.file.path, size: download.file.size };

  async function nextChunk(): Promise<boolean> {
    const next = await chunks.next();
    if (next.done) {
      finished = true;
      return false;
    }
    chunkStart += chunk.length;
    chunk = next.value;
    return true;
  }

  async function readToEnd(): Promise<void> {
    while (!finished) await nextChunk();
  }

  return {
    name,
    size,
    async read(offset, dst) {
      if (offset < 0 || offset + dst.length > size) {
        throw new FormatError(`${name}: read of bytes [${offset}, ${offset + dst.length}) past the end of the ${size}-byte file`);
      }
      if (offset < chunkStart) throw new Error(`${name}: internal error: read at ${offset} after ${chunkStart}`);
      let written = 0;
      while (written < dst.length) {
        const at = offset + written;
        while (at >= chunkStart + chunk.length) {
          if (!(await nextChunk())) throw new FormatError(`${name}: download ended at byte ${chunkStart + chunk.length} of ${size}`);
        }
        const from = at - chunkStart;
        const take = Math.min(chunk.length - from, dst.length - written);
        dst.set(chunk.subarray(from, from + take), written);
        written += take;
      }
    },
    // Read to the end, the hash checked there: what a successful load finishes with, and what
    // tells a corrupt download from a bad file when the loader rejects it.
    complete: readToEnd,
    verify: readToEnd,
    async close() {
      // Runs the generator's finally: an unfinished download is abandoned (kept for resuming).
      if (!finished) await chunks.return(undefined);
      finished = true;
      verifier.dispose();
    },
  };
}

/**
 * The file's bytes in order: first what the sink holds from an interrupted
 * download, then the network's from there on, resumed after cuts; verified
 * and committed (or discarded) once the last byte is in.
 */
async function* downloadChunks(download: Download, verifier: Verifier): AsyncGenerator<Uint8Array, void, undefined> {
  const { file, sink } = download;
  let received = 0;
  let settled = false;
  try {
    if (sink.resumeFrom > 0 && sink.resumeFrom <= file.size) {
      for await (const bytes of sink.partial()) {
        verifier.update(bytes);
        await verifier.drain();
        received += bytes.length;
        yield bytes;
      }
    }
    let cuts = 0;
    while (received < file.size) {
      const response = await hubFetch(download.url, download.target, { ...download.request, rangeStart: received });
      let skip = bytesToSkip(response, received, download);
      const reader = response.body!.getReader();
      try {
        for (;;) {
          let next: ReadableStreamReadResult<Uint8Array>;
          try {
            next = await reader.read();
          } catch (e) {
            if (isAbort(e)) throw e;
            if (++cuts >= MAX_CUTS) throw cutError(download, received, cuts, e);
            break; // resume from `received`
          }
          if (next.done) {
            if (received < file.size && ++cuts >= MAX_CUTS) throw cutError(download, received, cuts);
            break;
          }
          let bytes = next.value;
          if (skip > 0) {
            const dropped = Math.min(skip, bytes.length);
            bytes = bytes.subarray(dropped);
            skip -= dropped;
            if (bytes.length === 0) continue;
          }
          if (received + bytes.length > file.size) {
            throw new IntegrityError(`${describe(download)}: the server sent more than the ${file.size} bytes the Hub lists`);
          }
          verifier.update(bytes);
          await sink.write(bytes);
          await verifier.drain();
          received += bytes.length;
          yield bytes;
          if (received === file.size) break;
        }
      } finally {
        await reader.cancel().catch(() => {});
      }
      if (received < file.size) await sleep(backoffMs(cuts - 1), download.request.signal);
    }
    await sink.flush?.();
    const mismatch = await verifier.mismatch();
    if (mismatch !== undefined) {
      settled = true;
      await sink.discard();
      throw new IntegrityError(`${describe(download)}: ${mismatch}; the file was not kept. `
        + 'Something between the Hub and here changed the bytes (a proxy, a broken connection): try again.');
    }
    settled = true;
    await sink.commit();
  } finally {
    if (!settled) await sink.abandon();
  }
}

/** How many leading bytes of a resumed response were already received (a server that ignored Range resends them). */
function bytesToSkip(response: Response, received: number, download: Download): number {
  if (received === 0) return 0;
  if (response.status !== 206) return received;
  const start = Number(/^bytes (\d+)-/.exec(response.headers.get('Content-Range') ?? '')?.[1]);
  if (start !== received) {
    throw new NetworkError(`${describe(download)}: asked to resume at byte ${received}, the server sent ${response.headers.get('Content-Range')}`);
  }
  return 0;
}

function cutError(download: Download, received: number, cuts: number, cause?: unknown): NetworkError {
  const why = cause === undefined ? 'the connection closed early' : messageOf((cause as { cause?: unknown }).cause ?? cause);
  return new NetworkError(`download of ${describe(download)} failed after ${received} of ${download.file.size} bytes: `
    + `${why} (${cuts} attempts, resuming each time)`, { cause });
}

function describe(download: Download): string {
  return `${download.target.id}/${download.file.path} (commit ${download.commit.slice(0, 12)})`;
}

/**
 * Checks the bytes against the Hub's hash: an LFS file's SHA-256 as it
 * streams, on a worker thread beside the loading (io/sha256-background.ts);
 * a small file's git blob sha-1 over all of it (small files are read whole
 * anyway, and SubtleCrypto cannot hash a stream).
 */
class Verifier {
  private readonly small: Uint8Array[] = [];

  private constructor(private readonly file: RepoFile,
    private readonly sha256: { streamed: BackgroundHash } | { tail: FileTailHash } | undefined) {}

  /**
   * An LFS file written to disk is hashed by the worker reading the file
   * behind the writes (Node.js cache); otherwise the bytes are sent to it.
   */
  static async create(file: RepoFile, sink: DownloadSink): Promise<Verifier> {
    if (file.sha256 === undefined) return new Verifier(file, undefined);
    const tail = sink.file === undefined ? undefined : await createFileTailSha256(sink.file.path);
    if (tail === undefined) return new Verifier(file, { streamed: await createBackgroundSha256() });
    tail.extend(sink.resumeFrom); // the part of an interrupted download already on disk
    sink.file!.onWritten((end) => {
      try {
        tail.extend(end);
      } catch {
        // The hash has ended (digested, or disposed with the download): nothing left to feed.
      }
    });
    return new Verifier(file, { tail });
  }

  /**
   * Waits while more than a bounded amount of bytes waits to be hashed (a
   * page's wasm hash is slower than the loading): memory stays bounded.
   */
  async drain(): Promise<void> {
    if (this.sha256 !== undefined && 'streamed' in this.sha256) await this.sha256.streamed.drain(HASH_BACKLOG);
  }

  update(bytes: Uint8Array): void {
    if (this.sha256 === undefined) this.small.push(bytes.slice());
    else if ('streamed' in this.sha256) this.sha256.streamed.update(bytes);
  }

  /** Undefined when the bytes match; else what differs. */
  async mismatch(): Promise<string | undefined> {
    if (this.sha256 !== undefined) {
      const actual = await ('streamed' in this.sha256 ? this.sha256.streamed : this.sha256.tail).digest();
      return actual === this.file.sha256 ? undefined : `SHA-256 of the downloaded bytes is ${actual}, the Hub lists ${this.file.sha256}`;
    }
    const whole = new Uint8Array(this.small.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const bytes of this.small) {
      whole.set(bytes, at);
      at += bytes.length;
    }
    let actual: string;
    try {
      actual = await gitBlobSha1(whole);
    } catch (e) {
      // An insecure page has no SubtleCrypto: small files go unchecked there (the LFS files' SHA-256 runs in wasm).
      if (e instanceof UnsupportedError) return undefined;
      throw e;
    }
    return actual === this.file.oid ? undefined : `git blob sha-1 of the downloaded bytes is ${actual}, the Hub lists ${this.file.oid}`;
  }

  dispose(): void {
    if (this.sha256 !== undefined) ('streamed' in this.sha256 ? this.sha256.streamed : this.sha256.tail).dispose();
  }
}
