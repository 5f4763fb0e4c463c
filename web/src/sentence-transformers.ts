/**
 * The embedding defaults of a sentence-transformers repository: its
 * modules.json lists the modules SentenceTransformer runs after the
 * Transformer (a Pooling module whose folder holds config.json, Dense
 * projections, often a Normalize), and embed() pools, projects and
 * normalizes as they do unless its options say otherwise; the Transformer
 * module's sentence_bert_config.json says how long a text may be and whether
 * it is lowercased; config_sentence_transformers.json names the prompts put
 * before texts (Qwen3-Embedding's and EmbeddingGemma's instructions). What
 * qkv cannot apply (another pooling mode, a LayerNorm module, a custom one)
 * is named, and embed() without explicit options then refuses instead of
 * silently embedding another way.
 */
import { denseLayer, parseDenseConfig, type DenseInfo, type DenseLayer } from './dense.js';
import { FormatError } from './errors.js';
import type { Pooling } from './model.js';
import { isAbort, messageOf } from './platform.js';
import { openInput, readOptionalJson, type OptionalFile, type ReadContext, type SourceFile } from './sources/file-input.js';
import type { ResolvedModel } from './sources/source.js';

/** How embed() pools and normalizes when its options leave them out (see Model.info.embedding). */
export interface EmbeddingDefaults {
  /**
   * The pooling: the Pooling module's mode, or 'mean' without modules.json.
   * undefined when that mode is not one qkv applies (`unsupported` names it).
   */
  readonly pooling: Pooling | undefined;
  /** Whether vectors are scaled to unit length: a Normalize module follows the pooling. */
  readonly normalize: boolean;
  /**
   * Tokens a text is cut to (keeping its closing special token), as the
   * Transformer module's sentence_bert_config.json max_seq_length says;
   * undefined: the model's context (info.nCtx).
   */
  readonly maxTokens: number | undefined;
  /** Whether texts are lowercased before tokenizing (sentence_bert_config.json's do_lower_case). */
  readonly lowercase: boolean;
  /**
   * The Dense modules between the pooling and the Normalize, in order
   * (EmbeddingGemma: 768 → 3072 → 768); the vectors are the last one's
   * outFeatures wide.
   */
  readonly dense: readonly DenseInfo[];
  /**
   * config_sentence_transformers.json's prompts by name (e.g. { query:
   * 'Instruct: …\nQuery:', document: '' }): embed({ prompt_name }) puts one
   * before each text, as SentenceTransformer.encode does.
   */
  readonly prompts: Readonly<Record<string, string>>;
  /** The prompt used when embed() names none (default_prompt_name), or undefined. */
  readonly defaultPromptName: string | undefined;
  /** Whether the pooling counts the prompt's tokens (the Pooling config's include_prompt, default true). */
  readonly includePrompt: boolean;
  /** 'modules.json': read from the sentence-transformers modules; 'default': qkv's own (mean, not normalized). */
  readonly from: 'modules.json' | 'default';
  /**
   * What of modules.json qkv does not apply (a pooling mode, a module), or
   * undefined. When set, embed() without a `pooling` option throws an
   * UnsupportedError naming it rather than give other vectors than the
   * model's; an explicit `{ pooling }` still embeds.
   */
  readonly unsupported: string | undefined;
}

/** No modules.json: mean pooling, not normalized (embed()'s defaults before sentence-transformers). */
export const DEFAULT_EMBEDDING: EmbeddingDefaults = Object.freeze({
  pooling: 'mean', normalize: false, maxTokens: undefined, lowercase: false, dense: [], prompts: {},
  defaultPromptName: undefined, includePrompt: true, from: 'default', unsupported: undefined,
});

/** @internal The defaults, and the Dense modules' weights embed() applies (kept out of model.info). */
export interface LoadedEmbedding {
  defaults: EmbeddingDefaults;
  dense: DenseLayer[];
}

/** sentence-transformers' pooling modes, as its Pooling module names them, and what qkv runs them as. */
const MODES: Record<string, Pooling | undefined> = {
  cls: 'cls', mean: 'mean', max: 'max', mean_sqrt_len_tokens: undefined, weightedmean: undefined, lasttoken: 'last_token',
};

