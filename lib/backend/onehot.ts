/**
 * One-hot masks as float32, made the one way that gives the same numbers on every backend.
 *
 * Used by lib/moe (gate, dispatch, balance), lib/model and lib/reasoning; not part of the public API. Found while testing
 * notebooks/02_mixture_of_experts.ipynb's library on each backend, with tfjs 4.22:
 *  - wasm's OneHot kernel ignores `dtype = "float32"` and writes int32 bit patterns (1 reads as 1.4e-45);
 *  - on WebGPU, summing an int32 one-hot (or its plain cast) over a non-last axis goes through a
 *    Transpose shader that fails to compile (WGSL f32/i32 mismatch) and silently yields zeros.
 * Multiplying the int32 one-hot by a float32 scalar makes a fresh float32 tensor on all of them.
 */
import * as tf from "@tensorflow/tfjs";

/**
 * @param indices int32 tensor of any shape [...]
 * @returns float32 [..., depth] with 1 at each index
 */
export function oneHotFloat(indices: tf.Tensor, depth: number): tf.Tensor {
  // tf.oneHot refuses depth 1 (an MoE with a single expert): then index 0 is the only one.
  if (depth === 1) return tf.tidy(() => tf.expandDims(tf.cast(tf.equal(indices, 0), "float32"), -1));
  // On wasm an int32 one-hot and a Cast convert correctly in two ops (its Cast reads the int32
  // values); elsewhere the multiply, which every backend gets right.
  if (tf.getBackend() === "wasm") return tf.tidy(() => tf.cast(tf.oneHot(indices as tf.Tensor, depth, 1, 0, "int32"), "float32"));
  return tf.tidy(() => tf.mul(tf.oneHot(indices as tf.Tensor, depth), tf.scalar(1, "float32")));
}
