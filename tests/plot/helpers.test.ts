import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  applyLogTicks, bandChart, barChart, formatTick, labelledScatter, lineChart, logTicks, logTickValues, meanBand, movingAverage,
  rooflineChart, scatterChart, tableFigure,
} from "../../lib/plot/index.js";
import { assertClose } from "../helpers/close.js";

const ref = JSON.parse(readFileSync(join(__dirname, "../reference/fixtures/plot_reference.json"), "utf8")) as {
  runs: number[][];
  cases: { window: number; movingAverage: number[]; multi: { mean: number[]; lower: number[]; upper: number[] }; single: { lower: number[]; upper: number[] } }[];
};

describe("readable log axes", () => {
  it("labels every tick with its whole value: no bare 2, 3, 5 under a decade", () => {
    expect([0.001, 0.5, 1, 20, 500, 2000, 50_000, 1e6, 3e9, 1e13].map(formatTick))
      .toEqual(["0.001", "0.5", "1", "20", "500", "2,000", "50k", "1M", "3G", "10T"]);
    expect(formatTick(1e24)).toBe("10<sup>24</sup>");
    expect(formatTick(3e-5)).toBe("3×10<sup>-5</sup>");
    expect(() => formatTick(0)).toThrow("formatTick(v): expected a positive finite number; got 0");
  });

  it("ticks are decades over wide ranges and 1-2-5 steps over narrow ones", () => {
    expect(logTickValues(0.3, 20_000)).toEqual([0.1, 1, 10, 100, 1000, 10_000, 100_000]);
    // B200's 2,250 TFLOPS and an A100's 312 lie within one decade: finer steps, 1-2-5 kept when there are too many
    expect(logTickValues(312, 2250)).toEqual([300, 500, 1000, 2000, 2500]);
    expect(logTicks(312, 2250, "TFLOPS").ticktext).toEqual(["300 TFLOPS", "500 TFLOPS", "1,000 TFLOPS", "2,000 TFLOPS", "2,500 TFLOPS"]);
    // a held-out loss from 0.83 to 1.42: several labelled ticks, not a lone "1"
    expect(logTickValues(0.83, 1.42)).toEqual([0.8, 1, 1.2, 1.5]);
    // two decades: 1-2-5
    expect(logTickValues(3, 90)).toEqual([2, 5, 10, 20, 50, 100]);
    expect(logTickValues(1e20, 1e26).length).toBe(7);
    expect(logTickValues(1e-2, 1e20).length).toBeLessThanOrEqual(12); // every third decade
  });

  it("builders set explicit ticks from the data on log axes only, with the unit", () => {
    const fig = scatterChart([{ name: "gpus", x: [1.5, 8], y: [312, 2250] }], { title: "t", logY: true, yUnit: "TFLOPS" });
    expect(fig.layout.yaxis).toMatchObject({ type: "log", tickmode: "array", tickvals: [300, 500, 1000, 2000, 2500] });
    expect((fig.layout.yaxis as { ticktext: string[] }).ticktext[3]).toBe("2,000 TFLOPS");
    expect((fig.layout.xaxis as Record<string, unknown>).tickvals).toBeUndefined();
    const h = barChart([{ name: "s", x: ["a", "b"], y: [3, 3000] }], { title: "t", horizontal: true, logY: true, yUnit: "s" });
    expect((h.layout.xaxis as { ticktext: string[] }).ticktext).toEqual(["1 s", "10 s", "100 s", "1,000 s", "10k s"]);
    // error bars widen the range the ticks cover
    const e = lineChart([{ name: "s", x: [1, 2], y: [10, 20], error: [5, 985] }], { title: "t", logY: true });
    expect(Math.max(...((e.layout.yaxis as { tickvals: number[] }).tickvals))).toBeGreaterThanOrEqual(1000);
    expect(applyLogTicks({ data: [], layout: { yaxis: { type: "log" } } })).toEqual({ data: [], layout: { yaxis: { type: "log" } } });
  });
});

describe("legends never sit under an axis title or over the chart title", () => {
  it("the legend is outside the plot, to the right", () => {
    const fig = lineChart([{ name: "a", x: [0], y: [1] }, { name: "b", x: [0], y: [2] }], { title: "t", xTitle: "step" });
    expect(fig.layout.legend).toMatchObject({ orientation: "v", x: 1.02, xanchor: "left", y: 1, yanchor: "top" });
  });
});

