// qkv's logits against llama.cpp's (tests/fixtures/gguf/llama_cpp_logits.mjs's JSON):
// log-probabilities of every position of the prompts that carry them, top-1
// agreement where llama.cpp's top token leads clearly, and greedy tokens.
import assert from 'node:assert/strict';

/** The float32 array a base64 string holds (llama_cpp_logits.mjs's encoding of logits and embeddings). */
export function f32FromBase64(text) {
  const b = Buffer.from(text, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

export function logSoftmaxRows(logits, vocab) {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / vocab; r++) {
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) max = Math.max(max, logits[r * vocab + v]);
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(logits[r * vocab + v] - max);
    const lse = max + Math.log(sum);
    for (let v = 0; v < vocab; v++) out[r * vocab + v] = logits[r * vocab + v] - lse;
  }
  return out;
}

export function argmax(a, from = 0, n = a.length) {
  let best = 0;
  for (let i = 1; i < n; i++) if (a[from + i] > a[from + best]) best = i;
  return best;
}

/**
 * Largest |qkv - llama.cpp| over every position's log-probabilities; at positions where llama.cpp's top
 * token leads by at least `margin`, whether qkv's top token is the same; qkv's greedy tokens beside llama.cpp's.
 */
export async function compareWithLlamaCpp(model, reference, margin = Infinity) {
  const { vocab, prompts } = reference;
  let worst = 0, clear = 0, clearAgree = 0;
  const greedy = [];
  for (const p of prompts) {
    if (p.logprobs !== undefined) {
      const { logits } = await model.forward(p.ids);
      const mine = logSoftmaxRows(logits, vocab);
      const theirs = f32FromBase64(p.logprobs);
      assert.equal(theirs.length, mine.length);
      for (let i = 0; i < mine.length; i++) worst = Math.max(worst, Math.abs(mine[i] - theirs[i]));
      for (let r = 0; r < p.ids.length; r++) {
        const top = argmax(theirs, r * vocab, vocab);
        let second = -Infinity;
        for (let v = 0; v < vocab; v++) if (v !== top) second = Math.max(second, theirs[r * vocab + v]);
        if (theirs[r * vocab + top] - second < margin) continue;
        clear++;
        clearAgree += argmax(mine, r * vocab, vocab) === top ? 1 : 0;
      }
    }
    const ids = [...p.ids];
    const tokens = [];
    for (let i = 0; i < p.greedy.length; i++) {
      const { logits } = await model.forward(ids);
      const next = argmax(logits, logits.length - vocab, vocab);
      tokens.push(next);
      ids.push(next);
    }
    greedy.push([tokens, p.greedy]);
  }
  return { worst, greedy, clear, clearAgree };
}
