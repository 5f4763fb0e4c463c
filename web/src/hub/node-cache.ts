/**
 * The Node.js cache in huggingface_hub's layout, so that Python and qkv
 * share downloads (huggingface_hub's file_download.py, "cache layout"):
 *
 *   <cacheDir>/models--org--name/blobs/<etag>            the file's bytes (etag: SHA-256 for LFS, else git oid)
 *   <cacheDir>/models--org--name/snapshots/<commit>/<path>  relative symlink to the blob (a copy where links fail)
 *   <cacheDir>/models--org--name/refs/<revision>         the commit a branch or tag last resolved to
 *
 * A blob is written to `<etag>.incomplete` (huggingface_hub's name, so
 * either resumes the other's download) and renamed into place once whole
 * and verified. Two processes downloading the same blob both succeed: the
 * one holding the blob's lock writes (and resumes) the shared
 * `.incomplete`; the other writes a private temporary file; both renames
 * are atomic and put the same bytes at the same name.
 */
import type { DownloadSink } from './download.js';
import { cacheFolderName } from './id.js';
import { blobName, type RepoFile } from './listing.js';

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

const READ_CHUNK = 4 << 20;
const WRITE_BACKLOG = 32 << 20;

async function nodeModules(): Promise<{ fs: Fs; path: Path }> {
  const [fs, path] = await Promise.all([
    import(/* @vite-ignore */ 'node:fs/promises'), import(/* @vite-ignore */ 'node:path'),
  ]);
  return { fs, path };
}

const isCode = (e: unknown, ...codes: string[]): boolean => codes.includes((e as { code?: string })?.code ?? '');

export class NodeRepoCache {
  private constructor(private readonly fs: Fs, private readonly path: Path,
    private readonly cacheDir: string, readonly id: string, readonly repoDir: string) {}

  static async open(cacheDir: string, id: string): Promise<NodeRepoCache> {
    const { fs, path } = await nodeModules();
    return new NodeRepoCache(fs, path, cacheDir, id, path.join(cacheDir, cacheFolderName(id)));
  }

  snapshotDir(commit: string): string {
    return this.path.join(this.repoDir, 'snapshots', commit);
  }

  private snapshotPath(commit: string, file: string): string {
    return this.path.join(this.snapshotDir(commit), ...file.split('/'));
  }

  private blobPath(file: RepoFile): string {
    return this.path.join(this.repoDir, 'blobs', blobName(file));
  }

