/**
 * The languages of a multilingual translation model (NLLB, M2M100) and the inputs of one translation, as
 * transformers' tokenizers build them for the translation pipeline (_build_translation_inputs):
 * the source is the tokenizer.json template with its language token replaced by src_lang's — NLLB's
 * [src_lang] text </s>, or with legacy_behaviour text </s> [src_lang]; M2M100's [__src__] text </s>
 * (set_src_lang_special_tokens), which is also the layout of a template without a language token — and
 * generation starts with the target language's token (forced_bos_token_id). Without src_lang the template's
 * default language stays, as in transformers.js.
 */
import { InvalidArgumentError, UnsupportedError } from './errors.js';
import type { Tokenizer } from './tokenizers/index.js';

/** How a family writes its language codes as tokens (transformers.js's languageRegex / lang_to_token). */
interface LanguageScheme {
  family: string;
  pattern: RegExp;
  code(token: string): string;
  token(code: string): string;
}

const SCHEMES: readonly LanguageScheme[] = [
  { family: 'NLLB', pattern: /^[a-z]{3}_[A-Z][a-z]{3}$/, code: (t) => t, token: (c) => c },
  { family: 'M2M100', pattern: /^__[a-z]{2,3}__$/, code: (t) => t.slice(2, -2), token: (c) => `__${c}__` },
];

/** A tokenizer's language codes ('eng_Latn', or 'en' for M2M100's '__en__') with their token ids. */
export interface TranslationLanguages {
  family: string;
  codes: string[];
  idOf(code: string): number | undefined;
}

const cache = new WeakMap<Tokenizer, TranslationLanguages | null>();

/**
 * The language codes found in the vocabulary (scanned once per tokenizer), null for a tokenizer without
 * language tokens (T5, BART, Marian: one language pair or a task prefix).
 */
export function translationLanguages(tokenizer: Tokenizer): TranslationLanguages | null {
  const known = cache.get(tokenizer);
  if (known !== undefined) return known;
  let found: TranslationLanguages | null = null;
  for (const scheme of SCHEMES) {
    const ids = new Map<string, number>();
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      const token = tokenizer.idToToken(id);
      if (scheme.pattern.test(token)) ids.set(scheme.code(token), id);
    }
    if (ids.size > 0) {
      found = { family: scheme.family, codes: [...ids.keys()], idOf: (code) => ids.get(code) };
      break;
    }
  }
  cache.set(tokenizer, found);
  return found;
}

/** The languages a translation asks for (the pipeline's options). */
export interface LanguagePair {
  /** The source's language code ('fra_Latn', 'fr'); default: the tokenizer's own (its tokenizer.json template). */
  src_lang?: string | undefined;
  /** The target's language code: its token starts the generated text (forced_bos_token_id). */
  tgt_lang?: string | undefined;
}

function languageId(languages: TranslationLanguages, code: unknown, key: string): number {
  const id = typeof code === 'string' ? languages.idOf(code) : undefined;
  if (id !== undefined) return id;
  const few = languages.codes.slice(0, 8).join(', ');
  const more = languages.codes.length > 8 ? `, … (${languages.codes.length} in all)` : '';
  throw new InvalidArgumentError(`translation: ${key} ${JSON.stringify(code)} is not a language of this ${languages.family} `
    + `tokenizer; known: ${few}${more}`);
}

/**
 * The source ids and forced first token of `text` translated from src_lang to tgt_lang. Throws a named
 * error for a tokenizer without language tokens, a missing tgt_lang, or a code the tokenizer lacks.
 */
export function translationInputs(tokenizer: Tokenizer, text: string, pair: LanguagePair):
  { input_ids: number[]; forced_bos_token_id: number } {
  const languages = translationLanguages(tokenizer);
  if (languages === null) {
    throw new UnsupportedError('translation: src_lang / tgt_lang choose the languages of a multilingual model (NLLB, '
      + "M2M100) and this tokenizer has no language tokens; T5 takes its task in the pipeline's name ('translation_en_to_de')");
  }
  if (pair.tgt_lang === undefined) {
    throw new InvalidArgumentError(`translation: this ${languages.family} model needs tgt_lang, the target language `
      + `(known: ${languages.codes.slice(0, 8).join(', ')}, …)`);
  }
  const forced = languageId(languages, pair.tgt_lang, 'tgt_lang');
  if (pair.src_lang === undefined) return { input_ids: tokenizer.encode(text), forced_bos_token_id: forced };
  const source = languageId(languages, pair.src_lang, 'src_lang');
  const inner = tokenizer.encode(text, { add_special_tokens: false });
  const full = tokenizer.encode(text);
  // The template's tokens are what encode() adds around the text's own.
  const at = full.findIndex((_, k) => inner.every((id, i) => full[k + i] === id));
  const around = [...full.slice(0, at), -1, ...full.slice(at + inner.length)];
  const isLanguage = (id: number) => languages.codes.some((code) => languages.idOf(code) === id);
  if (at >= 0 && around.some(isLanguage)) {
    return { input_ids: around.flatMap((id) => (id === -1 ? inner : isLanguage(id) ? [source] : [id])), forced_bos_token_id: forced };
  }
  const eos = tokenizer.tokenToId('</s>');
  if (eos === undefined) throw new UnsupportedError('translation: the tokenizer has no </s> token to end the source with');
  return { input_ids: [source, ...inner, eos], forced_bos_token_id: forced };
}
