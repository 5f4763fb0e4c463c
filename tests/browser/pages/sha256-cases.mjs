// The browser test of createBackgroundSha256() (tests/browser/sha256-background.test.mjs):
// the bytes and chunkings (deterministic, so Node can compute the expected
// digests with node:crypto) and the run, imported by a page or by a module
// Worker (pages/sha256-worker.mjs).

/** Deterministic pseudo-random bytes (xorshift32), as tests/js/sha256-suite.mjs makes them. */
export function randomBytes(n, seed) {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 255;
  }
  return out;
}

/** Splits n into chunk lengths drawn from [0, max]. */
export function chunking(n, max, seed) {
  const lengths = [];
  let x = seed;
  for (let at = 0; at < n;) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const take = Math.min(n - at, (x >>> 8) % (max + 1));
    lengths.push(take);
    at += take;
  }
  return lengths;
}

const MiB = 1 << 20;
const sizes = [0, 1, 63, 64, 65, 4 * MiB - 1, 4 * MiB, 4 * MiB + 1, 9 * MiB];

/** Each case: its bytes' size and seed, and the largest chunk (some above the 4 MiB batch). */
export const cases = sizes.flatMap((size, i) => [4096, 6 * MiB].map((max, j) => ({ size, seed: 100 + i, max, chunkSeed: 3 + 7 * i + j })));

/**
 * Hashes every case with createBackgroundSha256(options), the chunks passing
 * through one reused buffer, the cases' hashes all open at once and fed in
 * turn; resolves to [{ digest, inBackground }].
 */
export async function runHashes(options = {}) {
  const { createBackgroundSha256 } = await import(new URL('../../../dist/io/sha256-background.js', import.meta.url).href);
  if (options.workerUrl !== undefined) options = { ...options, workerUrl: new URL(options.workerUrl, import.meta.url) };
  const plans = await Promise.all(cases.map(async (c) => ({
    hash: await createBackgroundSha256(options),
    bytes: randomBytes(c.size, c.seed),
    lengths: chunking(c.size, c.max, c.chunkSeed),
    next: 0,
    at: 0,
  })));
  const scratch = new Uint8Array(6 * MiB);
  while (plans.some((p) => p.next < p.lengths.length)) {
    for (const p of plans) {
      if (p.next >= p.lengths.length) continue;
      const n = p.lengths[p.next++];
      scratch.set(p.bytes.subarray(p.at, p.at + n));
      p.hash.update(scratch.subarray(0, n));
      scratch.fill(0x5a, 0, n);
      p.at += n;
    }
  }
  return Promise.all(plans.map(async (p) => ({ digest: await p.hash.digest(), inBackground: p.hash.inBackground })));
}
