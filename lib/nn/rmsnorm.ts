/**
 * RMSNorm: x / sqrt(mean(x²) + eps) · weight, over the last dimension, eps = 1e-6 (DeepSeek-V3).
 *
 * Introduced in notebooks/01_multi_head_latent_attention.ipynb (MLA normalises its latents with it).
 */
import * as tf from "@tensorflow/tfjs";
import { fusedKernel, RMSNORM_KERNEL } from "../backend/fusedKernels.js";

export const RMS_NORM_EPS = 1e-6;

/**
 * @param x [..., d]
 * @param weight [d] the learned gain
 * @param eps added to the mean square (default 1e-6)
 * @returns [..., d]
 */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number = RMS_NORM_EPS): tf.Tensor {
  const d = x.shape[x.rank - 1];
  if (weight.rank !== 1 || weight.shape[0] !== d) {
    throw new Error(`rmsNorm: weight must be [${d}] to match x [${x.shape}]; got [${weight.shape}]`);
  }
  const fused = x.dtype === "float32" ? fusedKernel(RMSNORM_KERNEL) : undefined;
  if (fused) {
    // tfjs-wasm: the same formula as one kernel (lib/backend/fusedKernels.ts; fewer ops per step).
    return tf.tidy(() => (tf.engine().runKernel(fused, { x, w: weight }, { eps }) as tf.Tensor[])[0]!);
  }
  return tf.tidy(() => {
    const meanSq = tf.mean(tf.square(x), -1, true); // [..., 1]
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSq, eps))), weight);
  });
}
