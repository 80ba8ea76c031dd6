import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { barChart, heatmap, lineChart, scatterChart, tableFigure, describeFigure, SEEKLAB_COLORS, SEEKLAB_SEQUENTIAL } from "../../lib/plot/index.js";
import { figureBundle, figureHtml, plotlyBundle, saveHtml, show } from "../../lib/plot/show.js";

describe("chart builders return plain plotly figures", () => {
  it("lineChart: one scatter trace per series, axis titles, log axes, error bars", () => {
    const fig = lineChart(
      [
        { name: "wasm", x: [1, 2, 3], y: [10, 20, 30], error: [1, 1, 2] },
        { name: "cpu", x: [1, 2, 3], y: [1, 2, 3] },
      ],
      { title: "throughput", xTitle: "n", yTitle: "GFLOP/s", logY: true },
    );
    expect(fig.data).toHaveLength(2);
    expect(fig.data[0]).toMatchObject({ type: "scatter", name: "wasm", mode: "lines+markers", x: [1, 2, 3], y: [10, 20, 30] });
    expect(fig.data[0]!.error_y).toMatchObject({ array: [1, 1, 2], visible: true });
    expect(fig.data[1]!.error_y).toBeUndefined();
    expect(fig.layout.title).toMatchObject({ text: "throughput" });
    expect(fig.layout.xaxis).toMatchObject({ title: { text: "n" } });
    expect(fig.layout.yaxis).toMatchObject({ title: { text: "GFLOP/s" }, type: "log" });
    expect(fig.layout.colorway).toEqual([...SEEKLAB_COLORS]);
    expect(JSON.parse(JSON.stringify(fig))).toEqual(fig); // plain data, serialisable as is
  });

  it("scatterChart defaults to markers and keeps hover text", () => {
    const fig = scatterChart([{ name: "models", x: ["2024-01-01"], y: [7], text: ["DeepSeek"] }], { title: "t" });
    expect(fig.data[0]).toMatchObject({ mode: "markers", text: ["DeepSeek"] });
  });

  it("barChart groups, stacks, flips horizontal and takes asymmetric errors", () => {
    const grouped = barChart([{ name: "a", x: ["x", "y"], y: [1, 2] }, { name: "b", x: ["x", "y"], y: [3, 4] }], { title: "g" });
    expect(grouped.layout.barmode).toBe("group");
    const stacked = barChart([{ name: "a", x: ["x"], y: [1] }], { title: "s", barmode: "stack" });
    expect(stacked.layout.barmode).toBe("stack");
    expect(stacked.layout.showlegend).toBe(false);
    const h = barChart([{ name: "elo", x: ["m1", "m2"], y: [1100, 1000], error: [5, 6], errorMinus: [4, 3] }], { title: "h", horizontal: true, xTitle: "model", yTitle: "rating" });
    expect(h.data[0]).toMatchObject({ orientation: "h", x: [1100, 1000], y: ["m1", "m2"] });
    expect(h.data[0]!.error_x).toMatchObject({ symmetric: false, array: [5, 6], arrayminus: [4, 3] });
    expect(h.layout.xaxis).toMatchObject({ title: { text: "rating" } });
  });

  it("heatmap: labels, values as text, first row on top", () => {
    const fig = heatmap([[0.1, 0.9], [0.5, 0.5]], { title: "attention", x: ["k0", "k1"], y: ["q0", "q1"], showValues: true, digits: 1 });
    expect(fig.data[0]).toMatchObject({ type: "heatmap", x: ["k0", "k1"], y: ["q0", "q1"], text: [["0.1", "0.9"], ["0.5", "0.5"]] });
    expect(fig.layout.yaxis).toMatchObject({ autorange: "reversed" });
    // High values are dark by default (plotly's own "Blues" runs the other way round).
    expect(fig.data[0]!.colorscale).toEqual(SEEKLAB_SEQUENTIAL);
    expect(heatmap([[1]], { title: "t", colorscale: "RdBu" }).data[0]!.colorscale).toBe("RdBu");
  });

  it("tableFigure lays out columns", () => {
    const fig = tableFigure(["model", "rating"], [["a", 1010], ["b", 990]], { title: "leaderboard" });
    expect((fig.data[0] as unknown as { cells: { values: unknown[][] } }).cells.values).toEqual([["a", "b"], [1010, 990]]);
  });

  it("describeFigure names the title and the traces", () => {
    const fig = lineChart([{ name: "loss", x: [0, 1], y: [2, 1] }], { title: "training" });
    expect(describeFigure(fig)).toBe("[chart] training — 1 trace(s) (scatter): loss");
  });

  it("rejects bad input, naming what was expected and what came in", () => {
    expect(() => lineChart([{ name: "s", x: [1, 2], y: [1] }], { title: "t" })).toThrow('lineChart(series[0] "s"): x and y must have the same length; got 2 and 1');
    expect(() => lineChart([], { title: "t" })).toThrow("lineChart(series): expected a non-empty array of series; got []");
    expect(() => barChart([{ name: "s", x: [1], y: [1], error: [1, 2] }], { title: "t" })).toThrow("error must have 1 entries like y; got 2");
    expect(() => heatmap([[1, 2], [3]], { title: "t" })).toThrow("every row must have 2 columns like row 0; row 1 has 1");
    expect(() => heatmap([[1, 2]], { title: "t", x: ["a"] })).toThrow("heatmap(opts.x): expected 2 labels (columns of z); got 1");
    expect(() => lineChart([{ name: "s", x: [1], y: [1] }], {} as never)).toThrow("chart options: title must be a string; got undefined");
    expect(() => tableFigure(["a", "b"], [["x"]], { title: "t" })).toThrow("tableFigure(rows[0]): expected 2 cells like the header; got 1");
  });
});

