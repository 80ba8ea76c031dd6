/**
 * Showing a figure: in a notebook, as one output with two MIME types; elsewhere, as a file.
 *
 * Introduced in notebooks/00_welcome.ipynb.
 * - `application/vnd.plotly.v1+json`: the figure as data. JupyterLab draws it with the renderer
 *   that the `plotly` Python package installs into .venv — even in an untrusted, reopened
 *   notebook. The HTML export (scripts/nbconvert/seeklab) draws the same data with plotly.js,
 *   which it includes once per page (or once for the whole site).
 * - `text/plain`: a one-line description for terminals and text exports.
 * No plotly.js and no HTML go into the notebook: a saved lesson stays small (plotly.js alone is
 * 4.8 MB) and a learner's `git diff` stays readable.
 */
import { describeFigure, type Figure } from "./figure.js";
import { displayBundle } from "../notebook/display.js";
import { readText, writeText } from "../data.js";

let plotlySource: Promise<string> | undefined;

/** The plotly.js bundle (plotly.js-dist-min), read once through the library's file door (lib/data.ts). */
export function plotlyBundle(): Promise<string> {
  plotlySource ??= readText(new URL(import.meta.resolve("plotly.js-dist-min/plotly.min.js"))).catch((e: unknown) => {
    plotlySource = undefined;
    throw e;
  });
  return plotlySource;
}

function checkFigure(fig: Figure): void {
  if (!fig || !Array.isArray(fig.data) || typeof fig.layout !== "object" || fig.layout === null) {
    throw new Error("show(fig): expected a plotly figure { data: Trace[], layout: object } (build one with lineChart, barChart, …)");
  }
}

// Inside <script>, "</script" would end the element early; "<\/" is the same string to JavaScript.
function scriptSafe(json: string): string {
  return json.replace(/<\//g, "<\\/").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** A short random id (Web Crypto: the same in Node and a browser). */
function randomId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A <div> and the script that draws `fig` into it with `window.Plotly`.
 * @param opts.plotlyJs plotly.js's source to inline before the chart (`await plotlyBundle()`), for a page
 *   that has no copy of its own
 */
export function figureHtml(fig: Figure, opts: { plotlyJs?: string } = {}): string {
  checkFigure(fig);
  const id = `seeklab-plot-${randomId()}`;
  const height = typeof fig.layout.height === "number" ? fig.layout.height : 400;
  const bundle = opts.plotlyJs !== undefined ? `<script type="text/javascript">${opts.plotlyJs}</script>\n` : "";
  const json = scriptSafe(JSON.stringify({ data: fig.data, layout: fig.layout }));
  return (
    `${bundle}<div id="${id}" class="seeklab-plot" style="width:100%;height:${height}px;"></div>\n` +
    `<script type="text/javascript">(function () {\n` +
    `  var fig = ${json};\n` +
    `  function draw() { window.Plotly.newPlot("${id}", fig.data, fig.layout, { responsive: true, displaylogo: false }); }\n` +
    `  if (window.Plotly) { draw(); } else { window.addEventListener("load", function () { if (window.Plotly) draw(); }); }\n` +
    `})();</script>`
  );
}

/** What `show` sends: plotly's MIME type and a one-line text fallback. */
export function figureBundle(fig: Figure): { "application/vnd.plotly.v1+json": object; "text/plain": string } {
  checkFigure(fig);
  return {
    "application/vnd.plotly.v1+json": { data: fig.data, layout: fig.layout, config: { responsive: true, displaylogo: false } },
    "text/plain": describeFigure(fig),
  };
}

/**
 * Display a figure. In a tslab notebook: one output with the plotly JSON and a text line.
 * Elsewhere: prints the one-line description (use `saveHtml` for a file).
 */
export function show(fig: Figure): void {
  const bundle = figureBundle(fig);
  if (!displayBundle(bundle)) console.log(bundle["text/plain"]);
}

/** A self-contained HTML page (plotly.js inlined) showing `fig`, written to `path`. */
export async function saveHtml(fig: Figure, path: string): Promise<void> {
  const title = describeFigure(fig).replace(/[<>&]/g, "");
  const plotlyJs = await plotlyBundle();
  const page = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n${figureHtml(fig, { plotlyJs })}\n</body></html>\n`;
  await writeText(path, page);
}
