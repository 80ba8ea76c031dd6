import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import {
  decodeBound, loadDeepSeekV3Serving, servingModelFromConfig, planKvCapacity, weightBytes, weightBytesReadPerStep, type ServingModel,
} from "../../lib/hardware/serving.js";

const DEEPSEEK_V3_SERVING = await loadDeepSeekV3Serving();

// A small dense model: 10B parameters in BF16 (20 GB), 10 layers of 8 heads × 64, GQA with 2 KV heads,
// and an MLA variant with a 128-wide latent + 32 rope numbers.
const toy: ServingModel = {
  name: "toy", totalParams: 10e9, activeParams: 10e9, weightBytesPerParam: 2, kvBytesPerElement: 2,
  shape: { nLayers: 10, nHeads: 8, headDim: 64, nKvHeads: 2, kvLoraRank: 128, qkRopeHeadDim: 32 },
};
const twoA100 = { memoryGB: 40, bandwidthTBps: 1, nGpus: 2 };
const H800 = { memoryGB: 80, bandwidthTBps: 3.35 };

describe("KV-cache capacity planner", () => {
  it("by hand for MHA, GQA and MLA", () => {
    // memory 2 × 40 GB = 80e9 B; weights 10e9 · 2 = 20e9 B; free 60e9 B
    const mha = planKvCapacity(toy, "mha", twoA100, { contextLen: 1000 });
    expect(mha.freeBytes).toBe(60e9);
    // MHA: 2·8·64 · 10 layers · 2 B = 20,480 B/token; ·1000 = 20.48e6 B/seq; 60e9 / 20.48e6 = 2929.69 → 2929
    expect(mha.kvBytesPerToken).toBe(20_480);
    expect(mha.sequences).toBe(2929);
    expect(mha.cachedTokens).toBe(2_929_687);  // 60e9 / 20,480 = 2,929,687.5
    // GQA: 2·2·64 · 10 · 2 = 5,120 B/token; 60e9 / 5.12e6 = 11,718.75 → 11,718
    expect(planKvCapacity(toy, "gqa", twoA100, { contextLen: 1000 }).sequences).toBe(11_718);
    // MLA: (128 + 32) · 10 · 2 = 3,200 B/token; 60e9 / 3.2e6 = 18,750 exactly
    expect(planKvCapacity(toy, "mla", twoA100, { contextLen: 1000 }).sequences).toBe(18_750);
    // usableFraction 0.5: 40e9 usable − 20e9 weights = 20e9 free; 20e9 / 3.2e6 = 6,250
    expect(planKvCapacity(toy, "mla", twoA100, { contextLen: 1000, usableFraction: 0.5 }).sequences).toBe(6250);
  });

  it("is monotone: more memory or GPUs never fits fewer sequences, longer contexts never fit more", () => {
    for (const kind of ["mha", "gqa", "mla"] as const) {
      let prev = -1;
      for (const memoryGB of [24, 32, 40, 48, 80, 141, 180]) {
        const s = planKvCapacity(toy, kind, { ...twoA100, memoryGB }, { contextLen: 4096 }).sequences;
        expect(s).toBeGreaterThanOrEqual(prev);
        prev = s;
      }
      prev = -1;
      for (const nGpus of [1, 2, 3, 4, 8, 16]) {
        const s = planKvCapacity(toy, kind, { ...twoA100, nGpus }, { contextLen: 4096 }).sequences;
        expect(s).toBeGreaterThanOrEqual(prev);
        prev = s;
      }
      prev = Infinity;
      for (const contextLen of [1, 128, 1000, 4096, 32768, 131072]) {
        const s = planKvCapacity(toy, kind, twoA100, { contextLen }).sequences;
        expect(s).toBeLessThanOrEqual(prev);
        prev = s;
      }
    }
  });

  it("DeepSeek-V3 (671B in FP8) does not fit on 8 × H800, and on 16 × H800 MLA fits 66× more 32K sequences", () => {
    expect(weightBytes(DEEPSEEK_V3_SERVING)).toBe(671e9);
    // 8 × 80 GB = 640 GB < 671 GB of weights
    expect(() => planKvCapacity(DEEPSEEK_V3_SERVING, "mla", { ...H800, nGpus: 8 }, { contextLen: 32768 }))
      .toThrow(/weights \(671 GB\) do not fit in 8 × 80 GB = 640 GB/);
    // 16 × 80 GB = 1,280 GB; free 609 GB.
    // MLA: (512 + 64) · 61 · 2 = 70,272 B/token; · 32,768 = 2,302,672,896 B/seq; 609e9 / that = 264.5 → 264
    // MHA: 2·128·128 · 61 · 2 = 3,997,696 B/token; · 32,768 = 130,996,502,528 B/seq; 609e9 / that = 4.65 → 4
    const mla = planKvCapacity(DEEPSEEK_V3_SERVING, "mla", { ...H800, nGpus: 16 }, { contextLen: 32768 });
    const mha = planKvCapacity(DEEPSEEK_V3_SERVING, "mha", { ...H800, nGpus: 16 }, { contextLen: 32768 });
    expect(mla.kvBytesPerToken).toBe(70_272);
    expect(mha.kvBytesPerToken).toBe(3_997_696);
    expect(mla.sequences).toBe(264);
    expect(mha.sequences).toBe(4);
  });

  it("refuses impossible inputs", () => {
    expect(() => planKvCapacity(toy, "mla", { ...twoA100, memoryGB: -40 }, { contextLen: 10 })).toThrow(/memoryGB must be a finite number > 0; got -40/);
    expect(() => planKvCapacity(toy, "mla", twoA100, { contextLen: 0 })).toThrow(/contextLen must be an integer >= 1/);
    expect(() => planKvCapacity(toy, "mla", twoA100, { contextLen: 10, usableFraction: 90 })).toThrow(/usableFraction must be in \(0, 1\].*0\.9/);
    expect(() => planKvCapacity({ ...toy, activeParams: 2 * toy.totalParams }, "mha", twoA100, { contextLen: 10 })).toThrow(/activeParams .* > totalParams/);
    expect(() => planKvCapacity({ ...toy, totalParams: 50e9 }, "mla", twoA100, { contextLen: 10 })).toThrow(/do not fit/);
  });
});

