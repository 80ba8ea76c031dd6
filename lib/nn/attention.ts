/**
 * Scaled dot-product attention with an additive causal mask that knows about a KV cache:
 * a query at absolute position p attends to keys at positions ≤ p (DESIGN.md, "Causal mask with a
 * cache"), so prefill in one chunk, in several chunks and token-by-token decode all agree.
 *
 * Introduced in notebooks/01_multi_head_latent_attention.ipynb; used by lib/attention/mha.ts and mla.ts.
 */
import * as tf from "@tensorflow/tfjs";

/** What a masked score becomes (large and finite, so a backend never sees -inf − -inf). */
export const MASK_VALUE = -1e9;

/**
 * The additive causal mask: 0 where key j is visible to query i, MASK_VALUE where it is not.
 * Query i sits at position `offset + i` in the keys' coordinates (offset = startPos when the keys
 * come from a cache that starts at position 0).
 * @returns [sq, sk], or null when every key is visible (e.g. one decode step) — nothing to add.
 */
export function causalMask(sq: number, sk: number, offset = 0): tf.Tensor2D | null {
  if (offset + sq - 1 < 0) throw new Error(`causalMask: the queries (offset ${offset}, ${sq} of them) see no key at all`);
  if (sk <= offset + 1) return null; // the first query already sees every key
  const m = new Float32Array(sq * sk);
  for (let i = 0; i < sq; i++) for (let j = offset + i + 1; j < sk; j++) m[i * sk + j] = MASK_VALUE;
  return tf.tensor2d(m, [sq, sk]);
}

export interface AttentionOptions {
  /** softmax temperature; default 1/sqrt(dk) */
  scale?: number;
  /** apply the causal mask (default true) */
  causal?: boolean;
  /** position of the first query in the keys' coordinates (default sk - sq: queries are the last keys) */
  offset?: number;
}

/**
 * softmax(q · kᵀ · scale + mask) over the keys.
 * @param scores [..., sq, sk] raw dot products (not yet scaled)
 * @returns [..., sq, sk] probabilities
 */
export function maskedSoftmax(scores: tf.Tensor, scale: number, opts: { causal?: boolean; offset?: number } = {}): tf.Tensor {
  const sq = scores.shape[scores.rank - 2]!;
  const sk = scores.shape[scores.rank - 1]!;
  return tf.tidy(() => {
    let s = tf.mul(scores, scale);
    if (opts.causal ?? true) {
      const mask = causalMask(sq, sk, opts.offset ?? sk - sq);
      if (mask) s = tf.add(s, mask); // [sq, sk] broadcasts over batch and heads
    }
    return tf.softmax(s, -1);
  });
}

/**
 * Attention probabilities.
 * @param q [batch, nHeads, sq, dk]
 * @param k [batch, nHeads, sk, dk]
 * @returns [batch, nHeads, sq, sk]
 */
export function attentionProbs(q: tf.Tensor, k: tf.Tensor, opts: AttentionOptions = {}): tf.Tensor {
  checkQK(q, k);
  const dk = q.shape[q.rank - 1]!;
  return tf.tidy(() => maskedSoftmax(tf.matMul(q, k, false, true), opts.scale ?? 1 / Math.sqrt(dk), opts));
}

/**
 * softmax(q · kᵀ · scale + mask) · v
 * @param q [batch, nHeads, sq, dk]
 * @param k [batch, nHeads, sk, dk]
 * @param v [batch, nHeads, sk, dv]
 * @returns [batch, nHeads, sq, dv]
 */
export function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, opts: AttentionOptions = {}): tf.Tensor {
  if (v.rank !== k.rank || v.shape[v.rank - 2] !== k.shape[k.rank - 2]) {
    throw new Error(`attention: v must have as many keys as k; got k [${k.shape}], v [${v.shape}]`);
  }
  return tf.tidy(() => tf.matMul(attentionProbs(q, k, opts), v));
}

function checkQK(q: tf.Tensor, k: tf.Tensor): void {
  if (q.rank < 2 || q.rank !== k.rank) throw new Error(`attention: q and k must have the same rank; got q [${q.shape}], k [${k.shape}]`);
  if (q.shape[q.rank - 1] !== k.shape[k.rank - 1]) {
    throw new Error(`attention: q and k must share their last dimension; got q [${q.shape}], k [${k.shape}]`);
  }
}
