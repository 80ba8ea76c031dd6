/**
 * RMSNorm: x / sqrt(mean(x²) + eps) · weight, over the last dimension, eps = 1e-6 (DeepSeek-V3).
 *
 * Introduced in notebooks/01_multi_head_latent_attention.ipynb (MLA normalises its latents with it).
 */
import * as tf from "@tensorflow/tfjs";

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
  return tf.tidy(() => {
    const meanSq = tf.mean(tf.square(x), -1, true); // [..., 1]
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSq, eps))), weight);
  });
}