describe("decode tokens/s bound", () => {
  it("by hand for a dense model", () => {
    // batch 4 at 1000 tokens, MLA: weights 20e9 B + caches 4·1000·3,200 = 12.8e6 B, over 2 · 1 TB/s
    // step ≥ 20.0128e9 / 2e12 = 0.0100064 s → ≤ 99.936 tokens/s per sequence, 399.744 in total
    const d = decodeBound(toy, "mla", twoA100, { contextLen: 1000, batch: 4 });
    expect(d.stepSeconds).toBeCloseTo(0.0100064, 12);
    expect(d.tokensPerSecondPerSequence).toBeCloseTo(1 / 0.0100064, 9);
    expect(d.tokensPerSecond).toBeCloseTo(4 / 0.0100064, 9);
  });

  it("MoE: the weights a batch reads grow from the active to nearly all parameters", () => {
    // 4 experts of 10 params, top-2, one MoE layer; 20 non-routed active params; total 20 + 40 = 60
    const moe: ServingModel = { ...toy, totalParams: 60, activeParams: 40, weightBytesPerParam: 1,
      moe: { nExperts: 4, topK: 2, nMoeLayers: 1, paramsPerExpert: 10 } };
    expect(weightBytesReadPerStep(moe, 1)).toBeCloseTo(40, 12);   // 20 + 2 experts · 10
    expect(weightBytesReadPerStep(moe, 2)).toBeCloseTo(50, 12);   // 20 + 4·(1 − ¼) = 3 experts · 10
    expect(weightBytesReadPerStep(moe, 1000)).toBeCloseTo(60, 9); // 20 + all 4 experts
    // DeepSeek-V3 at batch 1 reads exactly its 37B active parameters (FP8: 37e9 bytes)
    expect(weightBytesReadPerStep(DEEPSEEK_V3_SERVING, 1)).toBeCloseTo(37e9, 0);
  });

  it("MLA decodes a long context faster than MHA on the same GPUs (fewer bytes per step)", () => {
    const g = { ...H800, nGpus: 16 };
    const mha = decodeBound(DEEPSEEK_V3_SERVING, "mha", g, { contextLen: 32768 });
    const mla = decodeBound(DEEPSEEK_V3_SERVING, "mla", g, { contextLen: 32768 });
    // MHA: (37e9 + 130,996,502,528) / (16 · 3.35e12) = 0.0031343 s; MLA: (37e9 + 2,302,672,896) / 5.36e13 = 0.00073326 s
    expect(mha.stepSeconds).toBeCloseTo((37e9 + 130_996_502_528) / 5.36e13, 12);
    expect(mla.stepSeconds).toBeCloseTo((37e9 + 2_302_672_896) / 5.36e13, 12);
  });
});

describe("servingModelFromConfig", () => {
  it("builds DeepSeek-V3 from datasets/deepseek_configs.json with the published numbers", () => {
    const cfgs = JSON.parse(readFileSync(new URL("../../datasets/deepseek_configs.json", import.meta.url), "utf8"));
    const m = servingModelFromConfig("DeepSeek-V3", cfgs.models["DeepSeek-V3"], { weightBytesPerParam: 1 });
    // config.json: 256 routed experts, top-8, first 3 of 61 layers dense, moe_intermediate_size 2048
    expect(m.moe).toEqual({ nExperts: 256, topK: 8, nMoeLayers: 58, paramsPerExpert: 3 * 7168 * 2048 });
    expect(m.shape).toMatchObject({ nLayers: 61, dModel: 7168, nHeads: 128, headDim: 128, kvLoraRank: 512, qkRopeHeadDim: 64 });
    expect(DEEPSEEK_V3_SERVING).toMatchObject({ ...m, source: expect.stringContaining("config.json") });
    // DeepSeek-V2 (236B) in BF16 is 472 GB: it fits on 8 × H800 (640 GB) with 168 GB to spare
    const v2 = servingModelFromConfig("DeepSeek-V2", cfgs.models["DeepSeek-V2"], { weightBytesPerParam: 2 });
    expect(planKvCapacity(v2, "mla", { ...H800, nGpus: 8 }, { contextLen: 4096 }).freeBytes).toBeCloseTo(168e9, -3);
  });
});
