import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { gpuById, GPU_NUMERIC_FIELDS, loadGpuTable, peakTFLOPS, validateGpuTable } from "../../lib/hardware/gpus.js";

const raw = () => JSON.parse(readFileSync(new URL("../../datasets/gpus.json", import.meta.url), "utf8"));

describe("datasets/gpus.json", () => {
  it("validates: every numeric field is a positive number with a known source, or null with a reason", async () => {
    const t = await loadGpuTable();
    expect(t.gpus.map((g) => g.id)).toEqual(
      ["A100-40GB-SXM", "A100-80GB-SXM", "H100-SXM", "H100-PCIe", "H800-SXM", "H200-SXM", "B200-HGX"]);
    for (const g of t.gpus) for (const f of GPU_NUMERIC_FIELDS) {
      const v = g[f];
      if (v === null) expect(g.missing?.[f]).toMatch(/.{10,}/);
      else expect(t.sources[g.sources[f]!]).toBeDefined();
    }
  });

  it("records the H800's point: H100 SXM compute and memory, NVLink cut from 900 to 400 GB/s", async () => {
    const t = await loadGpuTable();
    const h100 = gpuById(t, "H100-SXM"), h800 = gpuById(t, "H800-SXM");
    for (const f of ["bf16DenseTFLOPS", "fp8DenseTFLOPS", "memoryGB", "bandwidthTBps"] as const) expect(h800[f]).toBe(h100[f]);
    expect(h100.nvlinkGBps).toBe(900);
    expect(h800.nvlinkGBps).toBe(400);
    expect(h800.fp64TFLOPS).toBe(1);
  });

  it("stores dense throughput: Hopper datasheet's sparse 1,979 BF16 TFLOPS halved; A100's dense 312 as printed", async () => {
    const t = await loadGpuTable();
    expect(gpuById(t, "H100-SXM").bf16DenseTFLOPS).toBe(1979 / 2);     // 989.5
    expect(gpuById(t, "H100-SXM").fp8DenseTFLOPS).toBe(3958 / 2);      // 1979
    expect(gpuById(t, "A100-80GB-SXM").bf16DenseTFLOPS).toBe(312);
    // FP8 is twice BF16 on every GPU that has it (same tensor cores, half-width operands)
    for (const g of t.gpus) if (g.fp8DenseTFLOPS !== null) expect(g.fp8DenseTFLOPS).toBeCloseTo(2 * g.bf16DenseTFLOPS, 6);
  });

  it("peakTFLOPS looks up a precision and explains a missing mode", async () => {
    const t = await loadGpuTable();
    expect(peakTFLOPS(gpuById(t, "H200-SXM"), "fp8")).toBe(1979);
    expect(() => peakTFLOPS(gpuById(t, "A100-40GB-SXM"), "fp8")).toThrow(/A100-40GB-SXM has no fp8.*Ampere/);
    expect(() => gpuById(t, "H20")).toThrow(/no GPU 'H20'.*H800-SXM/);
  });

  it("rejects a null without a reason, an unknown source, a negative number, a duplicate id", () => {
    const t1 = raw(); t1.gpus[2].fp8DenseTFLOPS = null;
    expect(() => validateGpuTable(t1)).toThrow(/H100-SXM.*'fp8DenseTFLOPS' is null without a reason/);
    const t2 = raw(); t2.gpus[0].sources.bandwidthTBps = "a-blog";
    expect(() => validateGpuTable(t2)).toThrow(/cites unknown source 'a-blog'/);
    const t3 = raw(); t3.gpus[1].memoryGB = -80;
    expect(() => validateGpuTable(t3)).toThrow(/'memoryGB' must be a positive number; got -80/);
    const t4 = raw(); t4.gpus[1].id = t4.gpus[0].id;
    expect(() => validateGpuTable(t4)).toThrow(/duplicate id/);
    const t5 = raw(); delete t5.gpus[3].tdpW;
    expect(() => validateGpuTable(t5)).toThrow(/H100-PCIe.*'tdpW' is missing without a reason/);
    const t6 = raw(); delete t6.gpus[4].sources.nvlinkGBps;
    expect(() => validateGpuTable(t6)).toThrow(/H800-SXM.*'nvlinkGBps' has no source/);
  });
});
