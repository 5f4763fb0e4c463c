// Git and Git LFS objects as the Hub stores a repository: blob ids, LFS
// pointers, tree ids and commit ids, computed the way git computes them, so a
// client (or a test) can check every hash the fake Hub advertises with nothing
// but node:crypto.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

// The patterns of the .gitattributes the Hub puts in every new repository
// (huggingface.co "initial commit"), plus gguf; a file matching one of them is
// stored with Git LFS.
const LFS_EXTENSIONS = [
  '7z', 'arrow', 'bin', 'bz2', 'ckpt', 'ftz', 'gguf', 'gz', 'h5', 'joblib', 'mlmodel', 'model', 'msgpack',
  'npy', 'npz', 'onnx', 'ot', 'parquet', 'pb', 'pickle', 'pkl', 'pt', 'pth', 'rar', 'safetensors', 'tar',
  'tflite', 'tgz', 'wasm', 'xz', 'zip', 'zst',
];

// The Hub refuses a git (non-LFS) file over 10 MiB in a push, so every bigger
// file is in LFS whatever its name.
export const LFS_SIZE_THRESHOLD = 10 * 1024 * 1024;

/** Whether the Hub's default .gitattributes sends `path` to LFS. */
export function matchesLfsPattern(path) {
  const name = path.split('/').pop();
  const ext = name.includes('.') ? name.split('.').pop().toLowerCase() : '';
  return (
    LFS_EXTENSIONS.includes(ext) ||
    name.includes('.lfs.') || // *.lfs.*
    name.includes('.tar.') || // *.tar.*
    name.includes('tfevents') || // *tfevents*
    path.startsWith('saved_model/') // saved_model/**/*
  );
}

/** The Hub's default .gitattributes text (for the optional `gitattributes` file). */
export function defaultGitattributes() {
  const lines = LFS_EXTENSIONS.map((ext) => `*.${ext}`).concat(['*.lfs.*', '*.tar.*', 'saved_model/**/*', '*tfevents*']);
  return lines.map((pattern) => `${pattern} filter=lfs diff=lfs merge=lfs -text\n`).join('');
}

/** Iterates a content source (`{ bytes }` or `{ file }`) in chunks. */
export function* chunksOf(source) {
  if (source.bytes) {
    yield source.bytes;
    return;
  }
  const fd = openSync(source.file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    let n;
    while ((n = readSync(fd, chunk, 0, chunk.length, null)) > 0) yield chunk.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Size, sha256 and git blob id of a content source, in one pass. */
export function hashSource(source) {
  const size = source.bytes ? source.bytes.length : fileSize(source.file);
  const sha256 = createHash('sha256');
  const sha1 = createHash('sha1').update(`blob ${size}\0`);
  for (const chunk of chunksOf(source)) {
    sha256.update(chunk);
    sha1.update(chunk);
  }
  return { size, sha256: sha256.digest('hex'), blobOid: sha1.digest('hex') };
}

function fileSize(file) {
  const fd = openSync(file, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

/** git hash-object: sha1("<type> <size>\0" + bytes). */
export function gitObjectId(type, bytes) {
  return createHash('sha1').update(`${type} ${bytes.length}\0`).update(bytes).digest('hex');
}

/** The Git LFS pointer file git stores in place of an LFS file (git-lfs spec v1). */
export function lfsPointer(sha256, size) {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`);
}

/**
 * The id of a git tree object. `entries`: [{ name, oid, dir }]. Git sorts the
 * entries by name with a '/' appended to directory names, and writes
 * "<mode> <name>\0<20 raw bytes>" for each.
 */
export function treeOid(entries) {
  const key = (e) => (e.dir ? `${e.name}/` : e.name);
  const sorted = [...entries].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const parts = sorted.map((e) =>
    Buffer.concat([Buffer.from(`${e.dir ? '40000' : '100644'} ${e.name}\0`), Buffer.from(e.oid, 'hex')]),
  );
  return gitObjectId('tree', Buffer.concat(parts));
}

/** The id of a git commit object with a fixed author, so runs are reproducible. */
export function commitOid({ tree, parent, time, title }) {
  const who = `Fake Hub <fake-hub@localhost> ${time} +0000`;
  const text = `tree ${tree}\n${parent ? `parent ${parent}\n` : ''}author ${who}\ncommitter ${who}\n\n${title}\n`;
  return gitObjectId('commit', Buffer.from(text));
}
