/**
 * Chart builders: each returns a plain plotly `Figure` with SeekLab's look.
 *
 * Introduced in notebooks/00_welcome.ipynb; used by every lesson. Display with `show(fig)`.
 */
import { baseLayout, type ChartOptions, type Figure, type Trace } from "./figure.js";
import { applyLogTicks } from "./ticks.js";

/** One named series of points. `error` is a symmetric (or upper) error bar; `errorMinus` the lower one. */
export interface Series {
  name: string;
  x: (number | string)[];
  y: number[];
  error?: number[];
  errorMinus?: number[];
  text?: string[];
  mode?: "lines" | "markers" | "lines+markers";
}

function checkSeries(fn: string, series: Series[]): void {
  if (!Array.isArray(series) || series.length === 0) {
    throw new Error(`${fn}(series): expected a non-empty array of series; got ${Array.isArray(series) ? "[]" : typeof series}`);
  }
  series.forEach((s, i) => {
    if (!Array.isArray(s.x) || !Array.isArray(s.y)) {
      throw new Error(`${fn}(series[${i}] "${s.name}"): x and y must be arrays`);
    }
    if (s.x.length !== s.y.length) {
      throw new Error(`${fn}(series[${i}] "${s.name}"): x and y must have the same length; got ${s.x.length} and ${s.y.length}`);
    }
    for (const [key, arr] of [["error", s.error], ["errorMinus", s.errorMinus], ["text", s.text]] as const) {
      if (arr !== undefined && arr.length !== s.y.length) {
        throw new Error(`${fn}(series[${i}] "${s.name}"): ${key} must have ${s.y.length} entries like y; got ${arr.length}`);
      }
    }
  });
}

function errorBars(s: Series, axis: "error_y" | "error_x"): Record<string, unknown> {
  if (!s.error) return {};
  const bar: Record<string, unknown> = { type: "data", array: s.error, visible: true, thickness: 1.2, width: 3 };
  if (s.errorMinus) {
    bar.symmetric = false;
    bar.arrayminus = s.errorMinus;
  }
  return { [axis]: bar };
}

function xyTraces(series: Series[], defaultMode: Series["mode"]): Trace[] {
  return series.map((s) => ({
    type: "scatter",
    name: s.name,
    x: s.x,
    y: s.y,
    mode: s.mode ?? defaultMode,
    ...(s.text ? { text: s.text, hovertemplate: "%{text}<br>%{x}, %{y}<extra>%{fullData.name}</extra>" } : {}),
    ...errorBars(s, "error_y"),
  }));
}

/** Lines through points, one per series. */
export function lineChart(series: Series[], opts: ChartOptions): Figure {
  checkSeries("lineChart", series);
  return applyLogTicks({ data: xyTraces(series, "lines+markers"), layout: baseLayout(opts) }, { x: opts.xUnit, y: opts.yUnit });
}

/** Points only, one colour per series. */
export function scatterChart(series: Series[], opts: ChartOptions): Figure {
  checkSeries("scatterChart", series);
  return applyLogTicks({ data: xyTraces(series, "markers"), layout: baseLayout(opts) }, { x: opts.xUnit, y: opts.yUnit });
}

export interface BarOptions extends ChartOptions {
  barmode?: "group" | "stack";
  horizontal?: boolean;
}

/** Bars; several series are grouped (or stacked). `horizontal` swaps the axes. */
export function barChart(series: Series[], opts: BarOptions): Figure {
  checkSeries("barChart", series);
  const data: Trace[] = series.map((s) => ({
    type: "bar",
    name: s.name,
    ...(opts.horizontal ? { x: s.y, y: s.x, orientation: "h" } : { x: s.x, y: s.y }),
    ...(s.text ? { text: s.text, textposition: "auto" } : {}),
    ...errorBars(s, opts.horizontal ? "error_x" : "error_y"),
  }));
  const layout = baseLayout(opts);
  layout.barmode = opts.barmode ?? "group";
  if (series.length === 1) layout.showlegend = false;
  if (opts.horizontal) {
    const [xa, ya] = [layout.xaxis, layout.yaxis];
    layout.xaxis = ya;
    layout.yaxis = { ...(xa as object), automargin: true, autorange: "reversed" };
  }
  // horizontal bars: the value axis is x, so the y unit (the value's) goes there
  return applyLogTicks({ data, layout }, opts.horizontal ? { x: opts.yUnit, y: opts.xUnit } : { x: opts.xUnit, y: opts.yUnit });
}

/** SeekLab's sequential scale: near-white for 0, DeepSeek blue for the maximum. */
export const SEEKLAB_SEQUENTIAL: [number, string][] = [
  [0, "#f4f6ff"],
  [0.5, "#8c9eff"],
  [1, "#1f33b8"],
];

export interface HeatmapOptions extends ChartOptions {
  x?: (number | string)[];
  y?: (number | string)[];
  /** A plotly scale name ("RdBu", "Viridis", …) or [fraction, colour] stops; default SEEKLAB_SEQUENTIAL (high = dark). */
  colorscale?: string | [number, string][];
  showValues?: boolean;
  zmin?: number;
  zmax?: number;
  /** Digits after the point in cell labels (with showValues). */
  digits?: number;
}

