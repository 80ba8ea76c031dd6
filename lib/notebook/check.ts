/**
 * `checkClose`: the assertion at the end of every "check yourself" cell.
 *
 * Introduced in notebooks/00_welcome.ipynb. It compares a from-scratch result with the library's
 * the way numpy.allclose does (|actual − expected| ≤ atol + rtol·|expected|) and, when they differ,
 * says where and by how much, so a learner can find the bug.
 */
import * as tf from "@tensorflow/tfjs";

export type Numeric = tf.Tensor | number | readonly number[] | readonly (readonly number[])[] | readonly unknown[];

export interface CheckOptions {
  /** What is being checked, shown in every message. */
  name?: string;
  rtol?: number;
  atol?: number;
  /** Print the ✓ line on success (default true). */
  verbose?: boolean;
}

export interface CheckResult {
  count: number;
  maxAbsDiff: number;
  maxRelDiff: number;
}

interface Flat {
  shape: number[];
  values: ArrayLike<number>;
}

async function flatten(x: Numeric, label: string, name: string): Promise<Flat> {
  if (x instanceof tf.Tensor) {
    return { shape: x.shape.slice(), values: (await x.data()) as ArrayLike<number> };
  }
  if (typeof x === "number") return { shape: [], values: [x] };
  if (!Array.isArray(x)) throw new Error(`checkClose(${name}): ${label} must be a tensor, a number or a nested number array; got ${typeof x}`);
  const shape: number[] = [];
  let probe: unknown = x;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const values: number[] = [];
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v !== "number") throw new Error(`checkClose(${name}): ${label}${path} is ${JSON.stringify(v)}, not a number`);
      values.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new Error(`checkClose(${name}): ${label} is ragged: ${label}${path} should have ${shape[depth]} entries`);
    }
    v.forEach((e, i) => walk(e, depth + 1, `${path}[${i}]`));
  };
  walk(x, 0, "");
  return { shape, values };
}

function indexOf(flat: number, shape: number[]): string {
  if (shape.length === 0) return "";
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]!);
    flat = Math.floor(flat / shape[d]!);
  }
  return `[${idx.join(", ")}]`;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(7);
}

/**
 * Assert that `actual` equals `expected` within tolerance; print a ✓ line, or throw an error that
 * names the worst element, both values and the differences.
 * @param actual tensor, number or nested array (any shape)
 * @param expected same shape as `actual`
 */
export async function checkClose(actual: Numeric, expected: Numeric, opts: CheckOptions = {}): Promise<CheckResult> {
  const name = opts.name ?? "value";
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-6;
  if (!(rtol >= 0) || !(atol >= 0)) throw new Error(`checkClose(${name}): rtol and atol must be >= 0; got rtol=${rtol}, atol=${atol}`);
  const a = await flatten(actual, "actual", name);
  const e = await flatten(expected, "expected", name);
  if (a.values.length !== e.values.length || (a.shape.length > 0 && e.shape.length > 0 && a.shape.join() !== e.shape.join())) {
    throw new Error(`checkClose(${name}): shapes differ: actual [${a.shape.join(", ")}] vs expected [${e.shape.join(", ")}]`);
  }
  let bad = 0;
  let worst = -1;
  let worstExcess = -Infinity;
  let maxAbs = 0;
  let maxRel = 0;
  for (let i = 0; i < a.values.length; i++) {
    const av = a.values[i]!;
    const ev = e.values[i]!;
    if (Number.isNaN(av) && Number.isNaN(ev)) continue;
    const diff = Math.abs(av - ev);
    const allowed = atol + rtol * Math.abs(ev);
    const ok = diff <= allowed || (av === ev);
    if (Number.isFinite(diff)) {
      maxAbs = Math.max(maxAbs, diff);
      if (ev !== 0) maxRel = Math.max(maxRel, diff / Math.abs(ev));
    }
    if (!ok) {
      bad++;
      const excess = Number.isNaN(diff) ? Infinity : diff - allowed;
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = i;
      }
    }
  }
  if (bad > 0) {
    const av = a.values[worst]!;
    const ev = e.values[worst]!;
    throw new Error(
      `checkClose(${name}): ${bad} of ${a.values.length} values differ (rtol=${rtol}, atol=${atol}). ` +
        `Worst at ${indexOf(worst, a.shape) || "the scalar"}: actual ${fmt(av)}, expected ${fmt(ev)}, ` +
        `|diff| ${fmt(Math.abs(av - ev))}${ev !== 0 ? ` (relative ${fmt(Math.abs(av - ev) / Math.abs(ev))})` : ""}.`,
    );
  }
  if (opts.verbose ?? true) {
    console.log(`✓ ${name}: ${a.values.length} value(s) match (max |diff| ${maxAbs.toExponential(2)}, max relative ${maxRel.toExponential(2)})`);
  }
  const result: CheckResult = { count: a.values.length, maxAbsDiff: maxAbs, maxRelDiff: maxRel };
  // A notebook prints a cell's last value; the ✓ line above already said it all.
  Object.defineProperty(result, Symbol.for("nodejs.util.inspect.custom"), { value: () => `[checkClose] ${name}: ok`, enumerable: false });
  return result;
}
