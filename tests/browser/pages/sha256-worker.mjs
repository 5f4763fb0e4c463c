// A module Worker that runs the SHA-256 cases (sha256-cases.mjs) itself, as
// qkv does when it runs in a worker: the hashing worker is then nested.
import { runHashes } from './sha256-cases.mjs';

self.onmessage = async (event) => {
  try {
    self.postMessage({ results: await runHashes(event.data) });
  } catch (e) {
    self.postMessage({ failed: `${e?.name}: ${e?.message}` });
  }
};
