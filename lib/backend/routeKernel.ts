/**
 * An MoE router's decisions as ONE kernel on tfjs-wasm, installed by `initBackend` on wasm.
 *
 * After the affinities s = sigmoid or softmax of x·W (lib/moe/gate.ts), DeepSeek-V3's gate is a
 * dozen small ops on the composite path: add the bias, score and pick the groups (topk, sum,
 * oneHot, where), top-k, then the combine weights (oneHot, a product, sum, divide, scale). Each op
 * costs microseconds of engine work, and together they were most of the routing's time
 * (`npm run bench -- moe`). `SeekLabRoute` does all of it in one pass per token row
 * (`route` in moeSimd.wat): the same selection (bias for choosing only, group limiting, ties to
 * the lower index as tf.topk) and the same weights, bit for bit (the sum in tf.sum's order, the
 * same ε and scale as float32).
 *
 *   SeekLabRoute  scores [T, E] float32, bias? [E]; attrs topK, nGroups, topKGroups,
 *                 normalize (sigmoid: divide by the sum), routeScale
 *                 → [indices [T, topK] int32, weights [T, topK] float32]
 *
 * The gradient reaches the scores through the weights only, as on the composite path (the choice
 * itself has none). `routeOnHeap` returns undefined — use the composite ops — on any other
 * backend, with SeekLab's kernels switched off (`useCompositeOps`), for an empty batch, or when a
 * score is NaN (a NaN in the gate weight: tf.topk's own rules then decide, as before).
 * `allFiniteOnHeap` is the router's input check (no NaN or ±Infinity) as one pass over the heap.
 */
import * as tf from "@tensorflow/tfjs";
import { MOE_SIMD_WASM_BASE64 } from "./moeSimdBytes.js";
import { fusedKernel } from "./fusedKernels.js";
import { oneHotFloat } from "./onehot.js";
import { heapBackend, heapOffset, linkToHeap, type WasmBackendLike } from "./wasmHeap.js";

export const ROUTE_KERNEL = "SeekLabRoute";

/** The gate's settings the kernel needs (validated GateConfig values). */
export interface RouteKernelAttrs {
  topK: number;
  nGroups: number;
  topKGroups: number;
  /** Divide the chosen scores by their sum (sigmoid scores, DeepSeek-V3 eq. 13). */
  normalize: boolean;
  routeScale: number;
}

/** The ε of lib/moe/gate.ts's combineWeights: a token whose chosen sigmoid scores all underflow splits evenly. */
const EPS = 1e-30;

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** Throws an error naming `fn` and the bad argument. */
function checkArgs(fn: string, scores: { shape: number[]; dtype: string }, bias: { shape: number[]; dtype: string } | undefined, a: RouteKernelAttrs): void {
  if (scores.shape.length !== 2 || scores.dtype !== "float32") throw new Error(`${fn}: scores must be float32 [tokens, nExperts]; got ${scores.dtype} [${scores.shape}]`);
  const E = scores.shape[1]!;
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== E || bias.dtype !== "float32")) throw new Error(`${fn}: bias must be float32 [nExperts = ${E}]; got ${bias.dtype} [${bias.shape}]`);
  const int = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!int(a.nGroups, 1, E) || E % a.nGroups !== 0) throw new Error(`${fn}: nGroups must be an integer ≥ 1 dividing nExperts = ${E}; got ${a.nGroups}`);
  if (!int(a.topKGroups, 1, a.nGroups)) throw new Error(`${fn}: topKGroups must be an integer in [1, nGroups = ${a.nGroups}]; got ${a.topKGroups}`);
  const eligible = a.nGroups === 1 ? E : (a.topKGroups * E) / a.nGroups;
  if (!int(a.topK, 1, eligible)) throw new Error(`${fn}: topK must be an integer in [1, ${eligible}] (the eligible experts); got ${a.topK}`);
  if (!(Number.isFinite(a.routeScale) && a.routeScale > 0)) throw new Error(`${fn}: routeScale must be a finite number > 0; got ${a.routeScale}`);
}

function routeKernel({ inputs, backend, attrs }: Args): tf.TensorInfo[] {
  const be = backend as WasmBackendLike;
  const { scores, bias } = inputs as { scores: tf.TensorInfo; bias?: tf.TensorInfo };
  const a = attrs as unknown as RouteKernelAttrs;
  checkArgs(ROUTE_KERNEL, scores, bias, a);
  const [T, E] = scores.shape as [number, number];
  const indices = be.makeOutput([T, a.topK], "int32");
  const weights = be.makeOutput([T, a.topK], "float32");
  const tmp = be.makeOutput([E + 2 * a.nGroups + 2 * a.topKGroups + 2 * Math.max(a.topK, 8)], "float32"); // a row's biased scores and the running lists
  linkToHeap(MOE_SIMD_WASM_BASE64, be)!.route!(
    heapOffset(be, scores), bias ? heapOffset(be, bias) : 0, bias ? 1 : 0, T, E, a.topK,
    a.nGroups, a.topKGroups, a.normalize ? 1 : 0, a.routeScale, EPS, EPS * a.topK,
    heapOffset(be, indices), heapOffset(be, weights), heapOffset(be, tmp),
  );
  (be as unknown as { disposeData(id: object): void }).disposeData(tmp.dataId);
  return [indices, weights];
}

