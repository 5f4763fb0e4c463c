/**
 * The pre-tokenizer of a byte-level BPE ("gpt2") GGUF vocabulary, from the
 * name in `tokenizer.ggml.pre`. llama.cpp (src/llama-vocab.cpp) maps each
 * name to a list of regexes adapted from the model's tokenizer.json; here
 * each name gives back the tokenizer.json parts of the Hub model it stands
 * for (the original Oniguruma regexes, which qkv translates), plus the
 * defaults llama.cpp applies for that name (ignore_merges, add_bos).
 */
import { UnsupportedError } from '../errors.js';

type Json = Record<string, unknown>;

export interface PreTokenizerSpec {
  normalizer: Json | null;
  preTokenizer: Json;
  /** A word that is a token as a whole is that token (Llama 3's ignore_merges). */
  ignoreMerges: boolean;
  /** llama.cpp's add_bos default for this name (tokenizer.ggml.add_bos_token overrides it). */
  addBos: boolean;
}

// Llama 3 (tiktoken cl100k): digits in runs of up to three.
const LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
  + '|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+';
// Qwen2/Qwen2.5/Qwen3: single digits.
const QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
  + '|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+';
// Qwen3.5: combining marks stay with their letters.
const QWEN35 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*"
  + '|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+';
// llama.cpp's "default" (a GGUF written without a pre name): its four regexes, applied in turn.
const DEFAULT = ['[\\p{P}\\$\\+<=>\\^~\\|]+', "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
  '\\p{N}+', '[0-9][0-9][0-9]'];

const split = (regex: string): Json => ({ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false });
const byteLevel = (useRegex: boolean): Json => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: useRegex });
const sequence = (...steps: Json[]): Json => ({ type: 'Sequence', pretokenizers: steps });

function spec(preTokenizer: Json, options: Partial<PreTokenizerSpec> = {}): PreTokenizerSpec {
  return { normalizer: null, preTokenizer, ignoreMerges: false, addBos: false, ...options };
}

// GPT-2: ByteLevel with use_regex runs OpenAI's pattern itself.
const GPT2_SPEC = spec(byteLevel(true));
// SmolLM, StarCoder: digits one by one (Digits with individual_digits), then GPT-2's pattern.
const SMOLLM_SPEC = spec(sequence(split('\\p{N}'), byteLevel(true)));
const LLAMA3_SPEC = spec(sequence(split(LLAMA3), byteLevel(false)), { ignoreMerges: true, addBos: true });
const QWEN2_SPEC = spec(sequence(split(QWEN2), byteLevel(false)), { normalizer: { type: 'NFC' } });
// Unlike Qwen2's, Qwen3.5's tokenizer.json has no NFC normalizer (llama.cpp's qwen35 goldens keep decomposed marks).
const QWEN35_SPEC = spec(sequence(split(QWEN35), byteLevel(false)));
const DEFAULT_SPEC = spec(sequence(...DEFAULT.map(split), byteLevel(false)));

/** tokenizer.ggml.pre names, grouped as llama.cpp groups them. */
const PRE_TYPES: Record<string, PreTokenizerSpec> = {
  default: DEFAULT_SPEC,
  'gpt-2': GPT2_SPEC, 'phi-2': GPT2_SPEC, mpt: GPT2_SPEC, olmo: GPT2_SPEC,
  smollm: SMOLLM_SPEC, starcoder: SMOLLM_SPEC, refact: SMOLLM_SPEC, codeshell: SMOLLM_SPEC,
  'llama-bpe': LLAMA3_SPEC, llama3: LLAMA3_SPEC, 'llama-v3': LLAMA3_SPEC, falcon3: LLAMA3_SPEC,
  qwen2: QWEN2_SPEC, 'deepseek-r1-qwen': QWEN2_SPEC,
  qwen35: QWEN35_SPEC,
};

export const SUPPORTED_PRE_TYPES: readonly string[] = Object.keys(PRE_TYPES);

/** The spec for a `tokenizer.ggml.pre` name (llama.cpp reads a missing one as "default"). */
export function preTokenizerFor(pre: string | undefined): PreTokenizerSpec {
  const name = pre ?? 'default';
  if (!Object.hasOwn(PRE_TYPES, name)) {
    throw new UnsupportedError(`GGUF metadata: tokenizer.ggml.pre "${name}" is not supported; qkv reads `
      + `${SUPPORTED_PRE_TYPES.join(', ')}`);
  }
  return PRE_TYPES[name]!;
}