/** The legacy boolean keys of a Pooling config.json and the mode each turns on. */
const MODE_KEYS: Record<string, string> = {
  pooling_mode_cls_token: 'cls',
  pooling_mode_mean_tokens: 'mean',
  pooling_mode_max_tokens: 'max',
  pooling_mode_mean_sqrt_len_tokens: 'mean_sqrt_len_tokens',
  pooling_mode_weightedmean_tokens: 'weightedmean',
  pooling_mode_lasttoken: 'lasttoken',
};

interface ModuleEntry {
  type: string;
  /** The module's folder, relative to the repository ('' for the Transformer). */
  path: string;
}

/**
 * The embedding defaults of the repository `files` came from: read from
 * modules.json when the source has one, else qkv's. `width` is the model's
 * hidden size, which the first Dense module must take. A malformed
 * modules.json, Pooling or Dense config, or Dense weights of other shapes
 * than their config's, is a FormatError naming the file; a missing
 * modules.json is no error.
 */
export async function readEmbeddingDefaults(files: ResolvedModel, context: ReadContext,
  width: number): Promise<LoadedEmbedding> {
  const modulesJson = await readOptionalJson(files.extraFile?.('modules.json'), 'modules.json', context);
  if (modulesJson === undefined) return { defaults: DEFAULT_EMBEDDING, dense: [] };
  const modules = parseModules(modulesJson);
  const unapplied: string[] = [];
  const poolings: ModuleEntry[] = [];
  const denseModules: ModuleEntry[] = [];
  let normalize = false;
  let transformer: ModuleEntry | undefined;
  for (const module of modules) {
    const kind = moduleKind(module.type);
    if (kind === 'Transformer') transformer ??= module; // the model loadModel runs
    else if (kind === 'Pooling') poolings.push(module);
    else if (kind === 'Normalize') normalize = true;
    else if (kind === 'Dense' && !normalize && poolings.length === 1) denseModules.push(module);
    else if (kind === 'Dense') unapplied.push(`module ${describe(module)} (qkv applies Dense modules between the pooling and the Normalize)`);
    else unapplied.push(`module ${describe(module)}`);
  }
  let pooling: Pooling | undefined;
  let includePrompt = true;
  if (poolings.length === 0) {
    unapplied.unshift('no Pooling module');
  } else if (poolings.length > 1) {
    unapplied.unshift(`${poolings.length} Pooling modules (${poolings.map(describe).join(', ')})`);
  } else {
    const module = poolings[0]!;
    const name = joinPath(module.path, 'config.json');
    const config = await readOptionalJson(files.extraFile?.(name), name, context);
    if (config === undefined) {
      throw new FormatError(`modules.json lists a Pooling module in ${JSON.stringify(module.path)}, but ${name} is missing` +
        ' (with ModelFiles, give it in extraFiles)');
    }
    const modes = poolingModes(config, name);
    includePrompt = readIncludePrompt(config, name);
    if (modes.length > 1) {
      unapplied.unshift(`pooling ${modes.join('+')} of ${describe(module)} (sentence-transformers concatenates the ` +
        'vectors of several modes; qkv pools one way)');
    } else {
      pooling = MODES[modes[0]!];
      if (pooling === undefined) unapplied.unshift(`pooling mode '${modes[0]}' of ${describe(module)}`);
    }
  }
  const dense = await readDenseModules(files, denseModules, width, context);
  const unsupported = unapplied.length === 0 ? undefined
    : `this model's modules.json asks for what qkv does not apply: ${unapplied.join('; ')}`;
  const input = transformer === undefined ? { maxTokens: undefined, lowercase: false }
    : await readInputConfig(files, transformer, context);
  const prompts = await readPrompts(files, context);
  const defaults: EmbeddingDefaults = Object.freeze({
    pooling, normalize, ...input, dense: Object.freeze(dense.map(({ path, inFeatures, outFeatures, activation }) =>
      Object.freeze({ path, inFeatures, outFeatures, activation }))),
    ...prompts, includePrompt, from: 'modules.json', unsupported,
  });
  return { defaults, dense };
}

