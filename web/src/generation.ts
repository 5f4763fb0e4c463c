/**
 * Generation options as transformers.js names them, checked and resolved into
 * what the wasm sampler takes.
 */
import { InvalidArgumentError } from './errors.js';
import type { BeamSearchSettings } from './seq2seq.js';

export interface GenerationOptions {
  /** Tokens to generate at most (default 20, as transformers.js). */
  max_new_tokens?: number;
  /** Sample instead of taking the most likely token. Default: true when temperature, top_k or top_p is given. */
  do_sample?: boolean;
  /** Softmax temperature (>= 0, default 1); 0 means greedy, as in transformers.js. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 = off). */
  top_k?: number;
  /** Keep the smallest set of tokens whose probability reaches top_p (1 = off). */
  top_p?: number;
  /** > 1 discourages tokens already in the prompt or output (1 = off). */
  repetition_penalty?: number;
  /** Seed of the sampler; the same seed gives the same text. Default: random. */
  seed?: number;
  /** Generation ends when the output contains one of these strings (it is cut before it). */
  stop?: string | readonly string[];
  /** Token ids that end generation; default: the model's eos_token_id. */
  eos_token_id?: number | readonly number[];
  /**
   * Aborts generation; the iterator then throws an AbortError (the signal's
   * reason), unless on_abort is 'finish'.
   */
  signal?: AbortSignal;
  /**
   * What an abort of `signal` does: 'throw' (default) makes the iterator (and
   * the pipeline) throw an AbortError; 'finish' ends the stream as any other
   * end does, with a last item whose finishReason is 'abort' (carrying text
   * held back for stop strings), so the text generated so far is kept (the
   * pipeline returns it with finish_reason 'abort').
   */
  on_abort?: 'throw' | 'finish';
  /**
   * 'left': a prompt longer than the context keeps its last tokens (as many as
   * the context holds). Default: such a prompt is an InvalidArgumentError.
   */
  truncation?: 'left';
  /**
   * Reuse the KV cache for the start of the prompt that the model's last call left in it (default true):
   * only the tokens after the longest common prefix are computed, so a chat's next turn, which re-sends the
   * whole conversation, prefills only its new messages. The logits agree either way to float rounding
   * (1e-6 of their scale, with f32, f16 and q8 weights: only the order of sums differs), so the tokens are a
   * fresh session's. false computes the whole prompt (llama.cpp's server calls this option cache_prompt too).
   */
  cache_prompt?: boolean;
  /**
   * With a conversation as the prompt: more options and variables for the chat template, as
   * tokenizer.apply_chat_template(messages, { add_generation_prompt: true, ...chat_template_kwargs }) takes them
   * (llama.cpp's server and vLLM call this option chat_template_kwargs too). E.g. `{ enable_thinking: false }`
   * for Qwen3's template, `{ tools }`, or a `chat_template` of the tokenizer's to use instead of its default.
   */
  chat_template_kwargs?: ChatTemplateKwargs;
}

/**
 * The template options a generate() call may set: apply_chat_template's, less those the call decides itself
 * (it appends the assistant header and encodes the text); any other key is a template variable.
 */
export interface ChatTemplateKwargs {
  chat_template?: string;
  tools?: readonly unknown[];
  documents?: readonly unknown[];
  add_generation_prompt?: never;
  tokenize?: never;
  return_dict?: never;
  [variable: string]: unknown;
}

/** Keys of chat_template_kwargs that generate() sets itself. */
const TEMPLATE_KEYS_OF_THE_CALL = ['add_generation_prompt', 'tokenize', 'return_dict'];

export interface ResolvedSampling {
  doSample: boolean;
  temperature: number;
  topK: number;
  topP: number;
  repetitionPenalty: number;
}

export interface ResolvedGeneration {
  maxNewTokens: number;
  sampling: ResolvedSampling;
  seed: number;
  stop: string[];
  eos: number[];
  signal: AbortSignal | undefined;
  onAbort: 'throw' | 'finish';
  truncation: 'left' | undefined;
  cachePrompt: boolean;
  chatTemplateKwargs: ChatTemplateKwargs;
}

const KNOWN = new Set([
  'max_new_tokens', 'do_sample', 'temperature', 'top_k', 'top_p', 'repetition_penalty', 'seed', 'stop',
  'eos_token_id', 'signal', 'on_abort', 'truncation', 'cache_prompt', 'chat_template_kwargs',
]);

function number(options: Record<string, unknown>, key: string, fallback: number, check: (v: number) => boolean,
  rule: string): number {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !check(v)) {
    throw new InvalidArgumentError(`generate: ${key} must be ${rule}, got ${typeof v === 'number' ? v : typeof v}`);
  }
  return v;
}

