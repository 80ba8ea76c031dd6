/**
 * The Mixture-of-Experts gate (router): which experts see each token, and with what weight.
 *
 * Introduced in notebooks/02_mixture_of_experts.ipynb. Follows DeepSeek-V3's inference gate
 * (`Gate.forward` in DeepSeek-V3/inference/model.py) exactly:
 *
 *   s_{i,t} = softmax_i(u_tᵀ e_i)  (DeepSeek-V2)   or   sigmoid(u_tᵀ e_i)  (DeepSeek-V3, eq. 15)
 *   selection uses s_{i,t} + b_i   (auxiliary-loss-free balancing, V3 eq. 16; b only selects)
 *   group-limited routing: experts split into nGroups equal groups; a group's score is its best
 *     expert (no bias) or the sum of its two best biased scores (with bias); only the best
 *     topKGroups groups stay eligible (V2 §2.1.3 "device-limited routing", V3 node-limited routing)
 *   top-k of what is eligible; the weights are the *unbiased* s_{i,t} of those experts,
 *   divided by their sum when the scores are sigmoids (V3 eq. 13), then times routeScale.
 *
 * Ties: resolved toward the lower index, both for experts and for groups. This is tf.topk's
 * documented contract ("if two elements are equal, the lower-index element appears first") and
 * what `np.argsort(-s, kind="stable")` does in the NumPy reference, so a tie never makes the
 * choice depend on the backend.
 *
 * Selection is a discrete decision with no gradient: `selectExperts` is wrapped in a custom
 * gradient that returns zero, so `route` can sit inside `tf.variableGrads` (tfjs has no TopK
 * gradient) while the combine weights still carry the gate's gradient.
 *
 * One-hot masks come from `oneHotFloat` (lib/backend/onehot.ts), which works around two tfjs 4.22
 * backend bugs that otherwise silently corrupt the group mask and the loads.
 */
import * as tf from "@tensorflow/tfjs";
import { oneHotFloat } from "../backend/onehot.js";
import { routeOnHeap } from "../backend/routeKernel.js";
import { checkFiniteSync, checkRouteShapes } from "./checks.js";

export interface GateConfig {
  /** Routed experts, N_r. */
  nExperts: number;
  /** Experts chosen per token, K_r. */
  topK: number;
  /** "softmax" (DeepSeek-V2) or "sigmoid" (DeepSeek-V3). */
  scoreFunc: "softmax" | "sigmoid";
  /** Expert groups (devices/nodes). Default 1: no group limit. */
  nGroups?: number;
  /** Groups a token may use. Default 1 (ignored when nGroups is 1). */
  topKGroups?: number;
  /** Multiplier applied to the final weights (V3: 2.5, V2: 16). Default 1. */
  routeScale?: number;
}

export interface RouteResult {
  /** [tokens, topK] float32: the combine weights of the chosen experts. */
  weights: tf.Tensor2D;
  /** [tokens, topK] int32: the chosen experts, best (by biased score) first. */
  indices: tf.Tensor2D;
  /** [tokens, nExperts] float32: the unbiased affinities s_{i,t}. */
  scores: tf.Tensor2D;
}

