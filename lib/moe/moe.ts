/**
 * The Mixture-of-Experts layer: route each token to its top-k SwiGLU experts, run each expert once
 * on the tokens it was given, and add the weighted outputs back (plus the always-on shared experts).
 *
 *   h'_t = u_t + Σ_{shared} FFN_s(u_t) + Σ_{i ∈ topK(t)} g_{i,t} · FFN_i(u_t)     (DeepSeek-V3 eq. 12)
 *
 * (This file returns the two sums; the residual u_t is the caller's, as in the model's block.)
 *
 * Introduced in notebooks/02_mixture_of_experts.ipynb. Three ways to compute the same thing:
 *  - `moeForward` — real sparse dispatch. Reading which expert each token chose needs the indices
 *    on the CPU, and library code reads tensors only with `await t.data()` (synchronous reads
 *    throw on WebGPU), so `moeForward` is async and returns a Promise<Tensor2D>. That is the
 *    one deliberate difference from DESIGN.md's sketch (which shows a sync return).
 *  - `dispatchCombine` — the synchronous half: given the route and a `DispatchPlan` (built in JS
 *    from the indices), gather each expert's tokens, run the expert, scatter-add. By default it is
 *    GROUPED: one gather puts every assignment in expert order, each expert multiplies its own
 *    contiguous rows, SwiGLU's elementwise part and the combine weights run once over all rows,
 *    and one scatter adds them back (see `groupedExperts`). With `differentiable: true` the
 *    gather/scatter are one-hot matmuls per expert, which have gradients on every backend
 *    (tfjs-wasm lacks the gather gradient); the training experiment uses this.
 *  - `moeForwardDense` — every expert on every token, masked by the combine weights. E/K times
 *    the work; it is the readable reference the tests compare the sparse path with.
 *
 * Expert capacity (Switch Transformer / GShard): with a capacity factor each expert accepts at
 * most ceil(capacityFactor · tokens · topK / nExperts) assignments; the rest are dropped (that
 * expert contributes nothing to that token, which keeps only its residual and other experts).
 * Priority is choice-major: every token's first choice is placed before any second choice,
 * then token order — GShard's rule, so a dropped assignment is never a token's best expert
 * while a later token's fallback gets in.
 */
import * as tf from "@tensorflow/tfjs";
import { oneHotFloat } from "../backend/onehot.js";
import { fusedKernel } from "../backend/fusedKernels.js";
import { EXPERTS_DOWN_KERNEL, EXPERTS_UP_KERNEL } from "../backend/expertKernels.js";
import { Rng, deriveSeed } from "../random.js";
import { swiglu, initSwiGLUWeights, disposeSwiGLU, type SwiGLUWeights } from "../nn/swiglu.js";
import { route, routeChecked, disposeRoute, validateGateConfig, type GateConfig } from "./gate.js";
import { checkFiniteAsync, checkMoEInit, checkRouteShapes } from "./checks.js";

export interface MoEWeights {
  /** [dModel, nExperts] */
  gate: tf.Tensor2D;
  /** [nExperts], selection-only routing bias (auxiliary-loss-free balancing). */
  bias?: tf.Tensor1D;
  /** nExperts routed experts, each w1/w3 [dModel, ffnHidden], w2 [ffnHidden, dModel]. */
  experts: SwiGLUWeights[];
  /** All shared experts as one wider FFN: w1/w3 [dModel, nShared·ffnHidden], w2 [nShared·ffnHidden, dModel]. */
  shared?: SwiGLUWeights;
}

/** Which (token, choice) pairs each expert processes, built in plain JS from the route indices. */
export interface DispatchPlan {
  nTokens: number;
  topK: number;
  nExperts: number;
  /** Per expert: the token rows it processes, ascending. */
  tokens: Int32Array[];
  /** Per expert, aligned with `tokens`: which of the token's k choices this is (0 = best). */
  slots: Int32Array[];
  /** Per expert: assignments routed to it before any capacity limit. */
  routed: number[];
  /** Per expert: assignments it actually processes (= routed without a capacity). */
  load: number[];
  /** The capacity used, or undefined for none. */
  capacity?: number;
  /** Assignments dropped by the capacity limit, in total. */
  dropped: number;
  /** Tokens that lost every one of their k experts (they pass through on the residual alone). */
  droppedTokens: number;
}

