/**
 * Readable log axes: ticks at 1, 10, 100 … (plus 2 and 5 when the data span less than two decades),
 * each labelled with its whole value and, when given, its unit.
 *
 * Introduced in notebooks/05a_hardware_and_cost.ipynb. Plotly's own log ticks label the minor
 * ticks "2, 3, 5" without their decade, so 2,000 TFLOPS reads as "2"; explicit `tickvals` and
 * `ticktext` avoid that in every renderer (JupyterLab and the exported HTML draw the same labels).
 */
import type { Figure, Trace } from "./figure.js";

const SUFFIXES: [number, string][] = [
  [1e12, "T"],
  [1e9, "G"],
  [1e6, "M"],
  [1e3, "k"],
];

function trim(v: number): string {
  // at most 3 significant digits, no trailing zeros: 2.50 → "2.5", 100 → "100"
  return String(Number(v.toPrecision(3)));
}

/**
 * A tick value as a short, unambiguous label: 0.01, 0.5, 1, 20, 500, 2,000, 50k, 1M, 3G, 10T, and
 * 10^15 beyond (as `10<sup>15</sup>`, which plotly renders as a superscript).
 */
export function formatTick(v: number): string {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`formatTick(v): expected a positive finite number; got ${v}`);
  const exp = Math.floor(Math.log10(v) + 1e-9);
  if (exp >= 15 || exp <= -4) {
    const mant = v / Math.pow(10, exp);
    const m = trim(mant);
    return m === "1" ? `10<sup>${exp}</sup>` : `${m}×10<sup>${exp}</sup>`;
  }
  if (v < 1) return trim(v);
  if (v < 1e4) return Number(v.toPrecision(3)).toLocaleString("en-US");
  for (const [scale, suffix] of SUFFIXES) {
    if (v >= scale) return `${trim(v / scale)}${suffix}`;
  }
  return trim(v);
}

/**
 * Tick values for a log axis covering [min, max]: powers of ten; 1-2-5 steps when the range spans at
 * most two decades, finer steps within one decade (so a chart always shows several labelled ticks).
 */
export function logTickValues(min: number, max: number): number[] {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) {
    throw new Error(`logTickValues(min, max): expected positive finite numbers; got ${min}, ${max}`);
  }
  if (max < min) [min, max] = [max, min];
  const lo = Math.floor(Math.log10(min) + 1e-9);
  const hi = Math.ceil(Math.log10(max) - 1e-9);
  // Within one decade of data, 1-2-5 would leave a single tick: use finer steps.
  const steps = max / min < 10 ? [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8] : hi - lo <= 2 ? [1, 2, 5] : [1];
  // Many decades: label every second or third so the labels do not collide.
  const every = hi - lo > 12 ? 3 : hi - lo > 7 ? 2 : 1;
  const values: number[] = [];
  for (let e = lo; e <= hi; e++) {
    if ((e - lo) % every !== 0) continue;
    for (const s of steps) {
      const v = Number((s * Math.pow(10, e)).toPrecision(12)); // 1e26, not Math.pow's 9.999999999999999e25
      if (e < hi || s === 1) values.push(v);
    }
  }
  if (steps.length === 1) return values;
  // Keep the ticks inside the data plus one on each side.
  const below = values.filter((v) => v <= min);
  const above = values.filter((v) => v >= max);
  const inside = values.filter((v) => v > min && v < max);
  const kept = [...below.slice(-1), ...inside, ...above.slice(0, 1)];
  // At most nine labels: first keep only the 1-2-5 values inside, then every other one.
  const mantissa = (v: number) => Number((v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9))).toPrecision(6));
  let out = kept.length > 9 ? kept.filter((v, i) => i === 0 || i === kept.length - 1 || [1, 2, 5].includes(mantissa(v))) : kept;
  while (out.length > 9) out = out.filter((_, i) => i === 0 || i === out.length - 1 || i % 2 === 0);
  return out;
}

/** `{ tickvals, ticktext }` for a log axis over the data range, labels with an optional unit ("100 TFLOPS"). */
export function logTicks(min: number, max: number, unit?: string): { tickvals: number[]; ticktext: string[] } {
  const tickvals = logTickValues(min, max);
  const ticktext = tickvals.map((v) => (unit ? `${formatTick(v)} ${unit}` : formatTick(v)));
  return { tickvals, ticktext };
}

function numbersOf(values: unknown, into: number[]): void {
  if (!Array.isArray(values)) return;
  for (const v of values) {
    if (Array.isArray(v)) numbersOf(v, into);
    else if (typeof v === "number" && Number.isFinite(v) && v > 0) into.push(v);
  }
}

/** Positive numbers a figure draws along one axis (its traces' x or y and their error bars). */
function axisValues(data: Trace[], key: "x" | "y"): number[] {
  const out: number[] = [];
  for (const t of data) {
    if (t.type === "table" || t.type === "heatmap") continue;
    const vals = t[key];
    numbersOf(vals, out);
    const err = t[key === "x" ? "error_x" : "error_y"] as { array?: number[]; arrayminus?: number[] } | undefined;
    if (err?.array && Array.isArray(vals)) {
      vals.forEach((v, i) => {
        if (typeof v !== "number") return;
        const plus = v + (err.array![i] ?? 0);
        const minus = v - (err.arrayminus ?? err.array!)[i]!;
        if (plus > 0) out.push(plus);
        if (minus > 0) out.push(minus);
      });
    }
  }
  return out;
}

/**
 * Give every log axis of `fig` explicit, readable ticks computed from the data it draws.
 * Mutates and returns `fig`. Axes that are not log, or that draw no positive numbers, are left alone.
 */
export function applyLogTicks(fig: Figure, units: { x?: string; y?: string } = {}): Figure {
  for (const key of ["x", "y"] as const) {
    const axis = fig.layout[`${key}axis`] as Record<string, unknown> | undefined;
    if (!axis || axis.type !== "log") continue;
    const values = axisValues(fig.data, key);
    if (values.length === 0) continue;
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    Object.assign(axis, logTicks(min, max, units[key]), { tickmode: "array" });
  }
  return fig;
}