describe("showing figures", () => {
  const fig = lineChart([{ name: "</script><b>", x: [0], y: [1] }], { title: "t", height: 321 });

  it("figureHtml draws with window.Plotly and cannot be broken out of its script", async () => {
    const html = figureHtml(fig);
    expect(html).toContain('class="seeklab-plot" style="width:100%;height:321px;"');
    expect(html).toContain("window.Plotly.newPlot(");
    expect(html).not.toContain("</script><b>");
    expect(html).not.toContain("plotly.js v");
    expect(figureHtml(fig, { plotlyJs: await plotlyBundle() })).toContain("plotly.js v");
  });

  it("saveHtml writes a self-contained page", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "seeklab-plot-")), "sub", "fig.html");
    await saveHtml(fig, path);
    const page = readFileSync(path, "utf8");
    expect(page.startsWith("<!doctype html>")).toBe(true);
    expect(page).toContain("plotly.js v");
    expect(page).toContain("seeklab-plot");
  });

  it("show() outside a notebook prints the description", () => {
    const lines: string[] = [];
    const orig = console.log;
    console.log = (m: string) => lines.push(m);
    try {
      show(fig);
    } finally {
      console.log = orig;
    }
    expect(lines).toEqual(["[chart] t — 1 trace(s) (scatter): </script><b>"]);
    expect(() => show({} as never)).toThrow("show(fig): expected a plotly figure");
  });
});

describe("what show() sends to a notebook", () => {
  it("is plotly's JSON and one text line: no plotly.js, no HTML", () => {
    const fig = lineChart([{ name: "y", x: [0, 1], y: [1, 2] }], { title: "small" });
    const bundle = figureBundle(fig);
    expect(Object.keys(bundle).sort()).toEqual(["application/vnd.plotly.v1+json", "text/plain"]);
    expect(bundle["text/plain"]).toBe("[chart] small — 1 trace(s) (scatter): y");
    expect(JSON.stringify(bundle).length).toBeLessThan(2000);
    expect(() => figureBundle({} as never)).toThrow("show(fig): expected a plotly figure");
  });
});
