/**
 * Byte-pair encoding by merge rank, as in OpenAI's encoder.py and Hugging
 * Face's BPE model: repeatedly merge the adjacent pair with the lowest rank
 * until no ranked pair is left. Results are cached per pre-token.
 */
export class Bpe {
  private readonly ranks: Map<string, number>;
  private readonly cache = new Map<string, string[]>();
  private static readonly CACHE_LIMIT = 50_000;

  /** merges: "a b" pairs in rank order. */
  constructor(merges: readonly (readonly [string, string])[]) {
    this.ranks = new Map(merges.map(([a, b], i) => [`${a} ${b}`, i]));
  }

  /** The BPE pieces of one pre-token (a string of byte-level characters). */
  split(word: string): string[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    let parts = Array.from(word);
    while (parts.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < parts.length; i++) {
        const rank = this.ranks.get(`${parts[i]} ${parts[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      // Merge every occurrence of the best pair, left to right, as encoder.py does.
      const a = parts[best]!;
      const b = parts[best + 1]!;
      const merged: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (i + 1 < parts.length && parts[i] === a && parts[i + 1] === b) {
          merged.push(a + b);
          i++;
        } else {
          merged.push(parts[i]!);
        }
      }
      parts = merged;
    }
    if (this.cache.size >= Bpe.CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, parts);
    return parts;
  }
}
