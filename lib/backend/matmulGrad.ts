/**
 * A faster spelling of matmul's gradient for the wasm backend, installed by `initBackend` when it
 * activates wasm (notebooks/03_chain_of_thought.ipynb, "why training on a CPU is slow").
 *
 * The gradient of y = a·b is dy·bᵀ and aᵀ·dy. TensorFlow.js writes those as matMul with its
 * transpose flags. On tfjs-wasm each spelling lands on a different kernel, and the fastest one
 * depends on which operand is transposed (`npm run bench -- train` times the step; measured on the
 * tiny model's shapes, x [992, 64], W [64, 128]):
 *   - aᵀ·dy (a weight's gradient): the flag. The SIMD kernel (bmmKernel.ts) reads a transposed A
 *     through strides, ~1.6× faster than copying the big activation transposed for XNNPACK.
 *   - dy·Wᵀ (the input's gradient, W a small matrix): transpose W explicitly (a few KB) and give
 *     XNNPACK the plain product, ~1.6× faster than the SIMD kernel's dot-product loop.
 * It also sums W's gradient over x's leading axes for `linear`'s x [..., k]·W, which tfjs-core's
 * gradient cannot do. Same numbers as tfjs-core's gradient up to float rounding order. Without the
 * SIMD kernel every transpose is explicit (tfjs-wasm's own kernel is ~10× slower with a flag).
 */
import * as tf from "@tensorflow/tfjs";
import { simdBatchMatMulInstalled } from "./bmmKernel.js";

type GradConfig = ReturnType<typeof tf.getGradient>;

let original: GradConfig | undefined;

/** Swap the last two axes. */
function t(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1]!, perm[x.rank - 2]!];
  return tf.transpose(x, perm);
}

/**
 * a·b with optional transposes, each done the way that is fastest on wasm (see the header): a
 * transposed A, or any batched product, through the SIMD kernel's flags; a transposed 2-D B (a
 * weight) copied transposed first so that the product goes to XNNPACK.
 */
function mm(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): tf.Tensor {
  if (!simdBatchMatMulInstalled()) return tf.matMul(ta ? t(a) : a, tb ? t(b) : b);
  if (tb && !ta && b.rank === 2) return tf.matMul(a, t(b));
  return tf.matMul(a, b, ta, tb);
}

/** Installs the explicit-transpose gradient for BatchMatMul (idempotent). */
export function useExplicitTransposeMatMulGrad(): void {
  if (original) return;
  original = tf.getGradient("BatchMatMul");
  tf.registerGradient({
    kernelName: "BatchMatMul",
    inputsToSave: ["a", "b"],
    // The same four cases as tfjs-core's gradients/BatchMatMul_grad.ts.
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const g = dy as tf.Tensor;
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && a.rank > 2 && b.rank === 2) {
        // x·W with x [..., m, k] and one matrix W for every batch (`linear` on wasm, which skips its
        // reshapes there): the same two 2-D products as on the flattened x [rows, k].
        const k = a.shape[a.rank - 1]!;
        const n = g.shape[g.rank - 1]!;
        return {
          a: () => mm(g, b, false, !transposeB),
          b: () => (transposeB ? mm(g.reshape([-1, n]), a.reshape([-1, k]), true, false) : mm(a.reshape([-1, k]), g.reshape([-1, n]), true, false)),
        };
      }
      if (!transposeA && !transposeB) return { a: () => mm(g, b, false, true), b: () => mm(a, g, true, false) };
      if (!transposeA && transposeB) return { a: () => mm(g, b, false, false), b: () => mm(g, a, true, false) };
      if (transposeA && !transposeB) return { a: () => mm(b, g, false, true), b: () => mm(a, g, false, false) };
      return { a: () => mm(b, g, true, true), b: () => mm(g, a, true, true) };
    },
  });
}

/** Whether this file's gradient is installed (it, unlike tfjs-core's, handles x·W with a batched x). */
export function explicitTransposeMatMulGradInstalled(): boolean {
  return original !== undefined;
}

/** Puts tfjs-core's own gradient back. */
export function restoreMatMulGrad(): void {
  if (!original) return;
  tf.registerGradient(original);
  original = undefined;
}
