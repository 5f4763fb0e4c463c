/**
 * Hugging Face tokenizers compiles the regexes in tokenizer.json with
 * Oniguruma; qkv runs them as JS regexes with the `u` flag. The syntax is
 * close but not the same, so each pattern is rewritten here:
 *
 * - `(?i:…)` (no inline flags in Node 20's JS): letters inside become classes
 *   of their case variants, `'s` -> `'[sSſ]`.
 * - `\s`, `\d`, `\w` are Unicode-aware in Oniguruma, ASCII (or a different
 *   set) in JS: spelled out with property escapes.
 * - `.`, `^`, `$` are line-based in Oniguruma (Ruby syntax).
 * - escapes JS's `u` mode rejects but Oniguruma reads as the character
 *   (`\'`, `\-` outside a class) become the character.
 *
 * What has no JS equivalent (possessive quantifiers, atomic groups, nested
 * classes, other inline flags, `\b`) is an UnsupportedError, never a
 * silently different regex.
 */
import { UnsupportedError } from '../errors.js';

// Oniguruma's Unicode \s: U+0009-000D, U+0085 and the Z categories. (JS's \s lacks U+0085 and adds U+FEFF.)
const SPACE = '\\t-\\r\\x85\\p{Z}';
// Oniguruma's Unicode \w: Letter, Mark, Number, Connector_Punctuation.
const WORD = '\\p{L}\\p{M}\\p{N}\\p{Pc}';
const CLASS_ESCAPES: Record<string, string> = { s: SPACE, w: WORD, d: '\\p{Nd}', D: '\\P{Nd}', h: '0-9a-fA-F' };
const NEGATED_ESCAPES: Record<string, string> = { S: SPACE, W: WORD, H: '0-9a-fA-F' };
// Characters JS's `u` mode accepts escaped anywhere; any other escaped punctuation is written as itself.
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/');
// Case folds that toLowerCase/toUpperCase do not reach (Unicode simple case folding, which Oniguruma uses).
const EXTRA_FOLDS: Record<string, string> = { k: '\u212a', s: '\u017f', '\u00e5': '\u212b' };

function caseVariants(ch: string): string {
  const lower = ch.toLowerCase();
  const variants = new Set([ch, lower, ch.toUpperCase(), EXTRA_FOLDS[lower] ?? ''].filter((c) => Array.from(c).length === 1));
  return [...variants].map((c) => (/[\\\]\-^]/.test(c) ? `\\${c}` : c)).join('');
}

function propertyEscape(negated: boolean, name: string, source: string): string {
  const letter = negated !== name.startsWith('^') ? 'P' : 'p';
  const bare = name.replace(/^\^/, '');
  // Oniguruma accepts script names alone (\p{Han}); JS wants \p{Script=Han}.
  for (const candidate of [bare, `Script=${bare}`]) {
    try {
      new RegExp(`\\p{${candidate}}`, 'u');
      return `\\${letter}{${candidate}}`;
    } catch {
      // try the next spelling
    }
  }
  throw new UnsupportedError(`regex ${JSON.stringify(source)}: unknown property \\p{${name}}`);
}

