/**
 * A linear layer, input-major: y = x · W (+ b) with W: [in, out] (DESIGN.md, "Weights are
 * input-major"; DeepSeek's PyTorch code stores [out, in], so loading its weights transposes).
 *
 * Introduced in notebooks/01_multi_head_latent_attention.ipynb; every projection in SeekLab uses it.
 */
import * as tf from "@tensorflow/tfjs";
import { foldsBroadcastMatMul } from "../backend/bmmKernel.js";

/**
 * @param x [..., in] any number of leading dimensions
 * @param w [in, out]
 * @param b optional [out]
 * @returns [..., out]
 */
export function linear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  if (w.rank !== 2) throw new Error(`linear: weight must be [in, out]; got shape [${w.shape}]`);
  const [inDim, outDim] = w.shape as [number, number];
  const last = x.shape[x.rank - 1];
  if (x.rank < 1 || last !== inDim) {
    throw new Error(`linear: x's last dimension must be in=${inDim} (weight [${w.shape}]); got x [${x.shape}]`);
  }
  if (b && (b.rank !== 1 || b.shape[0] !== outDim)) {
    throw new Error(`linear: bias must be [${outDim}]; got [${b.shape}]`);
  }
  if (x.rank > 2 && foldsBroadcastMatMul()) {
    // tfjs-wasm with SeekLab's kernels: the same 2-D product without the two reshape ops.
    return b ? tf.tidy(() => tf.add(tf.matMul(x, w), b)) : tf.matMul(x, w);
  }
  return tf.tidy(() => {
    const lead = x.shape.slice(0, -1);
    const y2 = tf.matMul(x.reshape([-1, inDim]), w); // [prod(lead), out]
    const y = b ? tf.add(y2, b) : y2;
    return y.reshape([...lead, outDim]); // [..., out]
  });
}