/** Switch/GShard expert capacity: ceil(capacityFactor · tokens · topK / nExperts). */
export function expertCapacity(nTokens: number, topK: number, nExperts: number, capacityFactor: number): number {
  if (!(capacityFactor > 0)) throw new Error(`expertCapacity: capacityFactor must be > 0; got ${capacityFactor}`);
  return Math.ceil((capacityFactor * nTokens * topK) / nExperts);
}

/**
 * Groups the (token, choice) assignments by expert.
 * @param indices the route's [tokens, topK] indices, row-major (as `await indices.data()` gives them)
 * @param capacity max assignments per expert (choice-major priority, see the file header); none by default
 */
export function planDispatch(indices: ArrayLike<number>, topK: number, nExperts: number, capacity?: number): DispatchPlan {
  if (indices.length % topK !== 0) throw new Error(`planDispatch: ${indices.length} indices is not a multiple of topK = ${topK}`);
  if (capacity !== undefined && (!Number.isInteger(capacity) || capacity < 0)) throw new Error(`planDispatch: capacity must be a non-negative integer; got ${capacity}`);
  const nTokens = indices.length / topK;
  const n = indices.length;
  const routed = new Array<number>(nExperts).fill(0);
  for (let i = 0; i < n; i++) {
    const e = indices[i]!;
    if (!Number.isInteger(e) || e < 0 || e >= nExperts) throw new Error(`planDispatch: token ${Math.floor(i / topK)} choice ${i % topK} is expert ${e}, outside [0, ${nExperts})`);
    routed[e]!++;
  }
  // With a capacity, decide who is kept in priority order: all first choices, then all second…
  let keep: Uint8Array | undefined;
  let load = routed;
  if (capacity !== undefined) {
    keep = new Uint8Array(n);
    load = new Array<number>(nExperts).fill(0);
    for (let k = 0; k < topK; k++) {
      for (let i = k; i < n; i += topK) {
        const e = indices[i]!;
        if (load[e]! < capacity) {
          load[e]!++;
          keep[i] = 1;
        }
      }
    }
  }
  // Counting sort of the kept assignments by expert; visiting tokens in order keeps each expert's rows in token order.
  const start = new Int32Array(nExperts + 1); // expert e's rows are [start[e], start[e + 1])
  for (let e = 0; e < nExperts; e++) start[e + 1] = start[e]! + load[e]!;
  const next = start.slice(0, nExperts);
  const allTokens = new Int32Array(start[nExperts]!);
  const allSlots = new Int32Array(start[nExperts]!);
  let droppedTokens = 0;
  for (let t = 0, i = 0; t < nTokens; t++) {
    let kept = 0;
    for (let k = 0; k < topK; k++, i++) {
      if (keep && !keep[i]) continue;
      const at = next[indices[i]!]!++;
      allTokens[at] = t;
      allSlots[at] = k;
      kept++;
    }
    if (kept === 0) droppedTokens++;
  }
  const tokens = Array.from({ length: nExperts }, (_, e) => allTokens.subarray(start[e]!, start[e + 1]!));
  const slots = Array.from({ length: nExperts }, (_, e) => allSlots.subarray(start[e]!, start[e + 1]!));
  const dropped = n - start[nExperts]!;
  return { nTokens, topK, nExperts, tokens, slots, routed, load: load === routed ? routed.slice() : load, capacity, dropped, droppedTokens };
}

/**
 * Sparse dispatch and combine, synchronously, for a plan already made.
 * @param x [tokens, dModel]
 * @param routeWeights [tokens, topK] combine weights (the gate's gradient flows through them)
 * @param opts.differentiable one-hot-matmul gather/scatter (gradients everywhere) instead of
 *   tf.gather/tf.scatterND (faster, inference only). Default false.
 * @returns [tokens, dModel]: Σ over kept assignments of weight · expert(x) (no shared experts)
 */
