/**
 * Batched matrix products that stay on tfjs-wasm's fast kernel: the named fast path behind
 * decode (lib/attention/paged.ts, mla.ts) and expert dispatch (lib/moe/moe.ts).
 *
 * Why it exists (measured with `npm run bench -- wasm-kernels`): tfjs-wasm hands a product to
 * XNNPACK only when it is ONE matrix times ONE matrix with no transpose flag. A batch of products
 * ([16, 1, 96]·[16, 96, 2048]) or a transpose flag falls to a plain C++ loop that is 10–30× slower
 * than the same arithmetic done as 16 two-dimensional products. So on wasm a batch becomes a list
 * of 2-D products; on every other backend `tf.matMul` is already the fast spelling and is used as is.
 * The numbers are the same either way (each output element is the same dot product).
 *
 * A second wasm trap to know: tf.slice, tf.split and tf.unstack first copy the WHOLE source out of
 * wasm memory (backend.readSync) for every piece, so unstacking B matrices costs B full copies.
 * That is cheap for the small per-step tensors split here (queries, per-head weights made once);
 * tf.gather avoids it where sources are big, but its gradient needs a kernel tfjs-wasm lacks
 * (UnsortedSegmentSum), so these differentiable helpers keep tf.unstack.
 */
import * as tf from "@tensorflow/tfjs";

/** True when the active backend is tfjs-wasm, whose batched matMul is the slow loop. */
export function wasmActive(): boolean {
  return tf.getBackend() === "wasm";
}

/**
 * a·b for a batch of matrices.
 * @param a [B, m, k]
 * @param b [B, k, n]
 * @returns [B, m, n]
 */
export function bmm(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (a.rank !== 3 || b.rank !== 3 || a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) {
    throw new Error(`bmm: a must be [B, m, k] and b [B, k, n]; got a [${a.shape}], b [${b.shape}]`);
  }
  if (!wasmActive() || a.shape[0] === 1) return tf.matMul(a, b);
  return tf.tidy(() => {
    const as = tf.unstack(a) as tf.Tensor2D[]; // B × [m, k]
    const bs = tf.unstack(b) as tf.Tensor2D[]; // B × [k, n]
    return tf.stack(as.map((ai, i) => tf.matMul(ai, bs[i]!))) as tf.Tensor3D; // [B, m, n]
  });
}

/**
 * The same product when b is already a list of matrices (weights split once, e.g. per head).
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
