/**
 * The test suite's one tolerance comparator. The rule is numpy.allclose's:
 *     |got − want| ≤ atol + rtol · |want|      (NaN is never close)
 * and both tolerances default to 0, so every test states the tolerance it allows. A failure names
 * the worst element: its index (and label), both values, the error and what was allowed.
 */
import * as tf from "@tensorflow/tfjs";

export interface CloseOptions {
  /** Relative tolerance (default 0). */
  rtol?: number;
  /** Absolute tolerance (default 0). */
  atol?: number;
  /** What is compared, for the message. */
  what?: string;
  /** A name per element (e.g. model names), for the message. */
  labels?: readonly string[];
}

type Nested = number | readonly Nested[];
export type Numbers = Nested | ArrayLike<number>;

function flatten(x: Numbers): number[] {
  const out: number[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === "number") out.push(v);
    else for (let i = 0; i < (v as ArrayLike<unknown>).length; i++) walk((v as ArrayLike<unknown>)[i]);
  };
  walk(x);
  return out;
}

function shapeOf(x: tf.Tensor | Numbers): number[] | undefined {
  if (x instanceof tf.Tensor) return x.shape;
  if (typeof x === "number") return [];
  if (!Array.isArray(x)) return undefined; // a typed array: flat, no shape to compare
  const shape: number[] = [];
  let v: unknown = x;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

/** Throws unless every element of `got` is close to the same element of `want`. */
export function assertClose(got: Numbers, want: Numbers, opts: CloseOptions = {}): void {
  const rtol = opts.rtol ?? 0;
  const atol = opts.atol ?? 0;
  const what = opts.what ?? "value";
  const g = flatten(got);
  const w = flatten(want);
  if (g.length !== w.length) throw new Error(`${what}: got ${g.length} numbers, want ${w.length}`);
  let worst = 0;
  let where = -1;
  for (let i = 0; i < w.length; i++) {
    const excess = Math.abs(g[i]! - w[i]!) - (atol + rtol * Math.abs(w[i]!));
    if (!(excess <= worst)) {
      worst = Number.isNaN(excess) ? Infinity : excess;
      where = i;
      if (worst === Infinity) break;
    }
  }
  if (where < 0) return;
  const label = opts.labels?.[where] !== undefined ? ` (${opts.labels[where]})` : "";
  const err = Math.abs(g[where]! - w[where]!);
  const allowed = atol + rtol * Math.abs(w[where]!);
  throw new Error(`${what}[${where}]${label}: got ${g[where]}, want ${w[where]}, |err| ${err.toExponential(2)} > ${allowed.toExponential(2)} allowed (rtol ${rtol}, atol ${atol})`);
}

/** `assertClose` for tensors too (read with `await data()`, which works on every backend); shapes must match. */
export async function expectClose(got: tf.Tensor | Numbers, want: tf.Tensor | Numbers, opts: CloseOptions = {}): Promise<void> {
  const gs = shapeOf(got);
  const ws = shapeOf(want);
  // Shapes must match where both sides have one; a flat list may stand for any shape of its size.
  const flatList = (x: tf.Tensor | Numbers, s: number[] | undefined) => !(x instanceof tf.Tensor) && s?.length === 1;
  if (gs && ws && !flatList(got, gs) && !flatList(want, ws) && gs.join(",") !== ws.join(",")) {
    throw new Error(`${opts.what ?? "value"}: shape [${gs}] but want [${ws}]`);
  }
  const g = got instanceof tf.Tensor ? await got.data() : got;
  const w = want instanceof tf.Tensor ? await want.data() : want;
  assertClose(g as Numbers, w as Numbers, opts);
}