export function dispatchCombine(
  x: tf.Tensor2D,
  experts: SwiGLUWeights[],
  routeWeights: tf.Tensor2D,
  plan: DispatchPlan,
  opts: { differentiable?: boolean } = {},
): tf.Tensor2D {
  const [nTokens, dModel] = x.shape;
  if (plan.nTokens !== nTokens || routeWeights.shape[0] !== nTokens || routeWeights.shape[1] !== plan.topK) {
    throw new Error(`dispatchCombine: plan is for ${plan.nTokens}×${plan.topK}, x has ${nTokens} rows, weights are [${routeWeights.shape}]`);
  }
  if (experts.length !== plan.nExperts) throw new Error(`dispatchCombine: ${experts.length} experts but the plan has ${plan.nExperts}`);
  return tf.tidy(() => {
    const flatW = routeWeights.reshape([nTokens * plan.topK, 1]) as tf.Tensor2D; // [tokens·topK, 1], row t·K + k
    if (!opts.differentiable) return groupedExperts(x, experts, flatW, plan);
    let y: tf.Tensor2D = tf.zeros([nTokens, dModel]);
    for (let e = 0; e < plan.nExperts; e++) {
      const tok = plan.tokens[e]!;
      if (tok.length === 0) continue; // an expert with no tokens costs nothing
      const flatIdx = Int32Array.from(tok, (t, i) => t * plan.topK + plan.slots[e]![i]!);
      const pickTok = oneHotFloat(tf.tensor1d(tok, "int32"), nTokens); // [n_e, tokens]
      const pickW = oneHotFloat(tf.tensor1d(flatIdx, "int32"), nTokens * plan.topK); // [n_e, tokens·topK]
      const xe = tf.matMul(pickTok, x); // [n_e, dModel]
      const we = tf.matMul(pickW, flatW); // [n_e, 1]
      const out = tf.mul(swiglu(xe, experts[e]!), we); // [n_e, dModel]
      y = tf.add(y, tf.matMul(pickTok, out, true, false)); // scatter-add: [tokens, dModel]
    }
    return y;
  });
}

/**
 * Grouped dispatch (inference): the kept assignments in expert order, N = Σ n_e rows.
 *   1. per expert, its tokens' rows times its own W1 and W3 — the only per-expert work: a backend
 *      without a grouped-GEMM kernel needs one product per expert, so padding to [experts,
 *      capacity, dModel] would only add wasted rows here;
 *   2. SwiGLU's elementwise part ONCE over all N rows ([N, ffnHidden], expert 0's rows first), then
 *      per expert its rows times W2;
 *   3. ONE multiply by the combine weights and ONE scatter-add back to [tokens, dModel].
 * On tfjs-wasm, steps 1 and 3 are one kernel each, gathers and scatter included
 * (lib/backend/expertKernels.ts): with step 2 that is 5 ops for the whole layer, whatever nExperts.
 * Elsewhere rows are picked with tf.gather, never tf.slice/tf.split: tfjs-wasm's slice copies its
 * whole source out of wasm memory first (backend.readSync), which made per-expert slices quadratic.
 */
function groupedExperts(x: tf.Tensor2D, experts: SwiGLUWeights[], flatW: tf.Tensor2D, plan: DispatchPlan): tf.Tensor2D {
  const [nTokens, dModel] = x.shape;
  const used = plan.tokens.map((t, e) => (t.length > 0 ? e : -1)).filter((e) => e >= 0); // experts with rows
  if (used.length === 0) return tf.zeros([nTokens, dModel]);
  const sizes = used.map((e) => plan.tokens[e]!.length);
  const N = sizes.reduce((a, b) => a + b, 0);
  const rows = new Int32Array(N); // token of each sorted row
  const flatIdx = new Int32Array(N); // its row in the [tokens·topK] weights
  let at = 0;
  for (const e of used) {
    const tok = plan.tokens[e]!;
    for (let i = 0; i < tok.length; i++, at++) {
      rows[at] = tok[i]!;
      flatIdx[at] = tok[i]! * plan.topK + plan.slots[e]![i]!;
    }
  }
  const [upK, downK] = [fusedKernel(EXPERTS_UP_KERNEL), fusedKernel(EXPERTS_DOWN_KERNEL)];
  if (upK && downK && x.dtype === "float32") {
    // tfjs-wasm: the gather, the three products of every expert, the combine weights and the
    // scatter-add in two kernels around SwiGLU's elementwise part (lib/backend/expertKernels.ts).
    const rowsT = tf.tensor1d(rows, "int32"); // [N] token of each row
    const run = (kernel: string, inputs: tf.Tensor[], attrs: object) => tf.engine().runKernel(kernel, inputs as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap);
    const [g, u] = run(upK, [x, rowsT, ...used.map((e) => experts[e]!.w1), ...used.map((e) => experts[e]!.w3)], { sizes }) as tf.Tensor2D[]; // [N, ffnHidden] each: x·W1, x·W3
    const h = tf.mul(tf.mul(g!, tf.sigmoid(g!)), u!); // [N, ffnHidden]  silu(g)·u, as swiglu()
    return run(downK, [h, rowsT, tf.tensor1d(flatIdx, "int32"), flatW, ...used.map((e) => experts[e]!.w2)], { sizes, nTokens }) as tf.Tensor2D; // [tokens, dModel]
  }
  const xe = used.map((e) => tf.gather(x, tf.tensor1d(plan.tokens[e]!, "int32"))); // per expert [n_e, dModel]
  const gate = tf.concat(xe.map((xi, i) => tf.matMul(xi, experts[used[i]!]!.w1)), 0); // [N, ffnHidden]  x·W1
  const up = tf.concat(xe.map((xi, i) => tf.matMul(xi, experts[used[i]!]!.w3)), 0); // [N, ffnHidden]  x·W3
  const h = tf.mul(tf.mul(gate, tf.sigmoid(gate)), up) as tf.Tensor2D; // [N, ffnHidden]  silu(g)·u, as swiglu()
  let first = 0;
  const out = tf.concat(
    used.map((e, i) => {
      const hi = used.length === 1 ? h : tf.gather(h, tf.range(first, first + sizes[i]!, 1, "int32")); // [n_e, ffnHidden]
      first += sizes[i]!;
      return tf.matMul(hi, experts[e]!.w2); // [n_e, dModel]
    }),
    0,
  ); // [N, dModel]
  const ws = tf.gather(flatW, tf.tensor1d(flatIdx, "int32")); // [N, 1]
  // scatterND sums rows that share a token (a token's k experts).
  return tf.scatterND(tf.tensor2d(rows, [N, 1], "int32"), tf.mul(out, ws), [nTokens, dModel]) as tf.Tensor2D;
}

