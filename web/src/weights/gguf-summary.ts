/**
 * What a GGUF model is, from its header(s) alone (no weight is read): the
 * version, architecture and its hyper-parameters (every `<arch>.` key), the
 * tokenizer, the chat template, every metadata key with its type and value
 * (long arrays as their first elements and length), and the tensor table
 * with totals per ggml type — what llama.cpp's gguf-dump prints. As JSON-safe
 * data (64-bit integers beyond 2^53 as strings) and as text; used by
 * `qkv inspect` and the demo page, so it imports nothing Node-only.
 */
import type { GgufHeader, GgufValue } from './gguf-header.js';

export interface GgufPart {
  /** The file's name (or path, or URL) and size in bytes. */
  name: string;
  size: number;
  header: GgufHeader;
}

/** A metadata value as JSON: numbers, strings, booleans, arrays (the first ARRAY_HEAD elements of long ones). */
export type GgufJsonValue = number | string | boolean | GgufJsonValue[];

export interface GgufMetadataEntry {
  key: string;
  /** As llama.cpp prints it: 'u32', 'str', 'arr[str,151936]'. */
  type: string;
  /** Arrays: their full length (value then holds at most ARRAY_HEAD elements). */
  length?: number;
  value: GgufJsonValue;
}

export interface GgufTensorRow {
  name: string;
  type: string;
  /** ggml order: dims[0] is the row length. */
  dims: number[];
  elements: number;
  nbytes: number;
  /** 0-based part of a split model that holds it. */
  part: number;
}

export interface GgufTypeTotal {
  type: string;
  tensors: number;
  elements: number;
  nbytes: number;
}

export interface GgufTokenizerSummary {
  /** tokenizer.ggml.model and .pre ('gpt2', 'qwen2'). */
  model?: string;
  pre?: string;
  /** Entries of tokenizer.ggml.tokens. */
  vocabSize?: number;
  merges?: number;
  bos?: number;
  eos?: number;
  unk?: number;
  pad?: number;
  addBos?: boolean;
  addEos?: boolean;
}

export interface GgufSummary {
  files: { name: string; size: number }[];
  fileBytes: number;
  version: number;
  alignment: number;
  /** Of the first part. */
  headerBytes: number;
  dataOffset: number;
  architecture?: string;
  name?: string;
  /** Every `<architecture>.` key without that prefix ('block_count', 'attention.head_count'). */
  hyperParameters: Record<string, GgufJsonValue>;
  tokenizer?: GgufTokenizerSummary;
  /** Characters of tokenizer.chat_template; undefined when there is none. */
  chatTemplateChars?: number;
  /** Sum of the tensors' elements. */
  parameters: number;
  metadata: GgufMetadataEntry[];
  tensors: GgufTensorRow[];
  /** Per ggml type, the largest first. */
  tensorTypes: GgufTypeTotal[];
}

/** Elements of an array value kept in a summary. */
export const ARRAY_HEAD = 8;

function jsonValue(value: GgufValue, head: number): GgufJsonValue {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  const items = Array.from(value as ArrayLike<GgufValue>).slice(0, head);
  return items.map((v) => jsonValue(v, head));
}

const lengthOf = (value: GgufValue): number | undefined =>
  typeof value === 'object' ? (value as ArrayLike<unknown>).length : undefined;

const num = (value: GgufValue | undefined): number | undefined =>
  typeof value === 'number' ? value : typeof value === 'bigint' && Number.isSafeInteger(Number(value)) ? Number(value) : undefined;