describe("tables are as tall as their rows", () => {
  it("the height follows the rows, wrapped lines included; opts.height caps it", () => {
    const short = tableFigure(["a", "b"], [["x", 1], ["y", 2]], { title: "t" });
    const long = tableFigure(["a", "b"], Array.from({ length: 10 }, (_, i) => [`r${i}`, i]), { title: "t" });
    expect(long.layout.height as number).toBeGreaterThan(short.layout.height as number);
    expect((long.layout.height as number) - (short.layout.height as number)).toBe(8 * 30);
    const wrapped = tableFigure(["a", "b"], [["word ".repeat(80), 1]], { title: "t" });
    expect(wrapped.layout.height as number).toBeGreaterThan((short.layout.height as number) - 30 + 2 * 22);
    expect(tableFigure(["a"], Array.from({ length: 50 }, () => ["x"]), { title: "t", height: 300 }).layout.height).toBe(300);
    // the old default reserved 120 + 28·rows pixels whatever the content; a 6-row table asked for 560 drew a blank band
    expect(tableFigure(["a"], Array.from({ length: 6 }, () => ["x"]), { title: "t", height: 560 }).layout.height as number).toBeLessThan(300);
  });
});

describe("smoothed mean with a band, against NumPy (tests/reference/plot_reference.py)", () => {
  it("movingAverage and meanBand match the oracle for windows 1, 4, 7", () => {
    for (const c of ref.cases) {
      assertClose(movingAverage(ref.runs[0]!, c.window), c.movingAverage, { atol: 1e-9 });
      const multi = meanBand(ref.runs, c.window);
      assertClose(multi.mean, c.multi.mean, { atol: 1e-9 });
      assertClose(multi.lower, c.multi.lower, { atol: 1e-9 });
      assertClose(multi.upper, c.multi.upper, { atol: 1e-9 });
      const single = meanBand([ref.runs[0]!], c.window);
      assertClose(single.lower, c.single.lower, { atol: 1e-7 });
      assertClose(single.upper, c.single.upper, { atol: 1e-7 });
    }
  });

  it("bandChart draws a filled band and a mean line per series, the band out of the legend", () => {
    const fig = bandChart([{ name: "GRPO", x: [0, 1, 2, 3], runs: [[0, 1, 0, 1], [1, 1, 0, 0]] }], { title: "reward", window: 2 });
    expect(fig.data).toHaveLength(2);
    expect(fig.data[0]).toMatchObject({ fill: "toself", showlegend: false, x: [0, 1, 2, 3, 3, 2, 1, 0] });
    expect(fig.data[1]!.name).toBe("GRPO (mean of 2, band ±1 s.d. across 2 runs)");
    expect(() => bandChart([{ name: "s", x: [0, 1], runs: [[1]] }], { title: "t" })).toThrow('bandChart(series[0] "s"): runs[0] has 1 points; x has 2');
    expect(() => movingAverage([1], 0)).toThrow("movingAverage(window): expected an integer ≥ 1; got 0");
    expect(() => meanBand([[1, 2], [1]], 1)).toThrow("meanBand(runs[1]): expected 2 points like runs[0]; got 1");
  });
});

describe("labelled charts", () => {
  it("labelledScatter merges labels of coincident points and alternates their position", () => {
    const fig = labelledScatter([
      { label: "H100", x: 3.35, y: 989 }, { label: "H800", x: 3.35, y: 989 }, { label: "H200", x: 4.8, y: 989 },
    ], { title: "t" });
    expect(fig.data[0]!.text).toEqual(["H100 = H800", "", "H200"]);
    expect(fig.layout.showlegend).toBe(false);
    expect(() => labelledScatter([{ label: "x", x: NaN, y: 1 }], { title: "t" })).toThrow('labelledScatter(points[0] "x"): x and y must be finite numbers; got NaN, 1');
  });

  it("rooflineChart: roof = min(peak, intensity × bandwidth), ridge marked, axes labelled", () => {
    const fig = rooflineChart([{ name: "H800 BF16", peakTFLOPS: 989.5, bandwidthTBps: 3.35 }],
      [{ name: "decode", intensity: 1, attainableTFLOPS: 3.35 }], { title: "roofline" });
    const roof = fig.data[0]!;
    (roof.x as number[]).forEach((x, i) => expect((roof.y as number[])[i]).toBeCloseTo(Math.min(989.5, x * 3.35), 9));
    expect(fig.data[1]!.text).toEqual(["ridge 295 FLOP/B"]);
    expect(fig.layout.xaxis).toMatchObject({ type: "log", title: { text: "arithmetic intensity (FLOPs per byte moved)" } });
    expect((fig.layout.yaxis as { ticktext: string[] }).ticktext).toContain("1,000 TFLOPS");
    expect(() => rooflineChart([{ name: "x", peakTFLOPS: 0, bandwidthTBps: 1 }], [], { title: "t" })).toThrow('rooflineChart(roofs[0] "x"): peakTFLOPS and bandwidthTBps must be positive; got 0, 1');
  });
});
