// The device check's pure parts: how it measures a difference, how it writes its tables, that the
// shell entry point parses, and that the pack's trace finds the runtime files (not the whole
// node_modules). The pack itself (minutes of xz) and the GPU run are exercised by hand: see the
// header of scripts/device-check.mjs.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = resolve(import.meta.dirname, "..", "..");

interface Diff {
  maxAbs: number;
  scale: number;
  rel: number;
  note?: string;
}
interface DeviceCheck {
  compareArrays(got: ArrayLike<number>, want: ArrayLike<number>): Diff;
  countMismatches(got: ArrayLike<number>, want: ArrayLike<number>): number;
  markdownTable(rows: Record<string, unknown>[], cols?: string[]): string;
  reportMarkdown(report: Record<string, unknown>): string;
  traceRuntimeFiles(): string[];
  TOLERANCE: Record<string, number>;
}

const load = async (): Promise<DeviceCheck> => (await import(pathToFileURL(join(ROOT, "scripts", "device-check.mjs")).href)) as DeviceCheck;

describe("device check (scripts/device-check.mjs)", () => {
  it("measures the largest difference relative to the reference's scale", async () => {
    const { compareArrays } = await load();
    const d = compareArrays([1, 2.002, -4], [1, 2, -4]);
    expect(d.maxAbs).toBeCloseTo(0.002, 12);
    expect(d.scale).toBe(4);
    expect(d.rel).toBeCloseTo(0.0005, 12);
    // Entries near zero don't inflate it (an elementwise relative error here would be 1).
    expect(compareArrays([1e-9, 10], [2e-9, 10]).rel).toBeLessThan(1e-9);
    expect(compareArrays([1, 2], [1, 2]).rel).toBe(0);
  });

  it("fails NaN, infinities and length mismatches outright", async () => {
    const { compareArrays } = await load();
    expect(compareArrays([NaN, 1], [0, 1]).rel).toBe(Infinity);
    expect(compareArrays([Infinity, 1], [0, 1]).rel).toBe(Infinity);
    expect(compareArrays([1], [1, 2]).rel).toBe(Infinity);
  });

  it("counts integer mismatches (chosen experts)", async () => {
    const { countMismatches } = await load();
    expect(countMismatches([0, 3, 5, 1], [0, 3, 1, 5])).toBe(2);
    expect(countMismatches([1], [1, 2])).toBe(Infinity);
  });

  it("writes markdown tables and a report that names the verdict, adapter and failures", async () => {
    const { markdownTable, reportMarkdown, TOLERANCE } = await load();
    expect(TOLERANCE.op).toBe(1e-3);
    expect(markdownTable([{ a: 1, b: "x|y" }, { a: 0.000123 }])).toBe("| a | b |\n|---|---|\n| 1 | x\\|y |\n| 1.23e-4 |  |");
    const md = reportMarkdown({
      date: "2026-11-28T00:00:00Z",
      verdict: "FAIL: 1 correctness rows failed",
      adapter: { detail: "WebGPU via Dawn on nvidia / hopper" },
      correctness: { tolerance: "rel ≤ tol", passed: 1, failed: 1, rows: [{ op: "matmul", output: "y", rel: 2e-7, tol: 1e-3, result: "PASS" }, { op: "AddN", output: "y", result: "FAIL", error: "invalid pipeline" }] },
      bench: { rows: [{ backend: "webgpu", workload: "matmul", shape: "512³", ms: 1, rate: 268, unit: "GFLOP/s", vsWasm: 30 }], backends: [{ name: "webgpu", shapes: "full", seconds: 3 }] },
      torch: { available: false, reason: "No module named 'torch'" },
    });
    expect(md).toContain("verdict: **FAIL: 1 correctness rows failed**");
    expect(md).toContain("nvidia / hopper");
    expect(md).toContain("| AddN | y |");
    expect(md).toContain("invalid pipeline");
    expect(md).toContain("| webgpu | matmul | 512³ | 1 | 268 | GFLOP/s | 30 |");
    expect(md).toContain("not run: No module named 'torch'");
  });

  it("has a shell entry point that parses as POSIX sh", () => {
    execFileSync("sh", ["-n", join(ROOT, "scripts", "device-check.sh")]);
  });

  it("traces the runtime files: tfjs's Node bundles and the binding, not whole packages", async () => {
    const { traceRuntimeFiles } = await load();
    const files = traceRuntimeFiles();
    const rel = files.map((f) => f.slice(f.lastIndexOf("node_modules")));
    expect(rel).toContain("node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js");
    expect(rel).toContain("node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js");
    expect(rel).toContain("node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.node.js");
    expect(rel.some((f) => f.endsWith("dawn.node"))).toBe(true);
    expect(rel.filter((f) => /\.(esm|min)\.js$|\.map$/.test(f))).toEqual([]);
    expect(files.length).toBeLessThan(80);
  });
});