/** The summary of a model in one file or in the parts of a split one (metadata from the first). */
export function summarizeGguf(parts: readonly GgufPart[]): GgufSummary {
  const first = parts[0];
  if (first === undefined) throw new RangeError('summarizeGguf: no GGUF file');
  const { metadata, types } = first.header;
  const str = (key: string): string | undefined => {
    const v = metadata.get(key);
    return typeof v === 'string' ? v : undefined;
  };
  const architecture = str('general.architecture');
  const entries: GgufMetadataEntry[] = [...metadata].map(([key, value]) => {
    const length = lengthOf(value);
    return { key, type: types.get(key) ?? '?', ...(length === undefined ? {} : { length }), value: jsonValue(value, ARRAY_HEAD) };
  });
  const hyperParameters: Record<string, GgufJsonValue> = {};
  if (architecture !== undefined) {
    for (const [key, value] of metadata) {
      if (key.startsWith(`${architecture}.`)) hyperParameters[key.slice(architecture.length + 1)] = jsonValue(value, Infinity);
    }
  }
  const tensors: GgufTensorRow[] = parts.flatMap((p, part) => p.header.tensors.map((t) => ({
    name: t.name, type: t.typeName, dims: t.dims, elements: t.dims.reduce((a, b) => a * b, 1), nbytes: t.nbytes, part,
  })));
  const byType = new Map<string, GgufTypeTotal>();
  for (const t of tensors) {
    const total = byType.get(t.type) ?? { type: t.type, tensors: 0, elements: 0, nbytes: 0 };
    total.tensors++;
    total.elements += t.elements;
    total.nbytes += t.nbytes;
    byType.set(t.type, total);
  }
  const tokenizer = tokenizerSummary(metadata);
  const template = str('tokenizer.chat_template');
  const name = str('general.name');
  return {
    files: parts.map((p) => ({ name: p.name, size: p.size })),
    fileBytes: parts.reduce((n, p) => n + p.size, 0),
    version: first.header.version, alignment: first.header.alignment,
    headerBytes: first.header.headerBytes, dataOffset: first.header.dataOffset,
    ...(architecture === undefined ? {} : { architecture }),
    ...(name === undefined ? {} : { name }),
    hyperParameters,
    ...(tokenizer === undefined ? {} : { tokenizer }),
    ...(template === undefined ? {} : { chatTemplateChars: template.length }),
    parameters: tensors.reduce((n, t) => n + t.elements, 0),
    metadata: entries,
    tensors,
    tensorTypes: [...byType.values()].sort((a, b) => b.nbytes - a.nbytes || a.type.localeCompare(b.type)),
  };
}

function tokenizerSummary(metadata: ReadonlyMap<string, GgufValue>): GgufTokenizerSummary | undefined {
  const get = (key: string) => metadata.get(`tokenizer.ggml.${key}`);
  const out: GgufTokenizerSummary = {};
  const model = get('model');
  const pre = get('pre');
  if (typeof model === 'string') out.model = model;
  if (typeof pre === 'string') out.pre = pre;
  const tokens = get('tokens');
  if (tokens !== undefined && lengthOf(tokens) !== undefined) out.vocabSize = lengthOf(tokens)!;
  const merges = get('merges');
  if (merges !== undefined && lengthOf(merges) !== undefined) out.merges = lengthOf(merges)!;
  for (const [field, key] of [['bos', 'bos_token_id'], ['eos', 'eos_token_id'], ['unk', 'unknown_token_id'], ['pad', 'padding_token_id']] as const) {
    const id = num(get(key));
    if (id !== undefined) out[field] = id;
  }
  const addBos = get('add_bos_token');
  const addEos = get('add_eos_token');
  if (typeof addBos === 'boolean') out.addBos = addBos;
  if (typeof addEos === 'boolean') out.addEos = addEos;
  return Object.keys(out).length === 0 ? undefined : out;
}

