/**
 * Splitting a string on the matches of a pattern with one of Hugging Face's
 * SplitDelimiterBehavior values (NormalizedString::split in tokenizers).
 */
export const SPLIT_BEHAVIORS = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'] as const;
export type SplitBehavior = (typeof SPLIT_BEHAVIORS)[number];

interface Span {
  start: number;
  end: number;
  isMatch: boolean;
}

/** The text cut into alternating non-matches and matches of `regex` (global), covering all of it. */
function spans(text: string, regex: RegExp, invert: boolean): Span[] {
  const out: Span[] = [];
  let prev = 0;
  for (const m of text.matchAll(regex)) {
    const start = m.index;
    const end = start + m[0].length;
    if (prev !== start) out.push({ start: prev, end: start, isMatch: invert });
    out.push({ start, end, isMatch: !invert }); // an empty match still marks a cut, as in Hugging Face
    prev = end;
  }
  if (prev !== text.length) out.push({ start: prev, end: text.length, isMatch: invert });
  return out;
}

/** Joins a span to the one before it in `list` when `merge` says so (list may run backwards). */
function glue(list: Span[], merge: (s: Span, previousMatch: boolean) => boolean): Span[] {
  const out: Span[] = [];
  let previousMatch = false;
  for (const s of list) {
    const last = out[out.length - 1];
    if (last && merge(s, previousMatch)) {
      last.start = Math.min(last.start, s.start);
      last.end = Math.max(last.end, s.end);
    } else {
      out.push({ ...s });
    }
    previousMatch = s.isMatch;
  }
  return out;
}

export function splitWithBehavior(text: string, regex: RegExp, behavior: SplitBehavior, invert = false): string[] {
  return splitRanges(text, regex, behavior, invert).map(([start, end]) => text.slice(start, end));
}

/** splitWithBehavior's pieces as [start, end) ranges of `text`. */
export function splitRanges(text: string, regex: RegExp, behavior: SplitBehavior, invert = false): [number, number][] {
  let list = spans(text, regex, invert);
  switch (behavior) {
    case 'Removed':
      list = list.filter((s) => !s.isMatch);
      break;
    case 'Isolated':
      break;
    case 'Contiguous':
      list = glue(list, (s, previousMatch) => s.isMatch === previousMatch);
      break;
    case 'MergedWithPrevious':
      list = glue(list, (s, previousMatch) => s.isMatch && !previousMatch);
      break;
    case 'MergedWithNext':
      // The same gluing, walking backwards: a match joins the span after it.
      list = glue(list.reverse(), (s, previousMatch) => s.isMatch && !previousMatch).reverse();
      break;
  }
  return list.filter((s) => s.end > s.start).map((s) => [s.start, s.end]);
}
