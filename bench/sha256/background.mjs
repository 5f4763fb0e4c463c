// What verifying a download's SHA-256 costs the thread that loads it: the
// inline hashes (createSha256: node:crypto, and qkv's wasm hasher as pages
// use it) against the background hash (createBackgroundSha256: the same two
// hashes on a worker thread, update() only copying into batches).
//
//   node bench/sha256/background.mjs [--mb 498] [--rounds 3] [--chunk-kib 4096] [--load-ms 0] [--drain-mib 0]
//
// Feeds --mb MB in chunks of --chunk-kib KiB, one buffer reused for every
// chunk as a download does. --load-ms spreads that much busy work of the
// calling thread over the chunks, standing in for the loading that goes on
// between them (a cached load of 498 MB takes ~730 ms here); --drain-mib N
// awaits the background hash's drain(N MiB) after each chunk, bounding the
// bytes it holds. Per hash, the median of --rounds:
//   calling thread: the time spent inside update() calls: what the loading loses
//   drain wait:     the time spent awaiting drain() (the loading waits, its thread is free)
//   until digest:   from the first update() until digest() resolves
// Prints JSON lines (one per round and hash) and a table.
import { createBackgroundSha256 } from '../../dist/io/sha256-background.js';
import { createSha256 } from '../../dist/io/sha256.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const totalBytes = Math.round(option('mb', 498) * 1e6);
const rounds = option('rounds', 3);
const chunkBytes = option('chunk-kib', 4096) * 1024;
const loadMs = option('load-ms', 0);
const drainBytes = option('drain-mib', 0) * (1 << 20);
const loadMsPerChunk = loadMs / Math.ceil(totalBytes / chunkBytes);

const chunk = new Uint8Array(chunkBytes);
for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;

/** The inline hashes' digest is synchronous: the same shape as the background hash's. */
const inline = (implementation) => async () => {
  const hash = await createSha256({ implementation });
  return { update: (b) => hash.update(b), digest: async () => hash.digestHex(), drain: async () => {}, inBackground: false };
};
const background = (implementation) => () => createBackgroundSha256({ implementation });

const hashes = [
  ['inline node:crypto', inline('node')],
  ['inline wasm', inline('wasm')],
  ['background node:crypto', background('node')],
  ['background wasm', background('wasm')],
];

async function measure(make) {
  const hash = await make();
  chunk[0] = 0;
  let callingMs = 0;
  let drainMs = 0;
  const start = performance.now();
  for (let at = 0; at < totalBytes; at += chunkBytes) {
    const piece = chunk.subarray(0, Math.min(chunkBytes, totalBytes - at));
    const t = performance.now();
    hash.update(piece);
    callingMs += performance.now() - t;
    chunk[0] ^= 1; // the caller reuses its buffer
    for (const until = performance.now() + loadMsPerChunk; performance.now() < until;); // the loading's own work
    if (drainBytes > 0) {
      const d = performance.now();
      await hash.drain(drainBytes);
      drainMs += performance.now() - d;
    }
    await new Promise((resolve) => setImmediate(resolve)); // a download awaits its next chunk
  }
  const t = performance.now();
  const hex = await hash.digest();
  const digestWaitMs = performance.now() - t;
  return { callingMs, drainMs, untilDigestMs: performance.now() - start, digestWaitMs, inBackground: hash.inBackground, hex };
}

for (const [, make] of hashes) await measure(make); // warm-up: workers started, wasm compiled
const results = new Map(hashes.map(([name]) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, make] of hashes) {
    const row = await measure(make);
    results.get(name).push(row);
    console.log(JSON.stringify({ round, name, bytes: totalBytes, chunkBytes, ...row }));
  }
}
const digests = new Set([...results.values()].flatMap((rows) => rows.map((r) => r.hex)));
if (digests.size !== 1) throw new Error(`the hashes disagree: ${[...digests]}`);

const median = (rows, key) => rows.map((r) => r[key]).sort((a, b) => a - b)[rows.length >> 1];
const mb = totalBytes / 1e6;
console.log(`\n${mb.toFixed(0)} MB in ${chunkBytes >> 10} KiB chunks, ${loadMs} ms of loading work between them, drain(${drainBytes >> 20} MiB) ${drainBytes > 0 ? 'after each' : 'never'}, median of ${rounds}:`);
console.log('  hash                      calling thread   drain wait   until digest()');
for (const [name, rows] of results) {
  const calling = median(rows, 'callingMs');
  const until = median(rows, 'untilDigestMs');
  console.log(`  ${name.padEnd(24)}  ${calling.toFixed(0).padStart(8)} ms  ${median(rows, 'drainMs').toFixed(0).padStart(8)} ms  ${until.toFixed(0).padStart(8)} ms (${(mb / until * 1000).toFixed(0)} MB/s)`);
}