/** Decimal sizes, as the rest of qkv prints them. */
export function formatSize(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/** A value on one line: strings quoted inside arrays, long arrays ending in '…'. */
function showValue(entry: { value: GgufJsonValue; length?: number }, f32: boolean): string {
  const { value } = entry;
  if (Array.isArray(value)) {
    const inner = value.map((v) => showValue({ value: v }, f32));
    const more = entry.length !== undefined && entry.length > value.length ? ', …' : '';
    return `[${inner.join(', ')}${more}]`;
  }
  // JSON quoting keeps a template's newlines (and any control character) on one line.
  if (typeof value === 'string') return JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value);
  // An f32 shown with the 9 significant digits that identify it (1e-6, not its double 9.999999974752427e-7).
  if (f32 && typeof value === 'number') return String(Number(value.toPrecision(9)));
  return String(value);
}

const isF32 = (type: string | undefined): boolean => type === 'f32' || type?.startsWith('arr[f32') === true;

const pad = (rows: string[][]): string[] => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]!.length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
};

/** The summary as text: an overview, then the metadata, the tensors and the totals per type. */
export function formatGgufSummary(s: GgufSummary): string {
  const files = s.files.length === 1 ? `${s.files[0]!.name} (${formatSize(s.fileBytes)})`
    : `${s.files.length} parts, ${formatSize(s.fileBytes)}: ${s.files.map((f) => f.name).join(', ')}`;
  const typeOf = new Map(s.metadata.map((m) => [m.key, m.type]));
  const hp = Object.entries(s.hyperParameters)
    .map(([k, v]) => `${k} ${showValue({ value: v }, isF32(typeOf.get(`${s.architecture}.${k}`)))}`).join(', ');
  const t = s.tokenizer;
  const tokenizer = t === undefined ? 'none in the file' : [
    `${t.model ?? '?'}${t.pre === undefined ? '' : ` (pre ${t.pre})`}`,
    t.vocabSize === undefined ? undefined : `${t.vocabSize} tokens`,
    t.merges === undefined ? undefined : `${t.merges} merges`,
    ...(['bos', 'eos', 'unk', 'pad'] as const).map((k) => (t[k] === undefined ? undefined : `${k} ${t[k]}`)),
    t.addBos === undefined ? undefined : `add_bos ${t.addBos}`,
  ].filter((x) => x !== undefined).join(', ');
  const overview = pad([
    ['file', files],
    ['format', `GGUF version ${s.version}, alignment ${s.alignment}, header ${formatSize(s.headerBytes)}`],
    ['architecture', `${s.architecture ?? '(none)'}${s.name === undefined ? '' : ` (${JSON.stringify(s.name)})`}`],
    ['parameters', `${s.parameters.toLocaleString('en-US')} in ${s.tensors.length} tensors`],
    ['hyper-parameters', hp === '' ? '(none)' : hp],
    ['tokenizer', tokenizer],
    ['chat template', s.chatTemplateChars === undefined ? 'no' : `yes (${s.chatTemplateChars} characters)`],
    ['tensor types', s.tensorTypes.map((x) => `${x.type} ${formatSize(x.nbytes)}`).join(', ') || '(no tensors)'],
  ].map(([a, b]) => [a!, b!]));
  const metadata = pad(s.metadata.map((m, i) => [`${i + 1}:`, m.type, m.key, showValue(m, isF32(m.type))]));
  const multi = s.files.length > 1;
  const tensors = pad(s.tensors.map((x, i) => [`${i + 1}:`, x.type, x.name, `[${x.dims.join(', ')}]`,
    formatSize(x.nbytes), ...(multi ? [`part ${x.part + 1}`] : [])]));
  const totals = pad(s.tensorTypes.map((x) => [x.type, `${x.tensors} tensor${x.tensors === 1 ? '' : 's'}`, `${x.elements.toLocaleString('en-US')} elements`,
    formatSize(x.nbytes)]));
  return [
    ...overview, '',
    `Metadata (${s.metadata.length} keys):`, ...metadata.map((l) => `  ${l}`), '',
    `Tensors (${s.tensors.length}):`, ...tensors.map((l) => `  ${l}`), '',
    'Totals by type:', ...totals.map((l) => `  ${l}`),
  ].join('\n');
}
