/**
 * inspectGguf(): what a GGUF model is, from its headers alone — the files of
 * one model (a single .gguf, or every part of a split one, in order) as
 * paths, URLs, Blobs/Files or bytes. No weight is read: each file is read
 * from its start only as far as its header goes (weights/gguf-header.ts), so
 * a multi-GB file or URL costs about its header's size.
 */
import { getBackend } from './backend.js';
import { InvalidArgumentError } from './errors.js';
import { CachedFiles } from './io/url-cache.js';
import { openInput, type FileInput, type ReadContext, type SourceFile } from './sources/file-input.js';
import { checkGgufParts } from './sources/gguf-files.js';
import { readGgufHeader } from './weights/gguf-header.js';
import { summarizeGguf, type GgufPart, type GgufSummary } from './weights/gguf-summary.js';

export interface InspectGgufOptions {
  signal?: AbortSignal;
}

/** A file's name for messages: a path, a URL, a File's name, or 'model.gguf' for bytes. */
function nameOf(input: SourceFile, index: number): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  if (typeof Blob !== 'undefined' && input instanceof Blob) return (input as { name?: string }).name ?? `part ${index + 1}`;
  if (typeof input === 'object' && input !== null && 'openable' in input) return input.name;
  return index === 0 ? 'model.gguf' : `part ${index + 1}`;
}

/**
 * The summary of a GGUF model (see GgufSummary). A split model's parts must
 * all be given, in order (their split.no and split.count are checked).
 * Errors: FormatError / UnsupportedError for a file that is no GGUF qkv
 * reads (each check of the header names the file and the problem),
 * InvalidArgumentError for missing or misordered parts.
 */
export function inspectGguf(files: FileInput | readonly FileInput[], options: InspectGgufOptions = {}): Promise<GgufSummary> {
  return inspectGgufFiles(Array.isArray(files) ? files : [files as FileInput], options);
}

/** inspectGguf over any files a source resolves to (a Hub repository's too). */
export async function inspectGgufFiles(list: readonly SourceFile[], options: InspectGgufOptions = {}): Promise<GgufSummary> {
  if (list.length === 0) throw new InvalidArgumentError('inspectGguf: no file given');
  const context: ReadContext = { cached: new CachedFiles(), signal: options.signal };
  const backend = await getBackend();
  const parts: GgufPart[] = [];
  for (const [i, input] of list.entries()) {
    const name = nameOf(input, i);
    const src = await openInput(input, name, context);
    try {
      parts.push({ name, size: src.size, header: await readGgufHeader(backend, src, options.signal ? { signal: options.signal } : {}) });
    } finally {
      await src.close();
    }
  }
  checkGgufParts(parts.map((p) => ({ name: p.name, metadata: p.header.metadata })));
  return summarizeGguf(parts);
}
