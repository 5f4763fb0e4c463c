/**
 * Which GGUF files of a Hub repository to load, from its listing and the
 * caller's { file } or { quant }, as llama.cpp's `-hf repo:quant` picks them
 * (common/download.cpp find_best_model, get_split_files): a quant matches a
 * model file whose path contains it followed by '.' or '-', case-insensitive;
 * with neither given, Q4_K_M then Q8_0 are tried. Files that are no model
 * (mmproj, imatrix, mtp-, eagle3-, dflash-, dspark-) are never picked. A
 * split model (`name-00001-of-00003.gguf`) is all its parts, in order.
 *
 * Where llama.cpp takes the first match in listing order, this names the
 * problem instead: a quant that matches several models (F16 and BF16 files
 * do not both match 'F16': the quant must start the tag), a missing part, a
 * repository with several models and no choice. Pure functions of the
 * listing: no request is made here.
 */
import { FormatError, HubError, InvalidArgumentError } from '../errors.js';
import type { Repository } from '../hub/repository.js';
import type { OpenableFile } from './file-input.js';

/** loadModel's GGUF choice for a Hub repository. At most one of the two. */
export interface GgufChoice {
  /** A .gguf file's path in the repository (for a split model, its first part). */
  file?: string | undefined;
  /** A quant tag such as 'Q4_K_M' or 'q8_0', matched against the file names. */
  quant?: string | undefined;
}

/** The quants tried, in order, when neither file nor quant is given (llama.cpp's default). */
export const DEFAULT_GGUF_QUANTS: readonly string[] = ['Q4_K_M', 'Q8_0'];

export interface GgufSplitName {
  /** The path without `-0000i-of-0000n.gguf`. */
  prefix: string;
  /** 1-based part number, and the number of parts. */
  index: number;
  count: number;
}

const SPLIT = /^(.+)-(\d{5})-of-(\d{5})\.gguf$/i;
const NOT_MODEL = ['mmproj', 'imatrix', 'mtp-', 'eagle3-', 'dflash-', 'dspark-'];

export const isGguf = (path: string): boolean => /\.gguf$/i.test(path);

/** A split part's prefix, number and count; undefined for a file that is not one. */
export function ggufSplitName(path: string): GgufSplitName | undefined {
  const m = SPLIT.exec(path);
  if (m === null) return undefined;
  const index = Number(m[2]);
  const count = Number(m[3]);
  return index >= 1 && count >= 1 && index <= count ? { prefix: m[1]!, index, count } : undefined;
}

/** A model file (not a projector, an importance matrix or a draft model), as llama.cpp tells them. */
export function isGgufModel(path: string): boolean {
  if (!isGguf(path)) return false;
  const base = path.slice(path.lastIndexOf('/') + 1);
  return NOT_MODEL.every((word) => !base.includes(word));
}

/** The quant tag of a file name, upper-case ('Qwen3-0.6B-Q8_0.gguf' -> 'Q8_0'), or undefined. */
export function ggufQuantTag(path: string): string | undefined {
  const stem = ggufSplitName(path)?.prefix ?? path.replace(/\.gguf$/i, '');
  const m = /[-.]([A-Z0-9_]+)$/i.exec(stem.slice(stem.lastIndexOf('/') + 1));
  return m === null ? undefined : m[1]!.toUpperCase();
}

/** One model: a single file, or the parts of a split one (key: its prefix and count). */
interface ModelSet {
  key: string;
  /** The single file, or part 1's name (whether or not it is listed). */
  first: string;
  split: GgufSplitName | undefined;
}

