/**
 * NFC / NFD / NFKC / NFKD with alignments, as Hugging Face's normalizers get
 * them from the unicode-normalization-alignments crate: a character that
 * decomposes into several keeps the first aligned with it and inserts the
 * rest; characters composed into one are replaced by it (aligned with the
 * first) and the others removed.
 *
 * The text is normalized one segment at a time (a character and the
 * combining marks or Hangul jamo that follow it), which is where composition
 * and canonical reordering happen; inside a segment the output characters
 * are paired with the input ones in order.
 */
import type { AlignedString, Change } from './aligned.js';

export type UnicodeForm = 'NFC' | 'NFD' | 'NFKC' | 'NFKD';

// Characters that attach to the one before them: marks, and the Hangul vowel and final jamo.
const ATTACHES = /[\p{M}\u1160-\u11ff\ud7b0-\ud7ff]/u;

export function alignedUnicodeForm(s: AlignedString, form: UnicodeForm): void {
  const text = s.text;
  if (text.normalize(form) === text) return;
  const changes: Change[] = [];
  let segment: string[] = [];
  const flush = (): void => {
    if (segment.length === 0) return;
    const input = segment.join('');
    const output = Array.from(input.normalize(form));
    const n = segment.length;
    output.forEach((c, i) => changes.push([c, i < n ? 0 : 1]));
    // Fewer characters out than in: the last one out also removes the rest.
    if (output.length < n && output.length > 0) changes[changes.length - 1]![1] -= n - output.length;
    segment = [];
  };
  for (const c of text) {
    if (!ATTACHES.test(c)) flush();
    segment.push(c);
  }
  flush();
  s.transform(changes);
}