/** The config with defaults filled in, after checking it. Throws a clear error for a bad config. */
export function validateGateConfig(cfg: GateConfig): Required<GateConfig> {
  const nGroups = cfg.nGroups ?? 1;
  const topKGroups = nGroups === 1 ? 1 : (cfg.topKGroups ?? 1);
  const routeScale = cfg.routeScale ?? 1;
  const { nExperts, topK, scoreFunc } = cfg;
  if (!Number.isInteger(nExperts) || nExperts < 1) throw new Error(`GateConfig: nExperts must be a positive integer; got ${nExperts}`);
  if (!Number.isInteger(topK) || topK < 1) throw new Error(`GateConfig: topK must be a positive integer; got ${topK}`);
  if (topK > nExperts) throw new Error(`GateConfig: topK (${topK}) > nExperts (${nExperts}): a token cannot pick more experts than exist`);
  if (scoreFunc !== "softmax" && scoreFunc !== "sigmoid") throw new Error(`GateConfig: scoreFunc must be "softmax" or "sigmoid"; got ${String(scoreFunc)}`);
  if (!Number.isInteger(nGroups) || nGroups < 1) throw new Error(`GateConfig: nGroups must be a positive integer; got ${nGroups}`);
  if (nExperts % nGroups !== 0) throw new Error(`GateConfig: nExperts (${nExperts}) % nGroups (${nGroups}) ≠ 0: groups must be equal in size`);
  if (!Number.isInteger(topKGroups) || topKGroups < 1 || topKGroups > nGroups) {
    throw new Error(`GateConfig: topKGroups must be an integer in [1, nGroups = ${nGroups}]; got ${topKGroups}`);
  }
  const perGroup = nExperts / nGroups;
  if (topK > topKGroups * perGroup) {
    throw new Error(`GateConfig: topK (${topK}) > topKGroups · expertsPerGroup (${topKGroups} · ${perGroup} = ${topKGroups * perGroup}): not enough eligible experts`);
  }
  if (!Number.isFinite(routeScale) || !(routeScale > 0)) throw new Error(`GateConfig: routeScale must be a finite number > 0; got ${routeScale}`);
  return { nExperts, topK, scoreFunc, nGroups, topKGroups, routeScale };
}

/**
 * The affinities s_{i,t}: softmax or sigmoid of x · W.
 * @param x [tokens, dModel]
 * @param gateWeight [dModel, nExperts]
 * @returns [tokens, nExperts]
 */
export function gateScores(x: tf.Tensor2D, gateWeight: tf.Tensor2D, cfg: GateConfig): tf.Tensor2D {
  if (x.shape[1] !== gateWeight.shape[0]) throw new Error(`gateScores: x is [${x.shape}] but gateWeight is [${gateWeight.shape}] (want [dModel, nExperts])`);
  if (gateWeight.shape[1] !== cfg.nExperts) throw new Error(`gateScores: gateWeight has ${gateWeight.shape[1]} columns but nExperts = ${cfg.nExperts}`);
  return tf.tidy((): tf.Tensor2D => {
    const logits = tf.matMul(x, gateWeight); // [tokens, nExperts]
    return (cfg.scoreFunc === "softmax" ? tf.softmax(logits, -1) : tf.sigmoid(logits)) as tf.Tensor2D; // [tokens, nExperts]
  });
}

/**
 * The chosen experts for each token (no gradient flows through the choice).
 * @param scores [tokens, nExperts] unbiased affinities
 * @param bias [nExperts] selection-only bias, or undefined
 * @returns [tokens, topK] int32, best first; ties go to the lower expert index
 */
export function selectExperts(scores: tf.Tensor2D, cfg: GateConfig, bias?: tf.Tensor1D): tf.Tensor2D {
  const c = validateGateConfig(cfg);
  if (bias !== undefined && (bias.rank !== 1 || bias.shape[0] !== c.nExperts)) {
    throw new Error(`selectExperts: bias must be [nExperts = ${c.nExperts}]; got [${bias.shape}]`);
  }
  // Selection is piecewise constant in the scores: its gradient is zero wherever it exists.
  const pick = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const s = inputs[0] as tf.Tensor2D;
    const value = tf.tidy(() => selectionIndices(s, c, bias));
    return { value, gradFunc: (_dy: tf.Tensor2D) => tf.zerosLike(s) };
  });
  return pick(scores) as tf.Tensor2D;
}

function selectionIndices(scores: tf.Tensor2D, c: Required<GateConfig>, bias?: tf.Tensor1D): tf.Tensor2D {
  const tokens = scores.shape[0];
  let sel: tf.Tensor2D = bias ? tf.add(scores, bias) : scores; // [tokens, nExperts], for choosing only
  if (c.nGroups > 1 && c.topKGroups < c.nGroups) {
    const perGroup = c.nExperts / c.nGroups;
    const grouped = sel.reshape([tokens, c.nGroups, perGroup]); // [tokens, nGroups, perGroup]
    // Group score: the best expert without a bias; with a bias, the two best (V3's code). A
    // group of one expert has no second best, so it is scored by that one.
    const groupScore = bias
      ? tf.sum(tf.topk(grouped, Math.min(2, perGroup)).values, -1) // [tokens, nGroups]
      : tf.max(grouped, -1); // [tokens, nGroups]
    const keptGroups = tf.topk(groupScore, c.topKGroups).indices; // [tokens, topKGroups]
    const keep = tf.sum(oneHotFloat(keptGroups, c.nGroups), 1); // [tokens, nGroups], 1 = eligible
    const keepAll = tf.broadcastTo(keep.reshape([tokens, c.nGroups, 1]), [tokens, c.nGroups, perGroup]).greater(0);
    const masked = tf.where(keepAll, grouped, tf.fill([tokens, c.nGroups, perGroup], -Infinity)); // masked groups: −∞
    sel = masked.reshape([tokens, c.nExperts]); // [tokens, nExperts]
  }
  return tf.topk(sel, c.topK).indices as unknown as tf.Tensor2D; // [tokens, topK] int32
}

