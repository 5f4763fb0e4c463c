/** Lowercasing shared by the Lowercase and BertNormalizer normalizers. */

/**
 * Lowercase one character at a time, as Rust's char::to_lowercase does in
 * Hugging Face: JS's String.toLowerCase applies the Final_Sigma rule
 * (word-final Σ -> ς), which Hugging Face does not.
 */
export function lowercase(text: string): string {
  if (!text.includes('\u03a3')) return text.toLowerCase();
  return text.replace(/[^\u03a3]+|\u03a3/g, (run) => (run === '\u03a3' ? '\u03c3' : run.toLowerCase()));
}