/** The JS (flag `u`) source equivalent to an Oniguruma pattern from tokenizer.json. */
export function translateOnigRegex(source: string): string {
  const unsupported = (what: string): UnsupportedError =>
    new UnsupportedError(`regex ${JSON.stringify(source)}: ${what} has no JavaScript equivalent`);
  const chars = Array.from(source);
  let out = '';
  let inClass = false;
  let classStart = false; // just after "[" or "[^"
  // One entry per open group: whether (?i) applies inside it.
  const ignoreCase: boolean[] = [false];
  let afterQuantifier: boolean = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const caseless = ignoreCase[ignoreCase.length - 1]!;
    const wasQuantifier: boolean = afterQuantifier;
    afterQuantifier = false;
    if (c === '\\') {
      const e = chars[++i];
      if (e === undefined) throw unsupported('a trailing backslash');
      if (e === 'p' || e === 'P') {
        const close = chars.indexOf('}', i);
        if (chars[i + 1] !== '{' || close < 0) throw unsupported(`\\${e} without {…}`);
        out += propertyEscape(e === 'P', chars.slice(i + 2, close).join(''), source);
        i = close;
      } else if (e === 'x' && chars[i + 1] === '{') {
        const close = chars.indexOf('}', i);
        out += `\\u{${chars.slice(i + 2, close).join('')}}`;
        i = close;
      } else if (CLASS_ESCAPES[e] !== undefined) {
        out += inClass || e === 'd' || e === 'D' ? CLASS_ESCAPES[e] : `[${CLASS_ESCAPES[e]}]`;
      } else if (NEGATED_ESCAPES[e] !== undefined) {
        if (inClass) throw unsupported(`\\${e} inside a character class`);
        out += `[^${NEGATED_ESCAPES[e]}]`;
      } else if (e === 'b' || e === 'B') {
        if (!inClass) throw unsupported(`\\${e} (Unicode word boundary)`);
        out += '\\b';
      } else if (/[0-9a-zA-Z]/.test(e)) {
        out += `\\${e}`; // \n \t \r \f \v \0 \uXXXX \xXX; JS rejects the rest (e.g. \A, \z) with a SyntaxError
      } else if (JS_SYNTAX.has(e) || (inClass && e === '-')) {
        out += `\\${e}`;
      } else {
        out += e;
      }
      classStart = false;
      continue;
    }
    if (inClass) {
      if (c === '[' && chars[i + 1] === ':') throw unsupported('a POSIX bracket');
      if (c === '[') throw unsupported('a nested character class');
      if (c === '&' && chars[i + 1] === '&') throw unsupported('a class intersection (&&)');
      if (c === ']' && classStart) {
        out += '\\]'; // a "]" first in the class is literal in Oniguruma, the end of an empty class in JS
        classStart = false;
        continue;
      }
      if (c === ']') inClass = false;
      classStart = c === '^' && chars[i - 1] === '[';
      const letter = caseless && /\p{L}/u.test(c);
      if (letter && (chars[i - 1] === '-' || chars[i + 1] === '-')) throw unsupported('a case-insensitive class range');
      out += letter ? caseVariants(c) : c;
      continue;
    }
    switch (c) {
      case '[':
        inClass = true;
        classStart = true;
        out += c;
        break;
      case '(':
        if (chars[i + 1] !== '?') {
          ignoreCase.push(caseless);
          out += c;
          break;
        }
        if (chars[i + 2] === 'i' && chars[i + 3] === ':') {
          ignoreCase.push(true);
          out += '(?:';
          i += 3;
        } else if (chars[i + 2] === 'i' && chars[i + 3] === ')') {
          ignoreCase[ignoreCase.length - 1] = true; // (?i) to the end of the enclosing group
          i += 3;
        } else if (chars[i + 2] === '>') {
          throw unsupported('an atomic group (?>…)');
        } else if (/[:=!]/.test(chars[i + 2] ?? '') || (chars[i + 2] === '<' && /[=!\p{L}_]/u.test(chars[i + 3] ?? ''))) {
          ignoreCase.push(caseless);
          out += c;
        } else {
          throw unsupported(`the group ${chars.slice(i, i + 4).join('')}…`);
        }
        break;
      case ')':
        if (ignoreCase.length > 1) ignoreCase.pop();
        out += c;
        break;
      case '.':
        out += '[^\\n]';
        break;
      case '^':
        out += '(?<![^\\n])'; // start of a line
        break;
      case '$':
        out += '(?![^\\n])'; // end of a line
        break;
      case '*':
      case '?':
      case '+':
        if (c === '+' && wasQuantifier) throw unsupported('a possessive quantifier');
        afterQuantifier = c !== '?' || !wasQuantifier; // "x??" is lazy, not a second quantifier
        out += c;
        break;
      case '{': {
        const m = /^\{(\d*),?(\d*)\}/.exec(chars.slice(i, i + 24).join(''));
        if (m) {
          out += m[1] === '' ? `{0${m[0].slice(1)}` : m[0]; // Oniguruma reads {,n} as {0,n}
          i += m[0].length - 1;
          afterQuantifier = true;
        } else {
          out += '\\{';
        }
        break;
      }
      case '}':
      case ']':
        out += `\\${c}`; // literal in Oniguruma, a syntax error in JS's u mode
        break;
      default:
        out += caseless && /\p{L}/u.test(c) ? `[${caseVariants(c)}]` : c;
    }
  }
  if (inClass) throw unsupported('an unclosed character class');
  return out;
}

/** `text` as a pattern that matches it literally (in `u` mode). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A global Unicode JS RegExp for a tokenizer.json pattern; `path` names the field in errors. */
export function compilePattern(pattern: { literal: string } | { regex: string }, path: string): RegExp {
  const field = 'literal' in pattern ? 'String' : 'Regex';
  try {
    const regex = new RegExp('literal' in pattern ? escapeRegExp(pattern.literal) : translateOnigRegex(pattern.regex), 'gu');
    // V8 compiles a regex at its first use, and only then finds one too large
    // (a ~32k-character pattern is enough): compile it now, so that the file
    // is refused here rather than encode() throwing a SyntaxError.
    regex.exec('');
    return regex;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    const text = reason.length > 200 ? `${reason.slice(0, 100)} … ${reason.slice(-60)}` : reason;
    throw new UnsupportedError(`tokenizer.json: ${path}.pattern.${field} cannot be run: ${text}`, { cause: e });
  }
}
