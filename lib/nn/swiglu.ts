/**
 * The SwiGLU feed-forward block: DeepSeek's dense FFN, every routed expert and the shared experts.
 *
 *   swiglu(x) = w2( silu(x·w1) ⊙ (x·w3) )          (Shazeer 2020, "GLU Variants Improve Transformer")
 *
 * Introduced in notebooks/02_mixture_of_experts.ipynb (each expert is one of these); the tiny
 * model in lib/model reuses it as its dense FFN. Weights are input-major (DESIGN.md): `x · W`
 * with `W: [in, out]`, so DeepSeek's PyTorch `w1.weight` ([ffnHidden, dModel]) loads transposed.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../random.js";
import { linear } from "./linear.js";
import { siluMul } from "../backend/decodeFfn.js";
import { checkNumber, checkOptions } from "../validate.js";

/** One SwiGLU FFN. `w1` is the gate projection, `w3` the up projection, `w2` the down projection. */
export interface SwiGLUWeights {
  /** [dModel, ffnHidden] */
  w1: tf.Tensor2D;
  /** [dModel, ffnHidden] */
  w3: tf.Tensor2D;
  /** [ffnHidden, dModel] */
  w2: tf.Tensor2D;
}

/**
 * Applies a SwiGLU FFN to the last axis of `x`.
 * @param x [..., dModel] (any rank ≥ 1; leading axes are flattened and restored)
 * @returns [..., dModel], owned by the caller
 */
export function swiglu<T extends tf.Tensor>(x: T, w: SwiGLUWeights): T {
  const dModel = w.w1.shape[0];
  if (x.shape[x.rank - 1] !== dModel) {
    throw new Error(`swiglu: x's last axis is ${x.shape[x.rank - 1]} but w1 expects dModel = ${dModel}`);
  }
  return tf.tidy(() => {
    const gate = linear(x, w.w1); // [..., ffnHidden]  x·W1
    const up = linear(x, w.w3); // [..., ffnHidden]  x·W3
    // silu(g) = g·sigmoid(g); written out so every backend computes the same thing.
    const h = tf.mul(tf.mul(gate, tf.sigmoid(gate)), up); // [..., ffnHidden]
    return linear(h, w.w2) as T; // [..., dModel]
  });
}

/**
 * The same FFN for a decode step on tfjs-wasm (lib/model's cached sampling): x·[W1 | W3] as ONE
 * product, silu(g)·u as one kernel (lib/backend/decodeFfn.ts), then W2 — 3 ops instead of 6; at
 * one token per sequence the ops' fixed cost is most of the time. Same numbers as `swiglu` up to
 * the sigmoid's last bit. Use it only where `decodeKernelsOn()` (lib/backend/decodeAttention.ts).
 * @param x [..., dModel]
 * @param w13 [dModel, 2·ffnHidden]: w1 and w3 side by side (joined once by the caller and kept)
 * @param w2 [ffnHidden, dModel]
 * @returns [..., dModel]
 */
export function swigluJoined<T extends tf.Tensor>(x: T, w13: tf.Tensor, w2: tf.Tensor): T {
  return tf.tidy(() => linear(siluMul(linear(x, w13)), w2) as T);
}

export interface SwiGLUInitOptions {
  /**
   * Standard deviation of the normal draws. Default: `1/sqrt(fanIn)` per matrix (dModel for w1/w3,
   * ffnHidden for w2), which keeps activations O(1) at initialisation.
   */
  std?: number;
  /** Wrap the weights in `tf.Variable`s (trainable) instead of plain tensors. Default false. */
  trainable?: boolean;
}

/**
 * Seeded normal initialisation of a SwiGLU FFN. The same (dModel, ffnHidden, seed) always gives the
 * same numbers on every backend (drawn in JavaScript by `Rng`, then uploaded).
 * The caller owns the returned tensors (dispose with `disposeSwiGLU`).
 */
export function initSwiGLUWeights(dModel: number, ffnHidden: number, seed: number, opts: SwiGLUInitOptions = {}): SwiGLUWeights {
  if (!Number.isInteger(dModel) || dModel <= 0 || !Number.isInteger(ffnHidden) || ffnHidden <= 0) {
    throw new Error(`initSwiGLUWeights: dModel and ffnHidden must be positive integers; got ${dModel}, ${ffnHidden}`);
  }
  checkNumber("initSwiGLUWeights: seed", seed, { integer: true, min: -(2 ** 53), max: 2 ** 53 });
  checkOptions("initSwiGLUWeights", opts, { std: { gt: 0 } });
  const rng = new Rng(seed);
  const make = (rows: number, cols: number): tf.Tensor2D => {
    const std = opts.std ?? 1 / Math.sqrt(rows);
    const t = tf.tensor2d(rng.normals(rows * cols, 0, std), [rows, cols]);
    if (!opts.trainable) return t;
    const v = tf.variable(t, true);
    t.dispose();
    return v as unknown as tf.Tensor2D;
  };
  const w1 = make(dModel, ffnHidden); // [dModel, ffnHidden]
  const w3 = make(dModel, ffnHidden); // [dModel, ffnHidden]
  const w2 = make(ffnHidden, dModel); // [ffnHidden, dModel]
  return { w1, w3, w2 };
}

/** Number of parameters in one SwiGLU FFN: 3 · dModel · ffnHidden. */
export function swigluParamCount(dModel: number, ffnHidden: number): number {
  return 3 * dModel * ffnHidden;
}

/** Disposes the three matrices. */
export function disposeSwiGLU(w: SwiGLUWeights): void {
  w.w1.dispose();
  w.w3.dispose();
  w.w2.dispose();
}
