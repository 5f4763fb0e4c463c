// The text-classification workload of bench.mjs (Node) and chromium.mjs (a page): the sentences,
// the check texts and the timing, with no Node imports so the page can load it.

// Real words, so WordPiece splits them as it splits text (few [UNK]s, some subwords).
const WORDS = ('the movie was a surprisingly good story about family and friendship but the ending felt ' +
  'rushed while actors delivered strong performances in every scene I would not recommend this boring ' +
  'film to anyone who enjoys thoughtful cinema music soundtrack beautiful terrible acting plot twist ' +
  'characters dialogue director camera work pacing slow brilliant disappointing hilarious emotional ' +
  'memorable forgettable predictable original script budget effects audience critics season episode').split(' ');
/** 256 fixed sentences of 8-40 words. */
export const SENTENCES = Array.from({ length: 256 }, (_, i) =>
  Array.from({ length: 8 + (i * 7) % 33 }, (_, j) => WORDS[(i * 31 + j * 17 + j * j) % WORDS.length]).join(' ') + '.');
/** The texts whose logits summarize.mjs compares across engines. */
export const CHECK_TEXTS = [
  'I loved this movie, it was great!',
  'The plot was boring and the acting was bad.',
  'an average film',
  'What a waste of time.',
  ...SENTENCES.slice(0, 4),
];

/** qkv's logits of one text in id2label order (function_to_apply 'none' returns them as scores). */
export async function qkvLogits(classify, labels, text) {
  const all = await classify(text, { top_k: null, function_to_apply: 'none' });
  return labels.map((l) => all.find((r) => r.label === l).score);
}

/**
 * The check logits, then the timings: the whole list in one call (batched), then the first `single`
 * sentences one call each; `cpu()` (seconds of CPU time, Node only) gives the per-CPU-second rates.
 */
export async function measureClassify({ classify, logitsOf, tokens, single, cpu = () => NaN }) {
  const lengths = SENTENCES.map(tokens);
  const check = [];
  for (const text of CHECK_TEXTS) check.push((await logitsOf(text)).map((x) => +x.toFixed(5)));
  await classify(SENTENCES.slice(0, 4)); // warm up a batched call too
  let start = performance.now();
  let cpu0 = cpu();
  const batched = await classify(SENTENCES);
  const batchedS = (performance.now() - start) / 1000;
  const batchedCpuS = cpu() - cpu0;
  if (batched.length !== SENTENCES.length) throw new Error(`batched call returned ${batched.length} results`);
  start = performance.now();
  cpu0 = cpu();
  for (const s of SENTENCES.slice(0, single)) await classify(s);
  const singleS = (performance.now() - start) / 1000;
  const singleCpuS = cpu() - cpu0;
  const rate = (n, s) => (Number.isFinite(s) ? +(n / s).toFixed(1) : null);
  return {
    mean_tokens: +(lengths.reduce((a, b) => a + b, 0) / lengths.length).toFixed(1), max_tokens: Math.max(...lengths),
    batched_sentences_s: rate(SENTENCES.length, batchedS), single_sentences_s: rate(single, singleS),
    // Per CPU-second: on a shared machine wall time also measures the other processes.
    batched_cpu_sentences_s: rate(SENTENCES.length, batchedCpuS), single_cpu_sentences_s: rate(single, singleCpuS),
    check,
  };
}
