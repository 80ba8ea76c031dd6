/**
 * Load balancing for Mixture-of-Experts routing: measuring imbalance, the auxiliary losses that
 * push against it, and DeepSeek-V3's auxiliary-loss-free alternative.
 *
 * Introduced in notebooks/02_mixture_of_experts.ipynb.
 *  - load_i: how many (token, choice) assignments expert i received.
 *  - MaxVio = max_i load_i / mean load − 1 (DeepSeek's "maximal violation", Wang et al. 2024,
 *    "Auxiliary-Loss-Free Load Balancing Strategy for Mixture-of-Experts"): 0 when perfectly even.
 *  - Switch auxiliary loss (Fedus et al. 2021, eq. 4): N · Σ_i f_i · P_i, with f_i the share of
 *    assignments that went to expert i and P_i its mean (normalised) affinity. 1 when both are
 *    uniform; N when every token goes to one expert with all its probability.
 *  - DeepSeek-V3's sequence-wise balance loss (V3 eqs. 17–20): the same quantity computed inside
 *    each sequence and averaged, with f_i = N/(K·T) · count_i and s'_{i,t} = s_{i,t}/Σ_j s_{j,t}.
 *  - Auxiliary-loss-free balancing (V3 §2.1.2): after each step, b_i ← b_i − γ·sign(load_i − mean),
 *    so an overloaded expert's selection bias falls and an idle one's rises; the bias changes
 *    only which experts are chosen, never the weights, so the gradient is untouched.
 */
import * as tf from "@tensorflow/tfjs";
import { oneHotFloat } from "../backend/onehot.js";

/**
 * Assignments per expert.
 * @param indices [tokens, topK] int32 (or any shape of expert ids)
 * @returns [nExperts] float32 counts
 */
export function expertLoad(indices: tf.Tensor, nExperts: number): tf.Tensor1D {
  return tf.tidy(() => {
    const flat = indices.reshape([-1]).toInt(); // [tokens·topK]
    return tf.sum(oneHotFloat(flat, nExperts), 0) as tf.Tensor1D; // [nExperts]
  });
}

/** Assignments per expert from plain indices (e.g. `await route.indices.data()`). */
export function expertLoadOf(indices: ArrayLike<number>, nExperts: number): number[] {
  const load = new Array<number>(nExperts).fill(0);
  for (let i = 0; i < indices.length; i++) {
    const e = indices[i]!;
    if (!Number.isInteger(e) || e < 0 || e >= nExperts) throw new Error(`expertLoadOf: index ${e} at ${i} is outside [0, ${nExperts})`);
    load[e]!++;
  }
  return load;
}

/** MaxVio = max load / mean load − 1 (0 = perfectly balanced, N − 1 = everything on one expert). */
export function maxVio(load: ArrayLike<number>): number {
  if (load.length === 0) throw new Error("maxVio: load is empty");
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < load.length; i++) {
    max = Math.max(max, load[i]!);
    sum += load[i]!;
  }
  if (sum === 0) throw new Error("maxVio: no tokens were routed (mean load is 0)");
  return max / (sum / load.length) - 1;
}

/**
 * Switch Transformer's auxiliary loss, N · Σ_i f_i · P_i.
 * f_i = count_i / (tokens · topK) (no gradient: it comes from the discrete choice);
 * P_i = mean over tokens of s_{i,t} / Σ_j s_{j,t} (the normalisation is a no-op for softmax scores
 * and makes sigmoid scores comparable). Differentiable with respect to `scores`.
 * @param scores [tokens, nExperts] affinities
 * @param indices [tokens, topK] int32 chosen experts
 * @returns scalar, 1 at perfect balance
 */
export function switchAuxLoss(scores: tf.Tensor2D, indices: tf.Tensor2D, nExperts: number): tf.Scalar {
  if (scores.shape[1] !== nExperts) throw new Error(`switchAuxLoss: scores have ${scores.shape[1]} experts, nExperts = ${nExperts}`);
  if (scores.shape[0] !== indices.shape[0]) throw new Error(`switchAuxLoss: ${scores.shape[0]} score rows but ${indices.shape[0]} index rows`);
  return tf.tidy(() => {
    const [tokens, topK] = indices.shape;
    const f = tf.div(tf.sum(oneHotFloat(indices, nExperts), [0, 1]), tokens * topK); // [nExperts]
    const normed = tf.div(scores, tf.sum(scores, -1, true)); // [tokens, nExperts], s'
    const p = tf.mean(normed, 0); // [nExperts]
    return tf.mul(nExperts, tf.sum(tf.mul(f, p))) as tf.Scalar;
  });
}

/**
 * DeepSeek-V3's sequence-wise balance loss (eqs. 17–20, without α): Σ_i f_i · P_i computed per
 * sequence with f_i = N/(K·T)·count_i and P_i = mean_t s'_{i,t}, then averaged over the batch.
 * Equals `switchAuxLoss` on a single sequence.
 * @param scores [batch, seq, nExperts]
 * @param indices [batch, seq, topK] int32
 * @returns scalar, 1 when every sequence is balanced
 */
export function sequenceBalanceLoss(scores: tf.Tensor3D, indices: tf.Tensor3D, nExperts: number): tf.Scalar {
  if (scores.shape[2] !== nExperts) throw new Error(`sequenceBalanceLoss: scores have ${scores.shape[2]} experts, nExperts = ${nExperts}`);
  if (scores.shape[0] !== indices.shape[0] || scores.shape[1] !== indices.shape[1]) {
    throw new Error(`sequenceBalanceLoss: scores [${scores.shape}] and indices [${indices.shape}] disagree on [batch, seq]`);
  }
  return tf.tidy(() => {
    const [, seq, topK] = indices.shape;
    const counts = tf.sum(oneHotFloat(indices, nExperts), [1, 2]); // [batch, nExperts]
    const f = tf.mul(counts, nExperts / (topK * seq)); // [batch, nExperts], eq. 18
    const normed = tf.div(scores, tf.sum(scores, -1, true)); // [batch, seq, nExperts], eq. 19
    const p = tf.mean(normed, 1); // [batch, nExperts], eq. 20
    return tf.mean(tf.sum(tf.mul(f, p), -1)) as tf.Scalar; // eq. 17 per sequence, batch mean
  });
}

/**
 * The auxiliary-loss-free bias update (V3 §2.1.2): b_i − γ · sign(load_i − mean load).
 * Returns a new tensor; to keep a bias variable: `bias.assign(updateRoutingBias(bias, load, γ))`.
 * @param bias [nExperts]
 * @param load [nExperts] assignments per expert in the last step (or batch)
 * @param gamma bias update speed γ (V3 used 0.001)
 * @returns [nExperts]
 */
export function updateRoutingBias(bias: tf.Tensor1D, load: tf.Tensor1D, gamma: number): tf.Tensor1D {
  if (bias.shape[0] !== load.shape[0]) throw new Error(`updateRoutingBias: bias [${bias.shape}] and load [${load.shape}] differ`);
  if (!(gamma >= 0)) throw new Error(`updateRoutingBias: gamma must be ≥ 0; got ${gamma}`);
  return tf.tidy(() => tf.sub(bias, tf.mul(gamma, tf.sign(tf.sub(load, tf.mean(load))))) as tf.Tensor1D);
}