/**
 * The weights' gradient with respect to the scores (the indices have none): with p the chosen
 * scores and D = Σp + kε, w = s·(p + ε)/D gives ∂L/∂p_j = s·(g_j − Σ_i g_i·w_i/s)/D for sigmoid,
 * s·g_j for softmax; each lands on its expert's column.
 */
function routeGrad(dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): Record<string, () => tf.Tensor> {
  const [scores, indices] = saved as [tf.Tensor2D, tf.Tensor2D];
  const dw = (dys as tf.Tensor[])[1] ?? tf.zeros(indices.shape);
  const a = attrs as unknown as RouteKernelAttrs;
  const [T, E] = scores.shape;
  const dScores = () => tf.tidy(() => {
    const pick = oneHotFloat(indices, E); // [T, topK, E]
    let dp = tf.mul(dw, a.routeScale) as tf.Tensor2D; // [T, topK]
    if (a.normalize) {
      const p = tf.matMul(tf.expandDims(scores, 1), pick, false, true).reshape([T, a.topK]); // [T, topK] chosen scores
      const den = tf.add(tf.sum(p, -1, true), EPS * a.topK); // [T, 1]
      const w = tf.div(tf.add(p, EPS), den); // [T, topK], before the scale
      dp = tf.div(tf.sub(dp, tf.sum(tf.mul(dp, w), -1, true)), den) as tf.Tensor2D; // [T, topK]
    }
    return tf.matMul(tf.expandDims(dp, 1), pick).reshape([T, E]); // [T, E]
  });
  return { scores: dScores, bias: () => tf.zeros([E]) };
}

/**
 * Indices and combine weights of DeepSeek-V3's gate for these scores, by the one kernel, or
 * undefined where it does not apply (see the file header): the caller then uses the composite ops.
 * @param scores [tokens, nExperts] unbiased affinities
 * @param bias [nExperts] selection-only bias, or undefined
 * @returns indices [tokens, topK] int32 and weights [tokens, topK]; the caller owns them
 */
export function routeOnHeap(scores: tf.Tensor2D, bias: tf.Tensor1D | undefined, attrs: RouteKernelAttrs): { indices: tf.Tensor2D; weights: tf.Tensor2D } | undefined {
  if (!fusedKernel(ROUTE_KERNEL)) return undefined;
  checkArgs("routeOnHeap", scores, bias, attrs);
  if (scores.size === 0) return undefined;
  const be = tf.backend() as unknown as WasmBackendLike;
  if (!be.dataIdMap.get(scores.dataId)) return undefined;
  if (linkToHeap(MOE_SIMD_WASM_BASE64, be)!.has_nan!(heapOffset(be, scores), scores.size)) return undefined;
  const [indices, weights] = tf.engine().runKernel(ROUTE_KERNEL, (bias ? { scores, bias } : { scores }) as unknown as tf.NamedTensorMap, { ...attrs } as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor2D, tf.Tensor2D];
  return { indices, weights };
}

/** Whether every value of `t` is finite, read in one pass on the wasm heap; undefined where that is not possible. */
export function allFiniteOnHeap(t: tf.Tensor): boolean | undefined {
  if (!fusedKernel(ROUTE_KERNEL) || t.dtype !== "float32") return undefined;
  const be = tf.backend() as unknown as WasmBackendLike;
  if (!be.dataIdMap.get(t.dataId)) return undefined;
  return t.size === 0 || linkToHeap(MOE_SIMD_WASM_BASE64, be)!.all_finite!(heapOffset(be, t), t.size) === 1;
}

let installed = false;

/** Registers SeekLabRoute and its gradient for wasm (idempotent; a no-op without wasm or WebAssembly SIMD). */
export function useRouteKernel(): void {
  if (installed || !heapBackend(MOE_SIMD_WASM_BASE64)) return;
  tf.registerKernel({ kernelName: ROUTE_KERNEL, backendName: "wasm", kernelFunc: routeKernel as never });
  tf.registerGradient({ kernelName: ROUTE_KERNEL, inputsToSave: ["scores"], outputsToSave: [true, false], gradFunc: routeGrad as never });
  installed = true;
}