function modelSet(path: string): ModelSet {
  const split = ggufSplitName(path);
  if (split === undefined) return { key: path, first: path, split };
  const first = `${split.prefix}-00001-of-${String(split.count).padStart(5, '0')}.gguf`;
  return { key: `${split.prefix}\u0000${split.count}`, first, split };
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The models whose path holds the quant as a whole tag (preceded by no letter or digit, followed by '.' or '-'). */
function matching(models: readonly ModelSet[], paths: readonly string[], quant: string): ModelSet[] {
  const pattern = new RegExp(`(^|[^A-Za-z0-9])${escapeRegExp(quant)}[.-]`, 'i');
  const keys = new Set(paths.filter((p) => isGgufModel(p) && pattern.test(p)).map((p) => modelSet(p).key));
  return models.filter((m) => keys.has(m.key));
}

/** Each model once, in listing order. */
function modelsOf(paths: readonly string[]): ModelSet[] {
  const byKey = new Map<string, ModelSet>();
  for (const path of paths) {
    if (!isGgufModel(path)) continue;
    const set = modelSet(path);
    if (!byKey.has(set.key)) byKey.set(set.key, set);
  }
  return [...byKey.values()];
}

/** 'Q4_K_M (a-Q4_K_M.gguf), Q8_0 (3 parts: b-Q8_0-00001-of-00003.gguf …)'. */
function describeModels(models: readonly ModelSet[]): string {
  return models.map((m) => {
    const tag = ggufQuantTag(m.first);
    const what = m.split === undefined ? m.first : `${m.split.count} parts: ${m.first} …`;
    return tag === undefined ? what : `${tag} (${what})`;
  }).join(', ');
}

/** Every part of a model, in order; a part the listing lacks is a HubError naming it. */
function parts(set: ModelSet, listed: ReadonlySet<string>, where: string): string[] {
  if (set.split === undefined) return [set.first];
  const { prefix, count } = set.split;
  const all: string[] = [];
  const missing: string[] = [];
  for (let i = 1; i <= count; i++) {
    // The listing's own spelling of the part (the pattern is case-insensitive, the Hub is not).
    const want = `${prefix}-${String(i).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.gguf`;
    const found = listed.has(want) ? want : [...listed].find((p) => p.toLowerCase() === want.toLowerCase());
    if (found === undefined) missing.push(want); else all.push(found);
  }
  if (missing.length > 0) {
    throw new HubError('EntryNotFound', `${where} holds a GGUF model split in ${count} parts but lacks `
      + `${missing.length === 1 ? 'part' : 'parts'} ${missing.join(', ')}.`);
  }
  return all;
}

/**
 * The GGUF files to load, in order, from a repository's file paths: the
 * file named, the model the quant names, or (neither given) Q4_K_M, then
 * Q8_0, then the repository's only model. `where` names the repository in
 * messages ("'org/name' at revision 'main'"). Errors: HubError
 * 'EntryNotFound' when the repository has no GGUF model, the file or a split
 * part is not listed, or no model matches the quant (the quants it has are
 * listed); InvalidArgumentError when file and quant are both given, the file
 * is no .gguf or a later split part, or the quant (or the default) matches
 * several models, or the repository has several models and none is chosen.
 */
export function pickGgufFiles(paths: Iterable<string>, choice: GgufChoice = {}, where = 'the repository'): string[] {
  const { file, quant } = choice;
  if (file !== undefined && quant !== undefined) {
    throw new InvalidArgumentError(`give a GGUF file or a quant, not both (file '${file}', quant '${quant}')`);
  }
  if (file !== undefined && (typeof file !== 'string' || !isGguf(file))) {
    throw new InvalidArgumentError(`file must name a .gguf file of the repository, got ${JSON.stringify(file)}`);
  }
  // Letters, digits, '_' and '-' (unsloth's 'UD-Q4_K_XL'): nothing a file name pattern would read as more.
  if (quant !== undefined && (typeof quant !== 'string' || !/^[A-Za-z0-9_-]+$/.test(quant))) {
    throw new InvalidArgumentError(`quant must be a quant tag such as 'Q4_K_M' or 'Q8_0', got ${JSON.stringify(quant)}`);
  }
  const all = [...paths];
  const listed = new Set(all);
  const models = modelsOf(all);
  const ggufs = all.filter(isGguf);
  if (file !== undefined) {
    if (!listed.has(file)) {
      throw new HubError('EntryNotFound', `${where} has no file ${file}; its GGUF files: `
        + `${ggufs.length > 0 ? ggufs.join(', ') : 'none'}.`);
    }
    const set = modelSet(file);
    if (set.split !== undefined && set.split.index !== 1) {
      throw new InvalidArgumentError(`${file} is part ${set.split.index} of a split GGUF model: name its first part, ${set.first}`);
    }
    return parts(set, listed, where);
  }
  if (models.length === 0) {
    throw new HubError('EntryNotFound', `${where} has no GGUF model file (.gguf)`
      + `${ggufs.length > 0 ? `; only ${ggufs.join(', ')}` : ''}.`);
  }
  const choose = (found: ModelSet[], asked: string): string[] => {
    if (found.length > 1) {
      throw new InvalidArgumentError(`quant '${asked}' matches ${found.length} GGUF models of ${where}: `
        + `${found.map((m) => m.first).join(', ')}; name one with file.`);
    }
    return parts(found[0]!, listed, where);
  };
  if (quant !== undefined) {
    const found = matching(models, all, quant);
    if (found.length === 0) {
      throw new HubError('EntryNotFound', `${where} has no GGUF model of quant '${quant}'; it has ${describeModels(models)}.`);
    }
    return choose(found, quant);
  }
  for (const fallback of DEFAULT_GGUF_QUANTS) {
    const found = matching(models, all, fallback);
    if (found.length > 0) return choose(found, fallback);
  }
  if (models.length === 1) return parts(models[0]!, listed, where);
  throw new InvalidArgumentError(`${where} has ${models.length} GGUF models and none of ${DEFAULT_GGUF_QUANTS.join(', ')}: `
    + `choose one with quant or file (${describeModels(models)}).`);
}

/** Whether a repository listing holds a GGUF model (for a source deciding between safetensors and GGUF). */
export function hasGgufModel(paths: Iterable<string>): boolean {
  for (const path of paths) if (isGgufModel(path)) return true;
  return false;
}

/** The GGUF files of an opened repository, as files to open (see pickGgufFiles). */
export function ggufRepositoryFiles(repo: Repository, choice: GgufChoice = {}): OpenableFile[] {
  const { id, revision, commit } = repo.snapshot;
  const where = `'${id}' at revision '${revision}' (commit ${commit.slice(0, 12)})${repo.offline ? ' in the cache (offline)' : ''}`;
  return pickGgufFiles(repo.snapshot.files?.keys() ?? [], choice, where).map((path) => repo.file(path));
}

/** The metadata a split part carries (llama.cpp's gguf-split: split.no is 0-based). */
export interface GgufPartHeader {
  name: string;
  metadata: ReadonlyMap<string, unknown>;
}

const asCount = (value: unknown): number | undefined =>
  typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;

/**
 * Checks that the parts' headers say what their order says: part i has
 * split.no = i and every part split.count = the number of parts; a lone file
 * with split.count > 1 is a part given without the others.
 * InvalidArgumentError otherwise (parts missing, out of order, or of two models).
 */
export function checkGgufParts(headers: readonly GgufPartHeader[]): void {
  const n = headers.length;
  headers.forEach(({ name, metadata }, i) => {
    const count = asCount(metadata.get('split.count'));
    const no = asCount(metadata.get('split.no'));
    if (n === 1 && (count === undefined || count <= 1)) return;
    if (count !== n) {
      throw new InvalidArgumentError(`${name}: split.count is ${count ?? 'absent'} but ${n} GGUF ${n === 1 ? 'file was' : 'files were'} given`
        + `${count !== undefined && count > n ? `: give all ${count} parts, in order` : ''}`);
    }
    if (no !== i) throw new InvalidArgumentError(`${name}: given as part ${i + 1} of ${n} but its split.no says part ${no === undefined ? '(absent)' : no + 1}`);
  });
}

/**
 * Every part of the split model whose first part `location` names (a path,
 * or a URL whose path ends so), in order, as llama.cpp derives them from the
 * first part's name (llama_split_path); undefined when the name is no split
 * part. A later part is an InvalidArgumentError: a split model is opened by
 * its first part, whose header holds the model's metadata.
 */
export function ggufSplitSiblings(location: string): string[] | undefined {
  const url = /^[a-z][a-z0-9+.-]*:/i.test(location) && !/^[a-z]:[\\/]/i.test(location) ? new URL(location) : undefined;
  const split = ggufSplitName(url === undefined ? location : url.pathname);
  if (split === undefined) return undefined;
  if (split.index !== 1) {
    throw new InvalidArgumentError(`${location} is part ${split.index} of a split GGUF model: give its first part`);
  }
  return Array.from({ length: split.count }, (_, i) => {
    const name = `${split.prefix}-${String(i + 1).padStart(5, '0')}-of-${String(split.count).padStart(5, '0')}.gguf`;
    if (url === undefined) return name;
    const part = new URL(url.href);
    part.pathname = name;
    return part.href;
  });
}

/** A part's header as the split checks need it. */
export interface GgufSplitPart extends GgufPartHeader {
  tensors: readonly { name: string }[];
}

/** Metadata values equal as GGUF stores them (typed arrays and nested arrays element by element). */
function sameValue(a: unknown, b: unknown): boolean {
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    const x = a as unknown as ArrayLike<unknown>, y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  return Object.is(a, b);
}

/**
 * checkGgufParts, then what makes the parts one model, as llama.cpp's loader
 * checks it (llama-model-loader.cpp): no tensor in two parts (or twice in
 * one), and as many tensors in all as every part's split.tensors.count says;
 * and, stricter, a key a later part shares with the first has the same
 * value there (gguf-split writes the model's metadata into the first part
 * only, the split.* keys into all). FormatError for a tensor duplicated or
 * missing or metadata that differ; InvalidArgumentError as checkGgufParts.
 */
export function checkGgufSplit(parts: readonly GgufSplitPart[]): void {
  checkGgufParts(parts);
  const where = new Map<string, string>();
  for (const part of parts) {
    for (const t of part.tensors) {
      const other = where.get(t.name);
      if (other !== undefined) {
        throw new FormatError(other === part.name
          ? `${part.name}: tensor ${t.name} is there twice`
          : `tensor ${t.name} is in two parts of the split model: ${other} and ${part.name}`);
      }
      where.set(t.name, part.name);
    }
  }
  if (parts.length < 2) return;
  const total = where.size;
  for (const part of parts) {
    const expected = asCount(part.metadata.get('split.tensors.count'));
    if (expected !== total) {
      throw new FormatError(`${part.name}: split.tensors.count is ${expected ?? 'absent'} but the ${parts.length} parts hold ${total} tensors`
        + `${expected !== undefined && expected > total ? ' (a part lacks tensors)' : ''}`);
    }
  }
  const first = parts[0]!;
  for (const part of parts.slice(1)) {
    for (const [key, value] of part.metadata) {
      if (key === 'split.no' || !first.metadata.has(key)) continue;
      if (!sameValue(value, first.metadata.get(key))) {
        throw new FormatError(`${part.name}: metadata key ${key} differs from the first part's (${first.name}): parts of two models?`);
      }
    }
  }
}