/**
 * The sampling defaults a checkpoint's generation_config.json gives, named as
 * transformers' GenerationConfig names them; only the keys the file sets (and
 * qkv can honour) are present. generate() falls back to them for options it is
 * not given; what a key left out means is transformers' default: do_sample
 * false (greedy), temperature 1, top_p 1, repetition_penalty 1, 20 new tokens.
 */
export interface GenerationDefaults extends BeamSearchSettings {
  do_sample?: boolean;
  temperature?: number;
  top_k?: number;
  top_p?: number;
  repetition_penalty?: number;
  max_new_tokens?: number;
  /** Prompt and new tokens together; used only when max_new_tokens is absent (as transformers does). */
  max_length?: number;
}

const DEFAULT_KEYS = ['do_sample', 'temperature', 'top_k', 'top_p', 'repetition_penalty', 'max_new_tokens', 'max_length'] as const;

/**
 * Reads generation_config.json's sampling defaults. A value generate() would
 * refuse is left out (the library's own default applies) rather than making
 * the model fail to load.
 */
export function readGenerationDefaults(generationConfig: unknown): GenerationDefaults {
  const out: Record<string, unknown> = {};
  if (typeof generationConfig !== 'object' || generationConfig === null) return out;
  const json = generationConfig as Record<string, unknown>;
  for (const key of DEFAULT_KEYS) {
    const value = json[key];
    if (value === undefined || value === null) continue;
    try {
      if (key === 'max_length') {
        if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) out[key] = value;
      } else {
        resolveGenerationOptions({ [key]: value }, []);
        out[key] = value;
      }
    } catch {
      // refused: the default applies
    }
  }
  return out as GenerationDefaults;
}

/**
 * The options generate() runs with: the caller's, else the checkpoint's
 * defaults. do_sample turns on by itself only for sampling options the caller
 * gave; the file's temperature or top_p without its do_sample: true leave
 * generation greedy, as in transformers.
 */
export function withGenerationDefaults(options: GenerationOptions, defaults: GenerationDefaults | undefined,
  promptLength: number): GenerationOptions {
  if (defaults === undefined || typeof options !== 'object' || options === null) return options;
  const merged: Record<string, unknown> = { ...options };
  const given = (key: string): boolean => (options as Record<string, unknown>)[key] !== undefined;
  if (!given('do_sample')) {
    merged.do_sample = given('temperature') || given('top_k') || given('top_p') || (defaults.do_sample ?? false);
  }
  for (const key of ['temperature', 'top_k', 'top_p', 'repetition_penalty'] as const) {
    if (!given(key) && defaults[key] !== undefined) merged[key] = defaults[key];
  }
  if (!given('max_new_tokens')) {
    if (defaults.max_new_tokens !== undefined) merged.max_new_tokens = defaults.max_new_tokens;
    else if (defaults.max_length !== undefined) merged.max_new_tokens = Math.max(0, defaults.max_length - promptLength);
  }
  return merged as GenerationOptions;
}

