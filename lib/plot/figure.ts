/**
 * The plotly figure as plain data, and SeekLab's look.
 *
 * Introduced in notebooks/00_welcome.ipynb. Builders in charts.ts return a `Figure`; nothing here
 * touches a browser, so tests can inspect every chart (STYLE.md #11).
 */

/** One plotly trace. Only the fields SeekLab sets are typed; plotly accepts many more. */
export interface Trace {
  type: string;
  name?: string;
  x?: unknown[];
  y?: unknown[];
  z?: unknown[][];
  [key: string]: unknown;
}

/** A plotly figure: what `Plotly.newPlot(div, data, layout)` takes. */
export interface Figure {
  data: Trace[];
  layout: Record<string, unknown>;
}

/** Options every chart builder understands. */
export interface ChartOptions {
  title: string;
  xTitle?: string;
  yTitle?: string;
  logX?: boolean;
  logY?: boolean;
  /** Unit written after each tick label of a log x axis ("TB/s"): ticks read "1 TB/s", "10 TB/s". */
  xUnit?: string;
  /** Unit written after each tick label of a log y axis ("TFLOPS"). */
  yUnit?: string;
  height?: number;
  width?: number;
}

/** SeekLab's colours: DeepSeek blue first, then a colour-blind-safe cycle (Okabe–Ito). */
export const SEEKLAB_COLORS: readonly string[] = [
  "#4d6bfe",
  "#e69f00",
  "#009e73",
  "#cc79a7",
  "#56b4e9",
  "#d55e00",
  "#f0e442",
  "#000000",
];

/** The layout every SeekLab chart starts from. */
export function baseLayout(opts: ChartOptions): Record<string, unknown> {
  if (typeof opts?.title !== "string") {
    throw new Error(`chart options: title must be a string; got ${JSON.stringify(opts?.title)}`);
  }
  const layout: Record<string, unknown> = {
    title: { text: opts.title, x: 0.02, xanchor: "left", font: { size: 16 } },
    font: { family: "Inter, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif", size: 13, color: "#1f2430" },
    colorway: [...SEEKLAB_COLORS],
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#f7f8fc",
    margin: { l: 64, r: 24, t: 56, b: 56 },
    height: opts.height ?? 400,
    xaxis: axis(opts.xTitle, opts.logX),
    yaxis: axis(opts.yTitle, opts.logY),
    // The legend sits right of the plot, top-aligned: below the plot it collided with the x-axis title,
    // above it with the chart title. Plotly widens the right margin to fit it.
    legend: { orientation: "v", x: 1.02, xanchor: "left", y: 1, yanchor: "top", font: { size: 12 } },
    hovermode: "closest",
  };
  if (opts.width !== undefined) layout.width = opts.width;
  return layout;
}

function axis(title: string | undefined, log: boolean | undefined): Record<string, unknown> {
  const a: Record<string, unknown> = { gridcolor: "#e3e6f0", zerolinecolor: "#c9cede", automargin: true };
  if (title) a.title = { text: title };
  if (log) a.type = "log";
  return a;
}

/** A one-line description of a figure, used as its text/plain form. */
export function describeFigure(fig: Figure): string {
  const title = (fig.layout.title as { text?: string } | undefined)?.text ?? "untitled";
  const names = fig.data.map((t) => t.name).filter((n): n is string => typeof n === "string" && n.length > 0);
  const kinds = [...new Set(fig.data.map((t) => t.type))].join(", ");
  return `[chart] ${title} — ${fig.data.length} trace(s) (${kinds})${names.length ? `: ${names.join(", ")}` : ""}`;
}
