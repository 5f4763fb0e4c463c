// Streaming SHA-256 throughput, as download verification uses it
// (web/src/io/sha256.ts): qkv's wasm hasher in both builds (each chunk
// copied into its 1 MiB scratch in wasm memory, then hashed) against
// node:crypto (OpenSSL, with the CPU's SHA instructions where it has them).
// 256 MiB are fed in 4 MiB chunks (one 4 MiB pseudo-random buffer, fed
// repeatedly). Each wasm build runs in its own process (the flavour is fixed
// per realm), timed alternately with node:crypto in that process, so each
// ratio compares runs made moments apart on this shared machine.
// Prints bench.h-style JSON lines (median_ms, mbps = 1e6 bytes/s), then the ratios.
//
//   node bench/sha256/run.mjs [--mib=256] [--chunk-mib=4] [--runs=5]   (after scripts/build.sh)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([a-z-]+)=(.*)$/.exec(a);
  if (!m) throw new Error(`usage: run.mjs [--mib=256] [--chunk-mib=4] [--runs=5] (got "${a}")`);
  return [m[1], m[2]];
}));
const mib = Number(args.mib ?? 256);
const chunkMib = Number(args['chunk-mib'] ?? 4);
const runs = Number(args.runs ?? 5);
const shape = `${mib}MiB/updates=${chunkMib}MiB`;

const median = (times) => [...times].sort((a, b) => a - b)[times.length >> 1];

/** In this process: the wasm build for `threads`, and node:crypto, alternately; one warm-up each. */
async function measure(threads) {
  const { env, backendInfo } = await import('../../dist/index.js');
  const { createSha256 } = await import('../../dist/io/sha256.js');
  env.wasm.numThreads = threads;
  const { flavour } = await backendInfo();
  // The same pseudo-random bytes in every process, so the digests can be compared.
  const chunk = new Uint8Array(chunkMib << 20);
  const words = new Uint32Array(chunk.buffer);
  for (let i = 0, x = 1; i < words.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    words[i] = x;
  }
  const feeds = Math.round(mib / chunkMib);
  const digests = new Set();
  const once = async (implementation) => {
    const start = performance.now();
    const hash = await createSha256({ implementation });
    for (let i = 0; i < feeds; i++) hash.update(chunk);
    digests.add(hash.digestHex());
    return performance.now() - start;
  };
  await once('wasm');
  await once('node');
  const times = { wasm: [], node: [] };
  for (let r = 0; r < runs; r++) {
    times.wasm.push(await once('wasm'));
    times.node.push(await once('node'));
  }
  if (digests.size !== 1) throw new Error(`the engines disagree: ${[...digests].join(', ')}`);
  const line = (engine, ms) => ({ name: 'sha256', shape, engine, threads: 1, median_ms: +ms.toFixed(2),
    mbps: +((mib * 1048576) / (ms * 1e3)).toFixed(1) });
  return [line(flavour, median(times.wasm)), line('node:crypto', median(times.node)), [...digests][0]];
}

if (args.threads) {
  console.log(JSON.stringify(await measure(Number(args.threads))));
} else {
  const digests = new Set();
  for (const threads of [1, 2]) {
    const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2), `--threads=${threads}`],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (run.status !== 0) throw new Error(`the run with ${threads} thread(s) failed with status ${run.status}`);
    const [wasm, node, digest] = JSON.parse(run.stdout.trim().split('\n').pop());
    digests.add(digest);
    console.log(JSON.stringify(wasm));
    console.log(JSON.stringify(node));
    console.log(`${wasm.engine}: ${wasm.mbps} MB/s, node:crypto ${node.mbps} MB/s in the same process: ` +
      `the wasm hash takes ${(wasm.median_ms / node.median_ms).toFixed(2)}x the time`);
  }
  if (digests.size !== 1) throw new Error('the two wasm builds disagree on the digest');
}