  /** The commit `revision` last resolved to, as refs/ records it. */
  async readRef(revision: string): Promise<string | undefined> {
    try {
      return (await this.fs.readFile(this.path.join(this.repoDir, 'refs', ...revision.split('/')), 'utf8')).trim();
    } catch (e) {
      if (isCode(e, 'ENOENT', 'ENOTDIR')) return undefined;
      throw e;
    }
  }

  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const ref = this.path.join(this.repoDir, 'refs', ...revision.split('/'));
    if ((await this.readRef(revision)) === commit) return;
    await this.fs.mkdir(this.path.dirname(ref), { recursive: true });
    await this.replaceAtomically(ref, (temp) => this.fs.writeFile(temp, commit));
  }

  /**
   * The path of a cached file of the snapshot, or undefined: the snapshot's
   * link if it points at a whole file, else a blob with the file's name and
   * size (another revision's download), linked into the snapshot now.
   */
  async find(commit: string, file: RepoFile): Promise<string | undefined> {
    const snapshot = this.snapshotPath(commit, file.path);
    if ((await this.sizeOf(snapshot)) === file.size) return snapshot;
    const blob = this.blobPath(file);
    if ((await this.sizeOf(blob)) !== file.size) return undefined;
    await this.link(commit, file.path, blob);
    return snapshot;
  }

  /** Every file under snapshots/<commit> (for loading offline), or undefined when there is no such snapshot. */
  async listSnapshot(commit: string): Promise<Map<string, RepoFile> | undefined> {
    const root = this.snapshotDir(commit);
    let entries: string[];
    try {
      entries = await this.fs.readdir(root, { recursive: true });
    } catch (e) {
      if (isCode(e, 'ENOENT', 'ENOTDIR')) return undefined;
      throw e;
    }
    const files = new Map<string, RepoFile>();
    for (const entry of entries) {
      const stat = await this.fs.stat(this.path.join(root, entry)).catch(() => undefined); // a dangling link: not cached
      if (stat?.isFile()) {
        const path = entry.split(this.path.sep).join('/');
        files.set(path, { path, size: stat.size, oid: '' });
      }
    }
    return files;
  }

  /** Where a download of `file` writes, resuming an interrupted one when this process may. */
  async sink(commit: string, file: RepoFile): Promise<DownloadSink> {
    const { fs, path } = this;
    const blob = this.blobPath(file);
    await fs.mkdir(path.dirname(blob), { recursive: true });
    const lock = await BlobLock.acquire(fs, path.join(this.cacheDir, '.locks', cacheFolderName(this.id), `${blobName(file)}.qkv.lock`));
    const temp = lock.owned ? `${blob}.incomplete` : `${blob}.${process.pid}.${Math.random().toString(36).slice(2)}.incomplete`;
    let resumeFrom = 0;
    if (lock.owned) {
      const size = await this.sizeOf(temp);
      resumeFrom = size !== undefined && size <= file.size ? size : 0;
    }
    const handle = await fs.open(temp, resumeFrom > 0 ? 'r+' : 'w');
    // Writes go behind the download (one at a time, in order), so the loader is not held up by each
    // chunk's write; the download waits only when more than WRITE_BACKLOG bytes are queued.
    let position = resumeFrom;
    let written: Promise<void> = Promise.resolve();
    let backlog = 0;
    let open = true;
    const listeners: ((end: number) => void)[] = [];
    const enqueue = (bytes: Uint8Array): void => {
      const at = position;
      position += bytes.length;
      backlog += bytes.length;
      written = written.then(async () => {
        for (let done = 0; done < bytes.length;) done += (await handle.write(bytes, done, bytes.length - done, at + done)).bytesWritten;
        backlog -= bytes.length;
        for (const listener of listeners) listener(at + bytes.length);
      });
    };
    const finish = async (keep: 'blob' | 'resumable' | 'nothing'): Promise<void> => {
      if (!open) return;
      open = false;
      try {
        await written;
      } finally {
        await handle.close();
      }
      try {
        if (keep === 'blob') {
          await fs.rename(temp, blob);
          await this.link(commit, file.path, blob);
        } else if (keep === 'nothing' || !lock.owned) {
          await fs.rm(temp, { force: true });
        }
      } finally {
        await lock.release();
      }
    };
    return {
      resumeFrom,
      file: { path: temp, onWritten: (listener) => void listeners.push(listener) },
      flush: () => written,
      async *partial() {
        for (let at = 0; at < resumeFrom;) {
          const bytes = new Uint8Array(Math.min(READ_CHUNK, resumeFrom - at));
          const { bytesRead } = await handle.read(bytes, 0, bytes.length, at);
          if (bytesRead === 0) throw new Error(`${temp} shrank while resuming from it`);
          at += bytesRead;
          yield bytes.subarray(0, bytesRead);
        }
      },
      async write(bytes) {
        enqueue(bytes);
        if (backlog > WRITE_BACKLOG) await written;
      },
      commit: () => finish('blob'),
      abandon: () => finish('resumable'),
      discard: () => finish('nothing'),
    };
  }

  /** snapshots/<commit>/<path> → the blob, as a relative symlink (a copy where links are not allowed). */
  private async link(commit: string, file: string, blob: string): Promise<void> {
    const link = this.snapshotPath(commit, file);
    await this.fs.mkdir(this.path.dirname(link), { recursive: true });
    const target = this.path.relative(this.path.dirname(link), blob);
    await this.replaceAtomically(link, async (temp) => {
      try {
        await this.fs.symlink(target, temp);
      } catch (e) {
        if (!isCode(e, 'EPERM', 'EACCES', 'ENOTSUP', 'EINVAL')) throw e;
        await this.fs.copyFile(blob, temp);
      }
    });
  }

  /** Writes `path` through a temporary file renamed over it, so a reader sees the old or the new, never half. */
  private async replaceAtomically(path: string, write: (temp: string) => Promise<void>): Promise<void> {
    const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await write(temp);
      await this.fs.rename(temp, path);
    } catch (e) {
      await this.fs.rm(temp, { force: true });
      throw e;
    }
  }

  private async sizeOf(path: string): Promise<number | undefined> {
    try {
      const stat = await this.fs.stat(path);
      return stat.isFile() ? stat.size : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * Who writes a blob's shared `.incomplete` file: the process that created
 * the lock file (holding its pid). A lock whose process has died is stale
 * and taken over.
 */
class BlobLock {
  private constructor(private readonly fs: Fs, private readonly file: string, readonly owned: boolean) {}

  static async acquire(fs: Fs, file: string): Promise<BlobLock> {
    await fs.mkdir(file.slice(0, Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'))), { recursive: true });
    // The pid is written first and the lock appears with it (a hard link fails if the lock exists), so no
    // other process can read a lock that has no pid yet and take it for stale.
    const mine = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    await fs.writeFile(mine, String(process.pid));
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await fs.link(mine, file);
          return new BlobLock(fs, file, true);
        } catch (e) {
          if (!isCode(e, 'EEXIST')) return new BlobLock(fs, file, false); // no links here: write privately
        }
        const holder = Number(await fs.readFile(file, 'utf8').catch(() => ''));
        if (isAlive(holder)) return new BlobLock(fs, file, false);
        await fs.rm(file, { force: true }); // stale: its process is gone
      }
      return new BlobLock(fs, file, false);
    } finally {
      await fs.rm(mine, { force: true });
    }
  }

  async release(): Promise<void> {
    if (this.owned) await this.fs.rm(this.file, { force: true });
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return isCode(e, 'EPERM');
  }
}
