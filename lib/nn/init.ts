/**
 * Seeded initialisers: every weight in SeekLab is reproducible from one integer seed.
 * They draw from `Rng` (lib/random.ts) in plain JavaScript and upload once, so the same seed
 * gives the same numbers on every backend.
 *
 * Introduced in notebooks/01_multi_head_latent_attention.ipynb.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../random.js";

/** A tensor of the given shape filled with N(0, std²) draws from `new Rng(seed)`. */
export function initNormal(shape: number[], std: number, seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(new Rng(seed).normals(n, 0, std), shape, "float32");
}

/**
 * A linear layer's weight [in, out], N(0, 1/in) by default so that x · W keeps x's scale.
 * @param std override the standard deviation
 */
export function initLinear(inDim: number, outDim: number, seed: number, std?: number): tf.Tensor2D {
  return initNormal([inDim, outDim], std ?? 1 / Math.sqrt(inDim), seed) as tf.Tensor2D;
}

/** A norm's gain: ones of shape [d]. */
export function initOnes(d: number): tf.Tensor1D {
  return tf.ones([d], "float32") as tf.Tensor1D;
}
