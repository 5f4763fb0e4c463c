/**
 * qkv inspect for a GGUF model: a .gguf file, its http(s) URL, or a Hub id
 * with --file or --quant (the files picked as sources/gguf-files.ts does).
 * Only the headers are read (a growing prefix of each file, see
 * weights/gguf-header.ts), so a multi-GB file costs its header's bytes; a
 * split model's parts are all read, in order, and checked against their
 * split.no / split.count.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '../errors.js';
import { inspectGgufFiles } from '../gguf-inspect.js';
import { hasHubIdForm } from '../hub/id.js';
import { openRepository } from '../hub/repository.js';
import { CachedFiles } from '../io/url-cache.js';
import type { SourceFile } from '../sources/file-input.js';
import { ggufRepositoryFiles, ggufSplitName, pickGgufFiles, type GgufChoice } from '../sources/gguf-files.js';
import { formatGgufSummary } from '../weights/gguf-summary.js';
import type { ParsedArgs } from './args.js';
import { applyThreads } from './load.js';

const isHttp = (text: string): boolean => /^https?:/i.test(text);
const GGUF_MAGIC = [0x47, 0x47, 0x55, 0x46]; // "GGUF"

function localPath(source: string): string {
  return source.startsWith('file:') ? fileURLToPath(source) : source;
}

/** Whether a local file starts with the GGUF magic (whatever its name). */
function hasGgufMagic(path: string): boolean {
  let fd: number | undefined;
  try {
    if (!statSync(path).isFile()) return false;
    fd = openSync(path, 'r');
    const head = new Uint8Array(4);
    return readSync(fd, head, 0, 4, 0) === 4 && GGUF_MAGIC.every((b, i) => head[i] === b);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Whether `source` names a GGUF model: --file or --quant given, a name or URL
 * ending in .gguf, or a local file that starts with the GGUF magic.
 */
export function isGgufSource(source: string, args?: ParsedArgs): boolean {
  if (args !== undefined && (args.has('file') || args.has('quant'))) return true;
  if (/\.gguf([?#].*)?$/i.test(source)) return true;
  const path = localPath(source);
  return !isHttp(source) && existsSync(path) && hasGgufMagic(path);
}

/** The files of the model, in order: paths, URLs, or a Hub repository's files. */
async function ggufFiles(source: string, args: ParsedArgs): Promise<SourceFile[]> {
  const choice: GgufChoice = { file: args.string('file'), quant: args.string('quant') };
  const hubChoice = choice.file !== undefined || choice.quant !== undefined;
  if (isHttp(source)) {
    if (hubChoice) throw new InvalidArgumentError('qkv inspect: --file and --quant pick from a Hub id, not from a URL');
    return splitUrls(source);
  }
  const path = localPath(source);
  if (existsSync(path)) {
    if (hubChoice) throw new InvalidArgumentError(`qkv inspect: --file and --quant pick from a Hub id; ${source} is a local file`);
    return localParts(path);
  }
  // Without --file or --quant, a name ending in .gguf is a file, whatever it looks like.
  if (!hubChoice || !hasHubIdForm(source)) throw new InvalidArgumentError(`qkv inspect: no such GGUF file: ${source}`);
  const revision = args.string('revision');
  const repo = await openRepository(source, { cached: new CachedFiles(), ...(revision === undefined ? {} : { revision }) });
  // Named as `id/path` in what is printed.
  return ggufRepositoryFiles(repo, choice).map((f) => ({ ...f, name: `${source}/${f.name}`, open: f.open.bind(f) }));
}

/** A local split part's siblings in its folder (all parts, in order); any other file alone. */
function localParts(path: string): string[] {
  if (ggufSplitName(basename(path)) === undefined) return [path];
  const folder = dirname(path);
  const names = readdirSync(folder);
  return pickGgufFiles(names, { file: basename(path) }, `the folder ${folder}`).map((name) => join(folder, name));
}

/** A split part's URL and its siblings' (same name pattern); any other URL alone. */
function splitUrls(url: string): string[] {
  const parsed = new URL(url);
  const split = ggufSplitName(parsed.pathname);
  if (split === undefined) return [url];
  if (split.index !== 1) throw new InvalidArgumentError(`qkv inspect: ${url} is part ${split.index} of a split GGUF model: give its first part`);
  return Array.from({ length: split.count }, (_, i) => {
    const part = new URL(parsed.href);
    part.pathname = `${split.prefix}-${String(i + 1).padStart(5, '0')}-of-${String(split.count).padStart(5, '0')}.gguf`;
    return part.href;
  });
}

/** `qkv inspect` on a GGUF source: the summary as text, or as JSON with --json. */
export async function runInspectGguf(source: string, args: ParsedArgs): Promise<void> {
  applyThreads(args);
  const summary = await inspectGgufFiles(await ggufFiles(source, args));
  process.stdout.write(args.flag('json') ? `${JSON.stringify(summary, null, 2)}\n` : `${formatGgufSummary(summary)}\n`);
}
