/**
 * Input checks for the MoE layer (lib/moe/gate.ts, lib/moe/moe.ts), run before any tensor is
 * made so a bad call throws without leaking: shapes that say what they want ("route: x must be
 * [tokens, dModel]"), init sizes as positive integers, and no NaN or infinity in the gate's
 * input or the routing bias — one NaN in the bias otherwise silently sends every token to the
 * same experts (notebooks/02_mixture_of_experts.ipynb).
 */
import * as tf from "@tensorflow/tfjs";
import { checkNumber, checkOptions, OptionError, shown } from "../validate.js";
import { allFiniteOnHeap } from "../backend/routeKernel.js";

function isTensor(t: unknown): t is tf.Tensor {
  return t instanceof tf.Tensor;
}

/** Shapes for route(x, gateWeight, cfg, bias). */
export function checkRouteShapes(fn: string, x: unknown, gateWeight: unknown, nExperts: number, bias?: unknown): void {
  if (!isTensor(x)) throw new OptionError(`${fn}: x must be a tensor [tokens, dModel]; got ${shown(x)}`);
  if (x.rank !== 2) throw new OptionError(`${fn}: x must be [tokens, dModel] (rank 2); got shape [${x.shape.join(", ")}]${x.rank === 1 ? " — for one token, pass x.reshape([1, dModel])" : ""}`);
  if (!isTensor(gateWeight) || gateWeight.rank !== 2) throw new OptionError(`${fn}: gateWeight must be [dModel, nExperts]; got ${shown(gateWeight)}`);
  if (bias !== undefined && (!isTensor(bias) || bias.rank !== 1 || bias.shape[0] !== nExperts)) {
    throw new OptionError(`${fn}: bias must be [nExperts = ${nExperts}]; got ${shown(bias)}`);
  }
}

/** Whether this backend can read a tensor synchronously (WebGPU cannot). */
function canReadSync(): boolean {
  return tf.getBackend() !== "webgpu";
}

function nonFiniteError(fn: string, name: string): OptionError {
  return new OptionError(`${fn}: ${name} holds NaN or ±Infinity; routing on it would pick experts arbitrarily`);
}

/**
 * Sync check that `t` is all finite, where the backend can read synchronously (wasm, cpu,
 * tensorflow). On WebGPU the async `checkFiniteAsync` in moeForward does it instead.
 */
export function checkFiniteSync(fn: string, name: string, t: tf.Tensor | undefined): void {
  if (!t || !canReadSync()) return;
  const onHeap = allFiniteOnHeap(t); // wasm: one pass where the tensor lives, no ops
  if (onHeap !== undefined) {
    if (!onHeap) throw nonFiniteError(fn, name);
    return;
  }
  const ok = tf.tidy(() => tf.all(tf.isFinite(t)));
  const v = ok.dataSync()[0];
  ok.dispose();
  if (!v) throw nonFiniteError(fn, name);
}

/** Async check that `t` is all finite, on any backend. */
export async function checkFiniteAsync(fn: string, name: string, t: tf.Tensor | undefined): Promise<void> {
  if (!t) return;
  if (canReadSync()) return checkFiniteSync(fn, name, t);
  const ok = tf.tidy(() => tf.all(tf.isFinite(t)));
  const v = (await ok.data())[0];
  ok.dispose();
  if (!v) throw nonFiniteError(fn, name);
}

/** initMoEWeights(dModel, ffnHidden, nExperts, seed, opts): sizes and options before any tensor is made. */
export function checkMoEInit(dModel: unknown, ffnHidden: unknown, nExperts: unknown, seed: unknown, opts: object | undefined): void {
  const fn = "initMoEWeights";
  checkNumber(`${fn}: dModel`, dModel, { integer: true, min: 1, max: 1 << 20 });
  checkNumber(`${fn}: ffnHidden`, ffnHidden, { integer: true, min: 1, max: 1 << 20 });
  checkNumber(`${fn}: nExperts`, nExperts, { integer: true, min: 1, max: 1 << 16 });
  checkNumber(`${fn}: seed`, seed, { integer: true, min: -(2 ** 53), max: 2 ** 53 });
  checkOptions(fn, opts, { nShared: { integer: true, min: 0, max: 1 << 10 }, gateStd: { gt: 0 } });
}
