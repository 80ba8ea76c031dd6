import { describe, expect, it } from "vitest";
import {
  attentionTrainingFlopsPerToken, DEEPSEEK_V3_REPORTED, LLAMA_31_405B_REPORTED, estimateTraining, gpuHoursFor, impliedMfu, trainingCostUSD,
  trainingFlops, wallClockDays,
} from "../../lib/hardware/training.js";

describe("training cost arithmetic", () => {
  it("6·N·D, GPU-hours, dollars and days by hand", () => {
    expect(trainingFlops(1e9, 2e10)).toBe(1.2e20);                  // 6 · 1e9 · 2e10
    // 3.6e18 FLOPs at 1000 TFLOPS × 0.5 MFU: 3.6e18 / 5e14 = 7,200 s = 2 GPU-hours
    expect(gpuHoursFor(3.6e18, 1000, 0.5)).toBeCloseTo(2, 12);
    expect(trainingCostUSD(2, 2.5)).toBe(5);
    expect(wallClockDays(48 * 4, 4)).toBe(2);                       // 192 GPU-hours on 4 GPUs = 48 h
    // attention: 3·2·2 layers·4 heads·(8 + 8)·(10 / 2) keys = 3,840 FLOPs per token
    expect(attentionTrainingFlopsPerToken({ nLayers: 2, nHeads: 4, qkHeadDim: 8, vHeadDim: 8, seq: 10 })).toBe(3840);
    expect(attentionTrainingFlopsPerToken({ nLayers: 2, nHeads: 4, qkHeadDim: 8, vHeadDim: 8, seq: 10, causal: false })).toBe(7680);
  });

  it("DeepSeek-V3: the report's numbers agree with each other", () => {
    const r = DEEPSEEK_V3_REPORTED;
    expect(r.gpuHours.preTraining + r.gpuHours.contextExtension + r.gpuHours.postTraining).toBe(r.gpuHours.total); // 2,664K + 119K + 5K
    expect(r.gpuHoursPerTrillionTokens * 14.8).toBeCloseTo(r.gpuHours.preTraining, 6);                            // 180K · 14.8 = 2,664K
    expect(r.gpuHours.total * r.pricePerGpuHourUSD).toBeCloseTo(r.costUSD.total, 6);                             // 2.788M · $2 = $5.576M
  });

  it("DeepSeek-V3: 6·N·D = 3.2856e24 FLOPs, implying 33.1% MFU of H800's dense BF16 peak", () => {
    const f = trainingFlops(37e9, 14.8e12);
    expect(f).toBeCloseTo(3.2856e24, -19);                          // 6 · 37e9 · 14.8e12 = 222e9 · 14.8e12
    // 2.788e6 h · 3600 s = 1.00368e10 s; · 989.5e12 = 9.931414e24 FLOPs available; 3.2856 / 9.931414 = 0.330829
    expect(impliedMfu(f, 2.788e6, 989.5)).toBeCloseTo(0.330829, 5);
    // against the FP8 peak (1,979 TFLOPS) the same run is half that: 0.165415
    expect(impliedMfu(f, 2.788e6, 1979)).toBeCloseTo(0.165415, 5);
    // estimate at 40% MFU: 3.2856e24 / (989.5e12 · 0.4) / 3600 = 2,305,878 GPU-hours, $4.61M at $2
    const e = estimateTraining({ activeParams: 37e9, tokens: 14.8e12, peakTFLOPS: 989.5, mfu: 0.4, pricePerGpuHourUSD: 2, nGpus: 2048 });
    expect(e.gpuHours).toBeCloseTo(2_305_878.4, 0);
    expect(e.costUSD).toBeCloseTo(4_611_756.9, 0);
    expect(e.days).toBeCloseTo(2_305_878.4 / 2048 / 24, 6);        // 46.9 days
  });

  it("Llama 3.1 405B: 6·N·D matches the paper's 3.8e25 and implies ~34.5% MFU, close to DeepSeek-V3's", () => {
    const l = LLAMA_31_405B_REPORTED;
    const f = trainingFlops(l.activeParams, l.pretrainTokens);       // 6 · 405e9 · 15.6e12 = 3.7908e25
    expect(f).toBeCloseTo(3.7908e25, -20);
    expect(f / l.reportedFlops).toBeCloseTo(1, 1);                   // the paper rounds to 3.8e25
    // 30.84e6 h · 3600 s = 1.11024e11 s; · 989.5e12 = 1.098582e26; 3.7908e25 / 1.098582e26 = 0.345063
    expect(impliedMfu(f, l.gpuHours.total, 989.5)).toBeCloseTo(0.345063, 5);
    // GPU-hours ratio Llama / DeepSeek = 30.84 / 2.788 = 11.06; 6ND ratio = 3.7908e25 / 3.2856e24 = 11.54
    expect(l.gpuHours.total / DEEPSEEK_V3_REPORTED.gpuHours.total).toBeCloseTo(11.0617, 3);
  });

  it("refuses impossible inputs with a clear message", () => {
    expect(() => gpuHoursFor(1e20, 989.5, 40)).toThrow(/mfu must be in \(0, 1\]; got 40 \(a percentage\? write 0.4\)/);
    expect(() => gpuHoursFor(1e20, 989.5, 0)).toThrow(/mfu must be in \(0, 1\]/);
    expect(() => trainingFlops(-37e9, 1e12)).toThrow(/activeParams must be a finite number > 0; got -37000000000/);
    expect(() => impliedMfu(3.2856e24, 1000, 989.5)).toThrow(/would need MFU .* > 1/);
    expect(() => wallClockDays(10, 0)).toThrow(/nGpus must be an integer >= 1/);
  });
});