export function resolveGenerationOptions(options: GenerationOptions, defaultEos: readonly number[]): ResolvedGeneration {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('generate: options must be an object');
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) {
      throw new InvalidArgumentError(`generate: unknown option '${key}' (known: ${[...KNOWN].join(', ')})`);
    }
  }
  const maxNewTokens = number(o, 'max_new_tokens', 20, (v) => Number.isInteger(v) && v >= 0, 'a whole number >= 0');
  // The sampler takes 32-bit floats: 1e-50 would become 0 and 1e300 Infinity there.
  const float32 = (v: number): boolean => Number.isFinite(Math.fround(v)) && Math.fround(v) > 0;
  // 0 is the limit of ever colder sampling: the most likely token, i.e. greedy
  // (transformers.js and the OpenAI-style servers read it so).
  const rawTemperature = number(o, 'temperature', 1, (v) => v === 0 || float32(v),
    'a finite number > 0 that a 32-bit float holds (about 1.4e-45 to 3.4e38), or 0 for greedy');
  const greedy = rawTemperature === 0;
  const temperature = greedy ? 1 : rawTemperature;
  const topK = number(o, 'top_k', 0, (v) => Number.isInteger(v) && v >= 0, 'a whole number >= 0');
  const topP = number(o, 'top_p', 1, (v) => float32(v) && v <= 1, 'in (0, 1] (and at least 1.4e-45)');
  const repetitionPenalty = number(o, 'repetition_penalty', 1, float32,
    'a finite number > 0 that a 32-bit float holds (about 1.4e-45 to 3.4e38)');
  const seed = number(o, 'seed', Math.floor(Math.random() * 2 ** 32), (v) => Number.isSafeInteger(v) && v >= 0,
    'a whole number >= 0');
  if (o.do_sample !== undefined && typeof o.do_sample !== 'boolean') {
    throw new InvalidArgumentError(`generate: do_sample must be a boolean, got ${typeof o.do_sample}`);
  }
  const doSample = !greedy && ((o.do_sample as boolean | undefined) ??
    (o.temperature !== undefined || o.top_k !== undefined || o.top_p !== undefined));
  const stopList = o.stop === undefined ? [] : typeof o.stop === 'string' ? [o.stop] : o.stop;
  if (!Array.isArray(stopList) || !stopList.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new InvalidArgumentError('generate: stop must be a non-empty string or an array of them');
  }
  const { eos: eosList, signal, onAbort } = resolveEndings(o, defaultEos);
  if (o.truncation !== undefined && o.truncation !== 'left') {
    throw new InvalidArgumentError(`generate: truncation must be 'left', got ${JSON.stringify(o.truncation)}`);
  }
  if (o.cache_prompt !== undefined && typeof o.cache_prompt !== 'boolean') {
    throw new InvalidArgumentError(`generate: cache_prompt must be a boolean, got ${typeof o.cache_prompt}`);
  }
  return {
    truncation: o.truncation,
    cachePrompt: o.cache_prompt !== false,
    chatTemplateKwargs: resolveChatTemplateKwargs(o.chat_template_kwargs),
    maxNewTokens,
    sampling: { doSample, temperature, topK, topP, repetitionPenalty },
    seed,
    stop: stopList as string[],
    eos: eosList,
    signal,
    onAbort,
  };
}

/** eos_token_id (default: the model's), signal and on_abort, checked: what ends a generation besides its length. */
export function resolveEndings(o: Record<string, unknown>, defaultEos: readonly number[]):
  { eos: number[]; signal: AbortSignal | undefined; onAbort: 'throw' | 'finish' } {
  const eos = o.eos_token_id === undefined ? [...defaultEos]
    : typeof o.eos_token_id === 'number' ? [o.eos_token_id] : o.eos_token_id;
  if (!Array.isArray(eos) || !eos.every((t) => Number.isSafeInteger(t) && t >= 0)) {
    throw new InvalidArgumentError('generate: eos_token_id must be a token id or an array of them');
  }
  const signal = o.signal;
  if (signal !== undefined && !(typeof signal === 'object' && signal !== null && 'aborted' in signal)) {
    throw new InvalidArgumentError('generate: signal must be an AbortSignal');
  }
  if (o.on_abort !== undefined && o.on_abort !== 'throw' && o.on_abort !== 'finish') {
    throw new InvalidArgumentError(`generate: on_abort must be 'throw' or 'finish', got ${JSON.stringify(o.on_abort)}`);
  }
  return { eos: eos as number[], signal: signal as AbortSignal | undefined, onAbort: (o.on_abort as 'throw' | 'finish' | undefined) ?? 'throw' };
}

/** chat_template_kwargs, checked: {} when absent. */
export function resolveChatTemplateKwargs(value: unknown): ChatTemplateKwargs {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError('generate: chat_template_kwargs must be an object of template options and variables');
  }
  const own = TEMPLATE_KEYS_OF_THE_CALL.filter((key) => key in value);
  if (own.length > 0) {
    throw new InvalidArgumentError(`generate: chat_template_kwargs may not set ${own.join(', ')}: generate() renders ` +
      'the conversation with the assistant header appended and encodes it itself');
  }
  return value as ChatTemplateKwargs;
}

/**
 * The default stop ids. generation_config.json's eos_token_id, when it has
 * one, replaces config.json's, as in transformers and transformers.js (whose
 * generation config starts from the model config and is then overwritten by
 * generation_config.json): Qwen2.5-Instruct's lists both <|im_end|> and
 * <|endoftext|>, Llama 3.x-Instruct's <|eot_id|> as well as <|end_of_text|>.
 */
export function defaultStopIds(config: unknown, generationConfig: unknown): number[] {
  const eosOf = (json: unknown): unknown =>
    typeof json === 'object' && json !== null && 'eos_token_id' in json ? json.eos_token_id : undefined;
  const eos = eosOf(generationConfig) ?? eosOf(config);
  const list: unknown[] = Array.isArray(eos) ? eos : [eos];
  return list.filter((id): id is number => Number.isInteger(id));
}
