/** fn over items, at most `limit` at a time (size requests: a hundred shards must not mean a hundred connections). */
export async function mapLimited<T, R>(items: readonly T[], limit: number,
  fn: (item: T, index: number) => R | Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
