/**
 * Prompt caching across generations. A session's KV cache keeps what the
 * model's last call left in it (a prompt and the tokens generated after it);
 * a new prompt that starts with the same tokens keeps those positions and
 * computes only the rest. A chat re-sends its whole conversation every turn,
 * so its next turn prefills only the new messages; a conversation edited in
 * the middle (or rendered differently by its template) rolls back to where
 * the tokens part.
 */
import type { SessionHandle } from './wasm-module.js';

/** How many leading tokens `a` and `b` share. */
export function commonPrefixLength(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * Puts `ids` (at least one) in the session, leaving the logits of the last
 * one, and returns how many positions came from the cache. With `reuse`, the
 * cached prefix is kept, except that the last prompt token always runs again:
 * its logits give the first new token.
 */
export function prefillPrompt(session: SessionHandle, ids: readonly number[], reuse: boolean): number {
  let keep = reuse ? Math.min(commonPrefixLength(session.tokens(), ids), ids.length - 1) : 0;
  if (keep > 0) {
    try {
      session.truncate(keep);
    } catch {
      keep = 0; // a sliding-window layer already dropped keys the kept positions need: start over
    }
  }
  if (keep === 0) session.reset();
  session.append(Int32Array.from(ids.slice(keep)), false);
  return keep;
}