/** Each Dense module's config.json and model.safetensors, chained from `width` wide vectors. */
async function readDenseModules(files: ResolvedModel, modules: readonly ModuleEntry[], width: number,
  context: ReadContext): Promise<DenseLayer[]> {
  const layers: DenseLayer[] = [];
  for (const module of modules) {
    const name = joinPath(module.path, 'config.json');
    const json = await readOptionalJson(files.extraFile?.(name), name, context);
    if (json === undefined) {
      throw new FormatError(`modules.json lists a Dense module in ${JSON.stringify(module.path)}, but ${name} is missing` +
        ' (with ModelFiles, give it in extraFiles)');
    }
    const config = parseDenseConfig(json, name, module.path);
    const wanted = layers.length === 0 ? width : layers[layers.length - 1]!.outFeatures;
    if (config.inFeatures !== wanted) {
      throw new FormatError(`${name}: in_features is ${config.inFeatures}, but the vectors reaching it are ${wanted} wide ` +
        `(${layers.length === 0 ? "the model's hidden size" : `${layers[layers.length - 1]!.path}'s out_features`})`);
    }
    const weights = joinPath(module.path, 'model.safetensors');
    const bytes = await readBytes(files.extraFile?.(weights), weights, context);
    layers.push(denseLayer(config, bytes, weights));
  }
  return layers;
}

/** A required file of a module: its bytes, or a FormatError naming it when missing. */
async function readBytes(input: SourceFile | OptionalFile | undefined, name: string, context: ReadContext): Promise<Uint8Array> {
  const missing = () => new FormatError(`modules.json lists a module whose ${name} is missing (qkv reads Dense weights ` +
    'from model.safetensors; with ModelFiles, give it in extraFiles)');
  if (input === undefined) throw missing();
  const location = typeof input === 'object' && input !== null && 'optional' in input ? input.optional : input as SourceFile;
  let src;
  try {
    src = await openInput(location, name, context);
  } catch (e) {
    if (isAbort(e)) throw e;
    const error = missing();
    error.message += `: ${messageOf(e)}`;
    throw error;
  }
  try {
    const bytes = new Uint8Array(src.size);
    await src.read(0, bytes);
    await src.complete?.();
    return bytes;
  } finally {
    await src.close();
  }
}

/** The Pooling config's include_prompt (default true). */
function readIncludePrompt(config: unknown, name: string): boolean {
  const value = (config as Record<string, unknown>)['include_prompt'] ?? true;
  if (typeof value !== 'boolean') throw new FormatError(`${name}: include_prompt must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** config_sentence_transformers.json's prompts and default_prompt_name (both optional). */
async function readPrompts(files: ResolvedModel, context: ReadContext): Promise<Pick<EmbeddingDefaults, 'prompts' | 'defaultPromptName'>> {
  const name = 'config_sentence_transformers.json';
  const config = await readOptionalJson(files.extraFile?.(name), name, context);
  if (config === undefined) return { prompts: Object.freeze({}), defaultPromptName: undefined };
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new FormatError(`${name}: expected a JSON object`);
  const { prompts: raw, default_prompt_name: chosen } = config as Record<string, unknown>;
  const prompts: Record<string, string> = {};
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new FormatError(`${name}: prompts must be an object of strings`);
    for (const [key, value] of Object.entries(raw)) {
      if (typeof value !== 'string') throw new FormatError(`${name}: prompts.${key} must be a string, got ${JSON.stringify(value)}`);
      prompts[key] = value;
    }
  }
  if (chosen !== undefined && chosen !== null && (typeof chosen !== 'string' || !Object.hasOwn(prompts, chosen))) {
    throw new FormatError(`${name}: default_prompt_name ${JSON.stringify(chosen)} is not one of the prompts ` +
      `(${Object.keys(prompts).join(', ') || 'none'})`);
  }
  return { prompts: Object.freeze(prompts), defaultPromptName: typeof chosen === 'string' ? chosen : undefined };
}

/**
 * How the Transformer module prepares texts, from its sentence_bert_config.json
 * (optional): max_seq_length (the tokenizer's truncation length) and do_lower_case.
 */
async function readInputConfig(files: ResolvedModel, transformer: ModuleEntry,
  context: ReadContext): Promise<{ maxTokens: number | undefined; lowercase: boolean }> {
  const name = joinPath(transformer.path, 'sentence_bert_config.json');
  const config = await readOptionalJson(files.extraFile?.(name), name, context);
  if (config === undefined) return { maxTokens: undefined, lowercase: false };
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new FormatError(`${name}: expected a JSON object`);
  }
  const { max_seq_length: max, do_lower_case: lower } = config as Record<string, unknown>;
  if (max !== undefined && max !== null && !(Number.isSafeInteger(max) && (max as number) >= 2)) {
    throw new FormatError(`${name}: max_seq_length must be a whole number of tokens >= 2, got ${JSON.stringify(max)}`);
  }
  if (lower !== undefined && typeof lower !== 'boolean') {
    throw new FormatError(`${name}: do_lower_case must be true or false, got ${JSON.stringify(lower)}`);
  }
  return { maxTokens: typeof max === 'number' ? max : undefined, lowercase: lower === true };
}

/** The modules of modules.json: [{ idx, name, path, type }, ...] as SentenceTransformer.save writes them. */
function parseModules(json: unknown): ModuleEntry[] {
  if (!Array.isArray(json)) throw new FormatError('modules.json: expected an array of modules');
  return json.map((entry: unknown, i) => {
    const { type, path } = (typeof entry === 'object' && entry !== null ? entry : {}) as { type?: unknown; path?: unknown };
    if (typeof type !== 'string' || (path !== undefined && typeof path !== 'string')) {
      throw new FormatError(`modules.json: module ${i} needs a "type" string and a "path" string`);
    }
    return { type, path: path ?? '' };
  });
}

/**
 * Which of the modules qkv knows a type names: sentence-transformers' own
 * classes, under their names before 5.4 (sentence_transformers.models.Pooling)
 * and after (sentence_transformers.sentence_transformer.modules.pooling.Pooling).
 */
function moduleKind(type: string): 'Transformer' | 'Pooling' | 'Normalize' | 'Dense' | undefined {
  if (!type.startsWith('sentence_transformers.')) return undefined; // a custom module
  const name = type.slice(type.lastIndexOf('.') + 1);
  return name === 'Transformer' || name === 'Pooling' || name === 'Normalize' || name === 'Dense' ? name : undefined;
}

function describe(module: ModuleEntry): string {
  return `${module.path === '' ? '(root)' : module.path} (${module.type})`;
}

function joinPath(folder: string, name: string): string {
  const trimmed = folder.replace(/^\.?\/+|\/+$/g, '');
  return trimmed === '' ? name : `${trimmed}/${name}`;
}

/**
 * The pooling modes a Pooling config.json turns on, as sentence-transformers'
 * Pooling reads it: a `pooling_mode` string (the compact form of 5.4+, which
 * overrides the booleans) or the pooling_mode_* booleans, where
 * pooling_mode_mean_tokens defaults to true and the others to false.
 */
function poolingModes(config: unknown, name: string): string[] {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new FormatError(`${name}: expected a JSON object`);
  }
  const fields = config as Record<string, unknown>;
  const compact = fields['pooling_mode'];
  if (compact !== undefined && compact !== null) {
    const modes = typeof compact === 'string' ? compact.toLowerCase().split('+') : undefined;
    if (modes === undefined || !modes.every((m) => Object.hasOwn(MODES, m))) {
      throw new FormatError(`${name}: pooling_mode must be one of ${Object.keys(MODES).join(', ')}, got ` +
        JSON.stringify(compact));
    }
    return modes;
  }
  const modes: string[] = [];
  for (const [key, mode] of Object.entries(MODE_KEYS)) {
    const value = fields[key] ?? (key === 'pooling_mode_mean_tokens');
    if (typeof value !== 'boolean') throw new FormatError(`${name}: ${key} must be true or false, got ${JSON.stringify(value)}`);
    if (value) modes.push(mode);
  }
  if (modes.length === 0) throw new FormatError(`${name}: no pooling mode is true`);
  return modes;
}