export interface MoEForwardOptions {
  /** Switch/GShard capacity factor; undefined = no capacity limit (DeepSeek-V3 drops no tokens). */
  capacityFactor?: number;
}

export interface MoEOutput {
  /** [tokens, dModel]: routed + shared expert outputs (no residual). */
  y: tf.Tensor2D;
  /** [tokens, topK] combine weights (before any capacity drop). */
  weights: tf.Tensor2D;
  /** [tokens, topK] int32 chosen experts. */
  indices: tf.Tensor2D;
  /** [tokens, nExperts] affinities. */
  scores: tf.Tensor2D;
  /** Who processed what, loads and drops. */
  plan: DispatchPlan;
}

/**
 * The MoE layer with its routing details. The caller owns y, weights, indices and scores.
 * @param x [tokens, dModel]
 */
export async function moeForwardWithStats(x: tf.Tensor2D, w: MoEWeights, cfg: GateConfig, opts: MoEForwardOptions = {}): Promise<MoEOutput> {
  const c = validateGateConfig(cfg);
  checkRouteShapes("moeForward", x, w?.gate, c.nExperts, w?.bias);
  await checkFiniteAsync("moeForward", "bias", w.bias);
  await checkFiniteAsync("moeForward", "x", x);
  checkWeights(x, w, c.nExperts);
  const r = routeChecked(x, w.gate, c, w.bias);
  let y: tf.Tensor2D;
  let plan: DispatchPlan;
  try {
    const idx = await r.indices.data(); // the one read: which rows each expert takes
    const nTokens = x.shape[0];
    const capacity = opts.capacityFactor === undefined ? undefined : expertCapacity(nTokens, c.topK, c.nExperts, opts.capacityFactor);
    plan = planDispatch(idx, c.topK, c.nExperts, capacity);
    y = tf.tidy(() => {
      const routed = dispatchCombine(x, w.experts, r.weights, plan);
      return w.shared ? tf.add(routed, swiglu(x, w.shared)) : routed;
    });
  } catch (e) {
    disposeRoute(r);
    throw e;
  }
  return { y, weights: r.weights, indices: r.indices, scores: r.scores, plan };
}

/**
 * The MoE layer by sparse dispatch. Async because it reads the routing indices (see the header).
 * @param x [tokens, dModel]
 * @returns Promise of [tokens, dModel] (routed + shared; the caller adds the residual), owned by the caller
 */
export async function moeForward(x: tf.Tensor2D, w: MoEWeights, cfg: GateConfig, opts: MoEForwardOptions = {}): Promise<tf.Tensor2D> {
  const out = await moeForwardWithStats(x, w, cfg, opts);
  tf.dispose([out.weights, out.indices, out.scores]);
  return out.y;
}

