/**
 * Attention over a paged KV cache (kvcache.ts): the decode-time spelling of
 * softmax(q·kᵀ·scale + mask)·v, computed block by block.
 *
 * Introduced in notebooks/01_multi_head_latent_attention.ipynb (decode timing); used by mha.ts and
 * mla.ts whenever a cache is given. Without a cache both layers use lib/nn/attention.ts, the
 * readable whole-tensor version; the tests check that the two agree (chunked prefill = one shot).
 *
 * G = KV heads of the cache (nKvHeads for MHA/GQA/MQA, nHeads for MLA naive, 1 for MLA absorbed,
 * whose heads all read the same latent rows). Each KV head has n queries: the query heads that
 * share it times the new tokens (seq innermost). The scores may be a sum of several terms — MLA
 * absorbed adds q_lat·c_kvᵀ and q_pe·k_peᵀ — each with its own key blocks.
 *
 * Why two spellings of the same products (tfjs-wasm, see lib/nn/bmm.ts): with one sequence and one
 * KV head (MLA absorbed, MQA), the scores are ONE plain 2-D product per block,
 * K [tokens, dk] · qᵀ [dk, n] (only the small query is transposed), which XNNPACK runs at full
 * speed. Otherwise one batched product per block covers every row and head; at decode (n = 1 per
 * head) wasm's batched loop reads the keys about as fast as per-head 2-D products would, and it is
 * one op per block instead of one per head and row.
 *
 * On tfjs-wasm a decode step (one new token that sees every cached one) runs all of this as ONE
 * kernel instead (lib/backend/decodeAttention.ts): at one token the ops' fixed cost, not their
 * arithmetic, was most of the time. The ops below stay the spelling every other backend runs and
 * the reference the kernel's tests compare with.
 */
import * as tf from "@tensorflow/tfjs";
import { maskedSoftmax } from "../nn/attention.js";
import { decodeAttention, decodeAttentionFits } from "../backend/decodeAttention.js";

export interface PagedInputs {
  /** per score term: the queries [batch, G, n, dk_j] */
  queries: tf.Tensor4D[];
  /** per score term: key blocks [batch, G, tokens_i, dk_j]; block i covers the same tokens in every term */
  keys: (readonly tf.Tensor4D[])[];
  /** value blocks [batch, G, tokens_i, dv] */
  values: readonly tf.Tensor4D[];
}

/**
 * Positions [start, start+len) of p's last axis. A gather, not tf.slice/tf.split: tfjs-wasm's slice
 * first copies the WHOLE source tensor out of wasm memory (backend.readSync), so slicing every
 * block out of the probabilities would copy them once per block.
 */
function columns(p: tf.Tensor4D, start: number, len: number): tf.Tensor4D {
  return tf.gather(p, tf.range(start, start + len, 1, "int32"), 3); // [batch, G, n, len]
}

/** A 4-D tensor [1, 1, r, c] as the matrix [r, c] (a reshape: no copy). */
function matrix(t: tf.Tensor4D): tf.Tensor2D {
  return t.reshape([t.shape[2], t.shape[3]]);
}

/** Scores of one block, [batch, G, n, tokens], summed over the terms. */
function blockScores(x: PagedInputs, qT: tf.Tensor2D[] | undefined, i: number): tf.Tensor4D {
  const terms = x.keys.map((blocks, j) => {
    const k = blocks[i]!; // [batch, G, tokens, dk]
    if (qT) return tf.matMul(matrix(k), qT[j]!); // one sequence, one head: [tokens, dk]·[dk, n] = [tokens, n]
    return tf.matMul(x.queries[j]!, k, false, true); // [batch, G, n, dk]·[batch, G, tokens, dk]ᵀ = [batch, G, n, tokens]
  });
  const sum = terms.length === 1 ? terms[0]! : tf.addN(terms);
  return (qT ? sum.transpose().reshape([1, 1, sum.shape[1]!, sum.shape[0]!]) : sum) as tf.Tensor4D;
}

/**
 * @param x queries and cache blocks; G KV heads, n queries per KV head (group members × seq, seq innermost)
 * @param seq new tokens (the causal mask's rows); the first sits at position `offset`
 * @param scale softmax scale
 * @returns [batch, G, n, dv]
 */
export function pagedAttention(x: PagedInputs, seq: number, scale: number, offset: number): tf.Tensor4D {
  const [b, G, n] = x.queries[0]!.shape;
  if (n % seq !== 0) throw new Error(`pagedAttention: ${n} queries per KV head is not a multiple of seq ${seq}`);
  const t = x.values.reduce((acc, v) => acc + v.shape[2], 0);
  if (seq === 1 && t <= offset + 1 && decodeAttentionFits(x)) return decodeAttention(x, scale); // no mask: every key is visible
  return tf.tidy(() => {
    const flat = b === 1 && G === 1; // one 2-D product per block (see the header)
    const qT = flat ? x.queries.map((q) => matrix(q).transpose() as tf.Tensor2D) : undefined; // per term [dk, n]
    const perBlock = x.values.map((_, i) => blockScores(x, qT, i)); // [batch, G, n, tokens_i]
    const scores = perBlock.length === 1 ? perBlock[0]! : tf.concat(perBlock, 3); // [batch, G, n, t]: small, no cache-sized tensor moves
    // The causal mask [seq, t] needs the new tokens on an axis of their own, except for one token.
    const probs = (seq === 1 ? maskedSoftmax(scores, scale, { offset }) : maskedSoftmax(scores.reshape([b, G, n / seq, seq, t]), scale, { offset }).reshape([b, G, n, t])) as tf.Tensor4D;
    const size = x.values[0]!.shape[2];
    const pieces = x.values.length === 1 ? [probs] : x.values.map((v, i) => columns(probs, i * size, v.shape[2])); // [batch, G, n, tokens_i]
    const outs = pieces.map((p, i) => {
      const v = x.values[i]!; // [batch, G, tokens, dv]
      return flat ? tf.matMul(matrix(p), matrix(v)).reshape([1, 1, n, v.shape[3]]) : tf.matMul(p, v); // [batch, G, n, dv]
    });
    return (outs.length === 1 ? outs[0]! : tf.addN(outs)) as tf.Tensor4D;
  });
}