/**
 * The combine weights: the unbiased scores of the chosen experts, renormalised for sigmoid,
 * times routeScale. Differentiable with respect to `scores` (a one-hot product, no gather).
 * @param scores [tokens, nExperts]
 * @param indices [tokens, topK] int32
 * @returns [tokens, topK]
 */
export function combineWeights(scores: tf.Tensor2D, indices: tf.Tensor2D, cfg: GateConfig): tf.Tensor2D {
  const c = validateGateConfig(cfg);
  return tf.tidy(() => {
    const pickMask = oneHotFloat(indices, c.nExperts); // [tokens, topK, nExperts]
    // Σ_e mask·score as one product per token, [1, nExperts]·maskᵀ (one non-zero term: exact).
    let w = tf.matMul(tf.expandDims(scores, 1), pickMask, false, true).reshape([scores.shape[0], c.topK]) as tf.Tensor2D; // [tokens, topK]
    if (c.scoreFunc === "sigmoid") {
      // V3 eq. 13. When every chosen sigmoid score underflows to 0 the sum is 0, and 0/0 would be
      // NaN: a tiny ε on each score (far below float32's resolution of any real score) makes such
      // a token split evenly over its experts instead, with no comparison in the gradient's path.
      const eps = 1e-30;
      w = tf.div(tf.add(w, eps), tf.add(tf.sum(w, -1, true), eps * c.topK)) as tf.Tensor2D; // [tokens, topK]
    }
    return c.routeScale === 1 ? w : tf.mul(w, c.routeScale);
  });
}

/**
 * DeepSeek-V3's gate. See the file header for the exact semantics and tie rule.
 * @param x [tokens, dModel]
 * @param gateWeight [dModel, nExperts] (input-major, like every weight here)
 * @param bias [nExperts], used for selection only
 * @returns weights [tokens, topK], indices [tokens, topK] int32, scores [tokens, nExperts]; the caller owns them
 */
export function route(x: tf.Tensor2D, gateWeight: tf.Tensor2D, cfg: GateConfig, bias?: tf.Tensor1D): RouteResult {
  const c = validateGateConfig(cfg);
  checkRouteShapes("route", x, gateWeight, c.nExperts, bias);
  checkFiniteSync("route", "bias", bias);
  checkFiniteSync("route", "x", x);
  return routeChecked(x, gateWeight, c, bias);
}

/** `route` once its inputs are checked (moeForward checks them asynchronously itself). Internal to lib/moe. */
export function routeChecked(x: tf.Tensor2D, gateWeight: tf.Tensor2D, c: Required<GateConfig>, bias?: tf.Tensor1D): RouteResult {
  return tf.tidy(() => {
    const scores = gateScores(x, gateWeight, c); // [tokens, nExperts]
    // tfjs-wasm: selection and weights as one kernel with the same numbers (lib/backend/routeKernel.ts).
    const attrs = { topK: c.topK, nGroups: c.nGroups, topKGroups: c.topKGroups, normalize: c.scoreFunc === "sigmoid", routeScale: c.routeScale };
    const fused = routeOnHeap(scores, bias, attrs);
    if (fused) return { weights: fused.weights, indices: fused.indices, scores };
    const indices = selectExperts(scores, c, bias); // [tokens, topK]
    const weights = combineWeights(scores, indices, c); // [tokens, topK]
    return { weights, indices, scores };
  });
}

/** Disposes the three tensors of a route. */
export function disposeRoute(r: RouteResult): void {
  tf.dispose([r.weights, r.indices, r.scores]);
}