/**
 * Dense reference: every expert on every token, combined with a [tokens, nExperts] matrix that is
 * zero except at the chosen experts. Synchronous and differentiable; for tests and teaching.
 * @param x [tokens, dModel]
 * @param routeWeights [tokens, topK]
 * @param indices [tokens, topK] int32
 * @returns [tokens, dModel] routed part only
 */
export function denseCombine(x: tf.Tensor2D, experts: SwiGLUWeights[], routeWeights: tf.Tensor2D, indices: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const nExperts = experts.length;
    const combine = tf.sum(tf.mul(oneHotFloat(indices, nExperts), tf.expandDims(routeWeights, -1)), 1); // [tokens, nExperts]
    const all = tf.stack(experts.map((ex) => swiglu(x, ex)), 1); // [tokens, nExperts, dModel]
    return tf.sum(tf.mul(all, tf.expandDims(combine, -1)), 1) as tf.Tensor2D; // [tokens, dModel]
  });
}

/** Dense reference for `moeForward` without capacity: route, then `denseCombine`, plus shared experts. */
export function moeForwardDense(x: tf.Tensor2D, w: MoEWeights, cfg: GateConfig): tf.Tensor2D {
  const c = validateGateConfig(cfg);
  checkWeights(x, w, c.nExperts);
  return tf.tidy(() => {
    const r = route(x, w.gate, c, w.bias);
    const routed = denseCombine(x, w.experts, r.weights, r.indices);
    return w.shared ? tf.add(routed, swiglu(x, w.shared)) : routed;
  });
}

function checkWeights(x: tf.Tensor2D, w: MoEWeights, nExperts: number): void {
  if (x.rank !== 2) throw new Error(`moeForward: x must be [tokens, dModel]; got rank ${x.rank}`);
  if (w.experts.length !== nExperts) throw new Error(`moeForward: ${w.experts.length} experts given but nExperts = ${nExperts}`);
  if (w.gate.shape[0] !== x.shape[1]) throw new Error(`moeForward: x has dModel ${x.shape[1]} but the gate expects ${w.gate.shape[0]}`);
}

export interface MoEInitOptions {
  /** Shared experts (merged into one FFN of width nShared·ffnHidden). Default 0. */
  nShared?: number;
  /** Standard deviation of the gate weights. Default 1/sqrt(dModel). */
  gateStd?: number;
  /** Make every weight a trainable tf.Variable (the bias, if any, is never trainable: it is updated by rule). */
  trainable?: boolean;
  /** Create a zero routing bias (for auxiliary-loss-free balancing). Default false. */
  withBias?: boolean;
}

/** Seeded weights for an MoE layer. Dispose with `disposeMoEWeights`. */
export function initMoEWeights(dModel: number, ffnHidden: number, nExperts: number, seed: number, opts: MoEInitOptions = {}): MoEWeights {
  checkMoEInit(dModel, ffnHidden, nExperts, seed, opts);
  const gateStd = opts.gateStd ?? 1 / Math.sqrt(dModel);
  const g = tf.tensor2d(new Rng(deriveSeed(seed, "gate")).normals(dModel * nExperts, 0, gateStd), [dModel, nExperts]); // [dModel, nExperts]
  const gate = opts.trainable ? (tf.variable(g, true) as unknown as tf.Tensor2D) : g;
  if (opts.trainable) g.dispose();
  const experts = Array.from({ length: nExperts }, (_, e) => initSwiGLUWeights(dModel, ffnHidden, deriveSeed(seed, `expert${e}`), { trainable: opts.trainable }));
  const nShared = opts.nShared ?? 0;
  const shared = nShared > 0 ? initSwiGLUWeights(dModel, nShared * ffnHidden, deriveSeed(seed, "shared"), { trainable: opts.trainable }) : undefined;
  let bias: tf.Tensor1D | undefined;
  if (opts.withBias) {
    const z = tf.zeros([nExperts]); // [nExperts]
    bias = tf.variable(z, false) as unknown as tf.Tensor1D;
    z.dispose();
  }
  return { gate, experts, ...(shared ? { shared } : {}), ...(bias ? { bias } : {}) };
}

/** Disposes every tensor of an MoE layer. */
export function disposeMoEWeights(w: MoEWeights): void {
  w.gate.dispose();
  w.bias?.dispose();
  w.experts.forEach(disposeSwiGLU);
  if (w.shared) disposeSwiGLU(w.shared);
}
