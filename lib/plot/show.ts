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
import { createRequire } from "node:module";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { randomBytes } from "node:crypto";
import { describeFigure, type Figure } from "./figure.js";
import { displayBundle } from "../notebook/display.js";

let plotlySource: string | undefined;

/** The plotly.js bundle (plotly.js-dist-min), read once. */
export function plotlyBundle(): string {
  if (plotlySource === undefined) {
    const req = createRequire(import.meta.url);
    plotlySource = readFileSync(req.resolve("plotly.js-dist-min/plotly.min.js"), "utf8");
  }
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

/** A <div> and the script that draws `fig` into it with `window.Plotly`. */
export function figureHtml(fig: Figure, opts: { includePlotly?: boolean } = {}): string {
  checkFigure(fig);
  const id = `seeklab-plot-${randomBytes(6).toString("hex")}`;
  const height = typeof fig.layout.height === "number" ? fig.layout.height : 400;
  const bundle = opts.includePlotly ? `<script type="text/javascript">${plotlyBundle()}</script>\n` : "";
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
export function saveHtml(fig: Figure, path: string): void {
  const title = describeFigure(fig).replace(/[<>&]/g, "");
  const page = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n${figureHtml(fig, { includePlotly: true })}\n</body></html>\n`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, page);
}
