/**
 * Charts whose points carry their names on the chart: a labelled scatter (GPUs, models) and a
 * roofline. Named helpers so a notebook cell reads as what it shows, not as 30 lines of trace
 * options (the way d2l keeps `d2l.plot`).
 *
 * Introduced in notebooks/05a_hardware_and_cost.ipynb.
 */
import { baseLayout, SEEKLAB_COLORS, type ChartOptions, type Figure, type Trace } from "./figure.js";
import { applyLogTicks } from "./ticks.js";

/** One labelled point; points with the same `group` share a colour and a legend entry. */
export interface LabelledPoint {
  label: string;
  x: number;
  y: number;
  group?: string;
  /** Extra hover text. */
  note?: string;
}

/**
 * Points with their labels drawn beside them. Points of one group at the same (x, y) share one
 * label ("H100-SXM = H800-SXM"); labels alternate above and below so neighbours do not overlap.
 */
export function labelledScatter(points: LabelledPoint[], opts: ChartOptions): Figure {
  if (!Array.isArray(points) || points.length === 0) throw new Error("labelledScatter(points): expected a non-empty array of { label, x, y }");
  points.forEach((p, i) => {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) throw new Error(`labelledScatter(points[${i}] "${p.label}"): x and y must be finite numbers; got ${p.x}, ${p.y}`);
  });
  const groups = [...new Set(points.map((p) => p.group ?? ""))];
  const data: Trace[] = groups.map((g, k) => {
    const own = points.filter((p) => (p.group ?? "") === g);
    const text = own.map((p, i) => {
      const first = own.findIndex((o) => o.x === p.x && o.y === p.y);
      return first < i ? "" : own.filter((o) => o.x === p.x && o.y === p.y).map((o) => o.label).join(" = ");
    });
    return {
      type: "scatter",
      mode: "markers+text",
      name: g || "points",
      x: own.map((p) => p.x),
      y: own.map((p) => p.y),
      text,
      textposition: own.map((_, i) => (i % 2 === 0 ? "bottom center" : "top center")),
      customdata: own.map((p) => p.note ?? p.label),
      hovertemplate: "%{customdata}<br>%{x}, %{y}<extra>%{fullData.name}</extra>",
      marker: { size: 10, color: SEEKLAB_COLORS[k % SEEKLAB_COLORS.length] },
      textfont: { size: 11 },
    };
  });
  const layout = baseLayout(opts);
  if (groups.length === 1 && groups[0] === "") layout.showlegend = false;
  return applyLogTicks({ data, layout }, { x: opts.xUnit, y: opts.yUnit });
}

/** A roof: a chip's peak and its memory bandwidth at one precision. */
export interface RooflineRoof {
  name: string;
  peakTFLOPS: number;
  bandwidthTBps: number;
}

/** An operation placed on the roofline. */
export interface RooflineMarker {
  name: string;
  intensity: number;
  attainableTFLOPS: number;
  note?: string;
}

export interface RooflineOptions extends Omit<ChartOptions, "logX" | "logY" | "xTitle" | "yTitle"> {
  /** Intensity range drawn, FLOPs per byte (default: one decade beyond the points and ridges). */
  range?: [number, number];
}

/**
 * The roofline (Williams, Waterman & Patterson 2009): attainable = min(peak, intensity × bandwidth),
 * on log-log axes, each roof's ridge point marked and labelled, each operation a labelled marker.
 */
export function rooflineChart(roofs: RooflineRoof[], points: RooflineMarker[], opts: RooflineOptions): Figure {
  if (!Array.isArray(roofs) || roofs.length === 0) throw new Error("rooflineChart(roofs): expected at least one { name, peakTFLOPS, bandwidthTBps }");
  roofs.forEach((r, i) => {
    if (!(r.peakTFLOPS > 0) || !(r.bandwidthTBps > 0)) throw new Error(`rooflineChart(roofs[${i}] "${r.name}"): peakTFLOPS and bandwidthTBps must be positive; got ${r.peakTFLOPS}, ${r.bandwidthTBps}`);
  });
  points.forEach((p, i) => {
    if (!(p.intensity > 0) || !(p.attainableTFLOPS > 0)) throw new Error(`rooflineChart(points[${i}] "${p.name}"): intensity and attainableTFLOPS must be positive; got ${p.intensity}, ${p.attainableTFLOPS}`);
  });
  const ridges = roofs.map((r) => r.peakTFLOPS / r.bandwidthTBps);
  const xs = [...ridges, ...points.map((p) => p.intensity)];
  const [lo, hi] = opts.range ?? [Math.pow(10, Math.floor(Math.log10(Math.min(...xs)))), Math.pow(10, Math.ceil(Math.log10(Math.max(...xs))) + 1)];
  const grid = Array.from({ length: 81 }, (_, i) => lo * Math.pow(hi / lo, i / 80));
  const data: Trace[] = [];
  roofs.forEach((r, k) => {
    const colour = SEEKLAB_COLORS[k % SEEKLAB_COLORS.length];
    data.push({
      type: "scatter", mode: "lines", name: `${r.name} roof`, x: grid, y: grid.map((i) => Math.min(r.peakTFLOPS, i * r.bandwidthTBps)),
      line: { color: colour, width: 2.5 },
    });
    data.push({
      type: "scatter", mode: "markers+text", name: `${r.name} ridge`, showlegend: false, x: [ridges[k]], y: [r.peakTFLOPS],
      text: [`ridge ${Math.round(ridges[k]!)} FLOP/B`], textposition: "top left", marker: { symbol: "diamond", size: 9, color: colour },
      textfont: { size: 11, color: colour }, hovertemplate: `${r.name}: ridge %{x:.0f} FLOP/B, peak %{y} TFLOPS<extra></extra>`,
    });
  });
  points.forEach((p, k) => {
    data.push({
      type: "scatter", mode: "markers", name: p.name, x: [p.intensity], y: [p.attainableTFLOPS],
      marker: { size: 11, symbol: "circle", color: SEEKLAB_COLORS[(roofs.length + k) % SEEKLAB_COLORS.length], line: { width: 1, color: "#1f2430" } },
      hovertemplate: `${p.name}<br>%{x:.1f} FLOP/B → %{y:.1f} TFLOPS${p.note ? `<br>${p.note}` : ""}<extra></extra>`,
    });
  });
  const layout = baseLayout({ ...opts, xTitle: "arithmetic intensity (FLOPs per byte moved)", yTitle: "attainable throughput", logX: true, logY: true });
  layout.annotations = [
    { xref: "paper", yref: "paper", x: 0.98, y: 0.04, xanchor: "right", showarrow: false,
      text: "left of a ridge: memory-bound · right: compute-bound", font: { size: 11, color: "#5a6072" } },
  ];
  return applyLogTicks({ data, layout }, { y: "TFLOPS" });
}
