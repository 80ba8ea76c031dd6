/**
 * Attention over a paged KV cache (kvcache.ts): the decode-time spelling of
 * softmax(q·kᵀ·scale + mask)·v, computed block by block, for one batch row.
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
 * Why two spellings of the same products (tfjs-wasm, see lib/nn/bmm.ts): with one KV head, the
 * scores are ONE plain 2-D product per block, K [tokens, dk] · qᵀ [dk, n] (only the small query is
 * transposed), which XNNPACK runs at full speed. With many KV heads, one batched product per block
 * covers every head; at decode (n = 1 per head) wasm's batched loop reads the keys as fast as a
 * per-head 2-D product would, and it is one op per block instead of one per head.
 */
import * as tf from "@tensorflow/tfjs";
import { maskedSoftmax } from "../nn/attention.js";

export interface PagedRow {
  /** per score term: the queries [G, n, dk_j] */
  queries: tf.Tensor3D[];
  /** per score term: key blocks [G, tokens_i, dk_j]; block i covers the same tokens in every term */
  keys: (readonly tf.Tensor3D[])[];
  /** value blocks [G, tokens_i, dv] */
  values: readonly tf.Tensor3D[];
}

/**
 * Columns [start, start+len) of p's last axis. A gather, not tf.slice/tf.split: tfjs-wasm's slice
 * first copies the WHOLE source tensor out of wasm memory (backend.readSync), so slicing every
 * block out of the probabilities would copy them once per block.
 */
function columns(p: tf.Tensor3D, start: number, len: number): tf.Tensor3D {
  return tf.gather(p, tf.range(start, start + len, 1, "int32"), 2); // [G, n, len]
}

/** Scores of one block, [G, n, tokens], summed over the terms. */
function blockScores(row: PagedRow, qT: tf.Tensor2D[] | undefined, i: number): tf.Tensor {
  const terms = row.keys.map((blocks, j) => {
    const k = blocks[i]!; // [G, tokens, dk]
    if (qT) return tf.matMul(k.reshape([k.shape[1], k.shape[2]]), qT[j]!); // one head: [tokens, dk]·[dk, n] = [tokens, n]
    return tf.matMul(row.queries[j]!, k, false, true); // [G, n, dk]·[G, tokens, dk]ᵀ = [G, n, tokens]
  });
  const sum = terms.length === 1 ? terms[0]! : tf.addN(terms);
  return qT ? sum.transpose().expandDims(0) : sum; // [G, n, tokens]
}

/**
 * @param row one batch row's queries and cache blocks
 * @param seq new tokens (the causal mask's rows); the first sits at position `offset`
 * @param scale softmax scale
 * @returns [G, n, dv]
 */
export function pagedAttention(row: PagedRow, seq: number, scale: number, offset: number): tf.Tensor3D {
  const [G, n] = row.queries[0]!.shape;
  if (n % seq !== 0) throw new Error(`pagedAttention: ${n} queries per KV head is not a multiple of seq ${seq}`);
  return tf.tidy(() => {
    const oneHead = G === 1;
    const qT = oneHead ? row.queries.map((q) => q.reshape([n, q.shape[2]]).transpose() as tf.Tensor2D) : undefined; // per term [dk, n]
    const perBlock = row.values.map((_, i) => blockScores(row, qT, i)); // [G, n, tokens_i]
    const scores = perBlock.length === 1 ? perBlock[0]! : tf.concat(perBlock, 2); // [G, n, t]: small, no cache-sized tensor moves
    const t = scores.shape[2]!;
    const probs = maskedSoftmax(scores.reshape([G, n / seq, seq, t]), scale, { offset }).reshape([G, n, t]) as tf.Tensor3D; // [G, n, t]
    const pieces: tf.Tensor3D[] = row.values.length === 1 ? [probs as tf.Tensor3D] : row.values.map((v, i) => columns(probs, i * row.values[0]!.shape[1], v.shape[1])); // per block [G, n, tokens_i]
    const outs = pieces.map((p, i) => {
      const v = row.values[i]!; // [G, tokens, dv]
      return oneHead
        ? tf.matMul(p.reshape([n, v.shape[1]]), v.reshape([v.shape[1], v.shape[2]])).expandDims(0) // [1, n, dv]
        : tf.matMul(p, v); // [G, n, dv]
    });
    return (outs.length === 1 ? outs[0]! : tf.addN(outs)) as tf.Tensor3D; // [G, n, dv]
  });
}
