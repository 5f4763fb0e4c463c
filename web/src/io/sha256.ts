// TEMPORARY development stand-in (node:crypto only); replaced by the h/sha branch's wasm-backed version.
export interface StreamingHash {
  update(bytes: Uint8Array): void;
  digestHex(): string;
  dispose(): void;
}
export async function createSha256(): Promise<StreamingHash> {
  const crypto = await import(/* @vite-ignore */ 'node:crypto');
  const h = crypto.createHash('sha256');
  return { update: (b) => { h.update(b); }, digestHex: () => h.digest('hex'), dispose: () => {} };
}
export async function gitBlobSha1(bytes: Uint8Array): Promise<string> {
  const crypto = await import(/* @vite-ignore */ 'node:crypto');
  return crypto.createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}
