/**
 * Noisy curves (a reward per step, several seeds) as a smoothed mean with a shaded band.
 *
 * Introduced in notebooks/03_chain_of_thought.ipynb for GRPO's reward: one line per method
 * instead of one jagged line per seed. The smoothing is a centred moving average whose window
 * shrinks at the ends (no padding, so the first and last points are not pulled towards zero).
 */
import { baseLayout, SEEKLAB_COLORS, type ChartOptions, type Figure, type Trace } from "./figure.js";
import { applyLogTicks } from "./ticks.js";

/**
 * Centred moving average over `window` points (odd windows are symmetric; an even window takes one
 * more point on the left). At the ends the window is cut to the points that exist. NaN entries are skipped.
 */
export function movingAverage(y: number[], window: number): number[] {
  if (!Array.isArray(y)) throw new Error(`movingAverage(y): expected number[]; got ${typeof y}`);
  if (!Number.isInteger(window) || window < 1) throw new Error(`movingAverage(window): expected an integer ≥ 1; got ${window}`);
  const left = Math.floor(window / 2);
  const right = window - 1 - left;
  return y.map((_, i) => {
    let sum = 0;
    let n = 0;
    for (let j = Math.max(0, i - left); j <= Math.min(y.length - 1, i + right); j++) {
      const v = y[j]!;
      if (Number.isNaN(v)) continue;
      sum += v;
      n++;
    }
    return n === 0 ? NaN : sum / n;
  });
}

/** The smoothed centre line and band of one method: see `meanBand`. */
export interface MeanBand {
  mean: number[];
  lower: number[];
  upper: number[];
  /** What the band is, in words (for the legend). */
  band: string;
}

/**
 * Mean and band of several runs sampled at the same x.
 * - two or more runs: each run is smoothed, then mean ± one sample standard deviation across runs;
 * - one run: the smoothed run ± the standard deviation of the raw values inside each window.
 * @param runs [nRuns][nPoints]
 */
export function meanBand(runs: number[][], window: number): MeanBand {
  if (!Array.isArray(runs) || runs.length === 0) throw new Error("meanBand(runs): expected at least one run (number[][])");
  const n = runs[0]!.length;
  runs.forEach((r, i) => {
    if (r.length !== n) throw new Error(`meanBand(runs[${i}]): expected ${n} points like runs[0]; got ${r.length}`);
  });
  if (runs.length === 1) {
    const raw = runs[0]!;
    const mean = movingAverage(raw, window);
    const sq = movingAverage(raw.map((v) => v * v), window);
    const sd = mean.map((m, i) => Math.sqrt(Math.max(0, sq[i]! - m * m)));
    return { mean, lower: mean.map((m, i) => m - sd[i]!), upper: mean.map((m, i) => m + sd[i]!), band: `±1 s.d. within ${window} points` };
  }
  const smooth = runs.map((r) => movingAverage(r, window));
  const mean: number[] = [];
  const sd: number[] = [];
  for (let i = 0; i < n; i++) {
    const vals = smooth.map((r) => r[i]!).filter((v) => !Number.isNaN(v));
    const m = vals.reduce((s, v) => s + v, 0) / vals.length;
    const v = vals.length > 1 ? vals.reduce((s, x) => s + (x - m) ** 2, 0) / (vals.length - 1) : 0;
    mean.push(m);
    sd.push(Math.sqrt(v));
  }
  return { mean, lower: mean.map((m, i) => m - sd[i]!), upper: mean.map((m, i) => m + sd[i]!), band: `±1 s.d. across ${runs.length} runs` };
}

/** One method's runs, all sampled at the same `x`. */
export interface BandSeries {
  name: string;
  x: number[];
  /** [nRuns][x.length] */
  runs: number[][];
}

export interface BandOptions extends ChartOptions {
  /** Moving-average window in points (default: about a twentieth of the points, at least 1). */
  window?: number;
}

function rgba(hex: string, alpha: number): string {
  const v = parseInt(hex.slice(1), 16);
  return `rgba(${(v >> 16) & 255}, ${(v >> 8) & 255}, ${v & 255}, ${alpha})`;
}

/** Each series as its smoothed mean (a line) over a shaded band (see `meanBand`). */
export function bandChart(series: BandSeries[], opts: BandOptions): Figure {
  if (!Array.isArray(series) || series.length === 0) throw new Error("bandChart(series): expected a non-empty array of series");
  const data: Trace[] = [];
  series.forEach((s, k) => {
    s.runs.forEach((r, i) => {
      if (r.length !== s.x.length) throw new Error(`bandChart(series[${k}] "${s.name}"): runs[${i}] has ${r.length} points; x has ${s.x.length}`);
    });
    const window = opts.window ?? Math.max(1, Math.round(s.x.length / 20));
    const b = meanBand(s.runs, window);
    const colour = SEEKLAB_COLORS[k % SEEKLAB_COLORS.length]!;
    data.push({
      type: "scatter",
      mode: "lines", // plotly would add markers to a short trace, dotting the band's edge
      name: `${s.name} (band)`,
      x: [...s.x, ...[...s.x].reverse()],
      y: [...b.upper, ...[...b.lower].reverse()],
      fill: "toself",
      fillcolor: rgba(colour, 0.18),
      line: { width: 0, color: colour },
      hoverinfo: "skip",
      showlegend: false,
      legendgroup: s.name,
    });
    data.push({
      type: "scatter",
      mode: "lines",
      name: window > 1 ? `${s.name} (mean of ${window}, band ${b.band})` : `${s.name} (mean, band ${b.band})`,
      x: s.x,
      y: b.mean,
      line: { width: 2.5, color: colour },
      legendgroup: s.name,
    });
  });
  return applyLogTicks({ data, layout: baseLayout(opts) }, { x: opts.xUnit, y: opts.yUnit });
}
