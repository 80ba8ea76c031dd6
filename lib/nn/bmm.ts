/**
 * Per-head matrix products that stay on tfjs-wasm's fast kernel: the named fast path behind MLA's
 * absorbed up-projections (lib/attention/mla.ts: q_nope·W_UKᵀ and o_lat·W_UV, one matrix per head).
 *
 * Why it exists (measured with `npm run bench -- wasm-kernels`): tfjs-wasm hands a product to
 * XNNPACK only when it is ONE matrix times ONE matrix with no transpose flag. A batch of products
 * ([16, 1, 96]·[16, 96, 2048]) or a transpose flag falls to a plain C++ loop that is 10–40× slower
 * than the same arithmetic done as 16 two-dimensional products. So a batch becomes a list of 2-D
 * products. The numbers are the same either way (each output element is the same dot product).
 *
 * A second wasm trap to know: tf.slice, tf.split and tf.unstack first copy the WHOLE source out of
 * wasm memory (backend.readSync) for every piece, so unstacking B matrices costs B full copies.
 * That is cheap for the small per-step tensors split here; tf.gather avoids it where sources are
 * big (paged.ts, lib/moe/moe.ts), but its gradient needs a kernel tfjs-wasm lacks
 * (UnsortedSegmentSum), so this differentiable helper keeps tf.unstack.
 */
import * as tf from "@tensorflow/tfjs";

/**
 * a·b where b is already a list of matrices (weights split once, e.g. per head).
 * @param a [B, m, k]
 * @param bs B × [k, n]
 * @returns [B, m, n]
 */
export function bmmList(a: tf.Tensor3D, bs: readonly tf.Tensor2D[]): tf.Tensor3D {
  if (a.rank !== 3 || a.shape[0] !== bs.length) {
    throw new Error(`bmmList: a must be [B=${bs.length}, m, k]; got [${a.shape}]`);
  }
  return tf.tidy(() => {
    const as = tf.unstack(a) as tf.Tensor2D[]; // B × [m, k]
    return tf.stack(as.map((ai, i) => tf.matMul(ai, bs[i]!))) as tf.Tensor3D; // [B, m, n]
  });
}
