/**
 * The masked cross-entropy of lib/model/train.ts as ONE kernel forward and ONE backward for
 * tfjs-wasm, installed by `initBackend` when it activates wasm; `maskedCrossEntropy` calls it through
 * `fusedCrossEntropy()` and keeps its readable tfjs ops (logSoftmax, one-hot, sums) for every other
 * backend (notebooks/03_chain_of_thought.ipynb trains with it).
 *
 * Why: the readable loss is ~46 ops forward and backward on lesson 3's [32, 31, 17] logits, ~1.6 ms
 * of a ~21 ms training step, almost all of it per-op engine work; the arithmetic is ~20k numbers.
 * Plain JavaScript loops over tfjs-wasm's heap (in float64, each result stored as float32):
 *
 *   SeekLabMaskedCrossEntropy      logits [..., V] float32, targets [...] int32, mask [...] float32
 *                                  → [loss [] = −Σ mask·log p(target) / max(Σ mask, 1),
 *                                     probs [..., V] = softmax(logits), kept for the gradient]
 *   SeekLabMaskedCrossEntropyGrad  probs, targets, mask, dy [] → dlogits = dy·mask/max(Σ mask, 1)·(probs − onehot(target))
 *
 * A target outside [0, V) adds nothing to the loss and gets no gradient, as its all-zero one-hot row
 * in the ops (its mask still counts in the denominator there, and here). The two
 * spellings agree to float32 rounding (tests/backend/crossEntropyKernel.test.ts; the loss is also
 * checked against NumPy in tests/model/model.test.ts).
 */
import * as tf from "@tensorflow/tfjs";
import type { WasmBackendLike } from "./wasmHeap.js";

export const CROSS_ENTROPY_KERNEL = "SeekLabMaskedCrossEntropy";
const CROSS_ENTROPY_GRAD_KERNEL = "SeekLabMaskedCrossEntropyGrad";

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown };

/** A tensor's numbers where they live in tfjs-wasm's heap (Int32Array for int32). */
function heap(be: WasmBackendLike, t: tf.TensorInfo): Float32Array | Int32Array {
  return be.typedArrayFromHeap(t) as Float32Array | Int32Array;
}

/** max(Σ mask, 1): the number of counted positions (at least one, so an all-masked batch gives 0, not NaN). */
function denominator(mask: Float32Array | Int32Array): number {
  let s = 0;
  for (let i = 0; i < mask.length; i++) s += mask[i]!;
  return Math.max(Math.fround(s), 1);
}

function crossEntropyKernel({ inputs, backend }: Args): tf.TensorInfo[] {
  const be = backend as WasmBackendLike;
  const { logits, targets, mask } = inputs as { logits: tf.TensorInfo; targets: tf.TensorInfo; mask: tf.TensorInfo };
  const V = logits.shape[logits.shape.length - 1]!;
  const loss = be.makeOutput([], "float32");
  const probs = be.makeOutput(logits.shape, "float32");
  const [x, t, m, p] = [heap(be, logits), heap(be, targets), heap(be, mask), heap(be, probs)];
  const rows = x.length / V;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, x[o + v]!);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += (p[o + v] = Math.exp(x[o + v]! - max));
    for (let v = 0; v < V; v++) p[o + v] = p[o + v]! / sum;
    const target = t[r]!;
    if (m[r] !== 0 && target >= 0 && target < V) total += m[r]! * (x[o + target]! - max - Math.log(sum));
  }
  heap(be, loss)[0] = -total / denominator(m);
  return [loss, probs];
}

function crossEntropyGradKernel({ inputs, backend }: Args): tf.TensorInfo {
  const be = backend as WasmBackendLike;
  const { probs, targets, mask, dy } = inputs as { probs: tf.TensorInfo; targets: tf.TensorInfo; mask: tf.TensorInfo; dy: tf.TensorInfo };
  const V = probs.shape[probs.shape.length - 1]!;
  const out = be.makeOutput(probs.shape, "float32");
  const [p, t, m, g] = [heap(be, probs), heap(be, targets), heap(be, mask), heap(be, out)];
  const scale = heap(be, dy)[0]! / denominator(m);
  for (let r = 0; r < m.length; r++) {
    const o = r * V;
    const target = t[r]!;
    const inVocab = target >= 0 && target < V;
    const w = inVocab ? scale * m[r]! : 0; // no target, no term in the loss: nothing flows back
    for (let v = 0; v < V; v++) g[o + v] = w * p[o + v]!;
    if (inVocab) g[o + target] = w * (p[o + target]! - 1);
  }
  return out;
}

let installed = false;
let enabled = false;

/** Registers the kernels for wasm and their gradient, and uses them (idempotent; a no-op without wasm). */
export function useFusedCrossEntropy(): void {
  if (!tf.findBackend("wasm")) return;
  enabled = true;
  if (installed) return;
  for (const [kernelName, kernelFunc] of [[CROSS_ENTROPY_KERNEL, crossEntropyKernel], [CROSS_ENTROPY_GRAD_KERNEL, crossEntropyGradKernel]] as const) {
    if (!tf.getKernel(kernelName, "wasm")) tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc: kernelFunc as never });
  }
  tf.registerGradient({
    kernelName: CROSS_ENTROPY_KERNEL,
    inputsToSave: ["targets", "mask"],
    outputsToSave: [false, true],
    // Only the logits are differentiated (targets are ids, the mask is data); probs is internal.
    gradFunc: (dys, saved) => {
      const [targets, mask, probs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const dy = (dys as tf.Tensor[])[0]!;
      return { logits: () => tf.engine().runKernel(CROSS_ENTROPY_GRAD_KERNEL, { probs, targets, mask, dy }) as tf.Tensor };
    },
  });
  installed = true;
}

/** Back to the readable tfjs ops (for A/B measurements; the kernels stay registered). */
export function useCompositeCrossEntropy(): void {
  enabled = false;
}

/**
 * Whether maskedCrossEntropy should run the fused kernel for these tensors on the active backend
 * (dtypes and shapes as the kernel reads them; anything else takes the ops, which check and say why).
 */
export function fusedCrossEntropy(logits: tf.Tensor, targets: tf.Tensor, mask: tf.Tensor): boolean {
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  return (
    enabled && tf.getBackend() === "wasm" && tf.getKernel(CROSS_ENTROPY_KERNEL, "wasm") !== undefined &&
    logits.dtype === "float32" && targets.dtype === "int32" && mask.dtype === "float32" &&
    same(logits.shape.slice(0, -1), targets.shape) && same(targets.shape, mask.shape)
  );
}