/** A matrix as coloured cells; row 0 is drawn at the top, like a printed matrix. */
export function heatmap(z: number[][], opts: HeatmapOptions): Figure {
  if (!Array.isArray(z) || z.length === 0 || !Array.isArray(z[0])) {
    throw new Error("heatmap(z): expected a non-empty number[][]");
  }
  const cols = z[0]!.length;
  z.forEach((row, i) => {
    if (row.length !== cols) throw new Error(`heatmap(z): every row must have ${cols} columns like row 0; row ${i} has ${row.length}`);
  });
  if (opts.x && opts.x.length !== cols) throw new Error(`heatmap(opts.x): expected ${cols} labels (columns of z); got ${opts.x.length}`);
  if (opts.y && opts.y.length !== z.length) throw new Error(`heatmap(opts.y): expected ${z.length} labels (rows of z); got ${opts.y.length}`);
  const trace: Trace = {
    type: "heatmap",
    z,
    x: opts.x ?? z[0]!.map((_, j) => j),
    y: opts.y ?? z.map((_, i) => i),
    colorscale: opts.colorscale ?? SEEKLAB_SEQUENTIAL,
    ...(opts.zmin !== undefined ? { zmin: opts.zmin } : {}),
    ...(opts.zmax !== undefined ? { zmax: opts.zmax } : {}),
  };
  if (opts.showValues) {
    const d = opts.digits ?? 2;
    trace.text = z.map((row) => row.map((v) => (Number.isFinite(v) ? v.toFixed(d) : String(v))));
    trace.texttemplate = "%{text}";
  }
  const layout = baseLayout(opts);
  layout.yaxis = { ...(layout.yaxis as object), autorange: "reversed" };
  if (opts.x && typeof opts.x[0] === "string") layout.xaxis = { ...(layout.xaxis as object), type: "category" };
  if (opts.y && typeof opts.y[0] === "string") layout.yaxis = { ...(layout.yaxis as object), type: "category" };
  return { data: [trace], layout };
}

const TABLE_HEADER_PX = 32;
const TABLE_LINE_PX = 22;
const TABLE_CELL_PAD_PX = 8;
const TABLE_CHAR_PX = 6.8; // average glyph width at 13 px in SeekLab's font stack
const TABLE_WIDTH_PX = 940; // the notebook column a table is drawn into, when no width is given

/** How many text lines a cell wraps to in a column `px` wide (plotly wraps on spaces and <br>). */
function wrappedLines(text: string, px: number, charPx = TABLE_CHAR_PX): number {
  const perLine = Math.max(4, Math.floor((px - 2 * TABLE_CELL_PAD_PX) / charPx));
  return text.split("<br>").reduce((n, part) => n + Math.max(1, Math.ceil(part.length / perLine)), 0);
}

/**
 * A table as a figure (for leaderboards and small result sets). Its height is computed from the
 * rows (wrapped lines included), so no blank band is left under the last row; `opts.height` is a
 * maximum (a longer table scrolls inside it).
 */
export function tableFigure(header: string[], rows: (string | number)[][], opts: Omit<ChartOptions, "xTitle" | "yTitle" | "logX" | "logY">): Figure {
  if (!Array.isArray(header) || header.length === 0) throw new Error(`tableFigure(header): expected a non-empty string[]; got ${JSON.stringify(header)}`);
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw new Error(`tableFigure(rows[${i}]): expected ${header.length} cells like the header; got ${r.length}`);
  });
  const columns = header.map((_, j) => rows.map((r) => r[j]!));
  // Column widths in proportion to their longest entry (header included), as plotly's columnwidth reads them.
  const longest = header.map((h, j) => Math.max(h.length, ...rows.map((r) => String(r[j]).length), 3));
  // + 3: the cell padding and a bold header need room even in a narrow numeric column
  const cap = longest.map((n) => Math.min(n, 60) + 3);
  const total = cap.reduce((s, v) => s + v, 0);
  const widthPx = (opts.width ?? TABLE_WIDTH_PX) - 32;
  const colPx = cap.map((n) => (widthPx * n) / total);
  const headerLines = Math.max(...header.map((h, j) => wrappedLines(h, colPx[j]!, 8.2))); // bold glyphs are wider
  const rowLines = rows.map((r) => Math.max(...r.map((c, j) => wrappedLines(String(c), colPx[j]!))));
  const margin = { l: 16, r: 16, t: 48, b: 8 };
  const needed = margin.t + margin.b + Math.max(TABLE_HEADER_PX, headerLines * TABLE_LINE_PX + TABLE_CELL_PAD_PX) +
    rowLines.reduce((s, n) => s + n * TABLE_LINE_PX + TABLE_CELL_PAD_PX, 0) + 8;
  const height = Math.ceil(opts.height === undefined ? Math.min(needed, 900) : Math.min(needed, opts.height));
  const layout = baseLayout({ ...opts, height });
  layout.margin = margin;
  return {
    data: [
      {
        type: "table",
        columnwidth: cap,
        header: { values: header.map((h) => `<b>${h}</b>`), height: TABLE_HEADER_PX, fill: { color: "#4d6bfe" }, font: { color: "#ffffff" }, align: "left" },
        cells: { values: columns, height: TABLE_LINE_PX + TABLE_CELL_PAD_PX, fill: { color: [rows.map((_, i) => (i % 2 ? "#f7f8fc" : "#ffffff"))] }, align: "left" },
      },
    ],
    layout,
  };
}
