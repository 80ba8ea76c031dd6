import { describe, expect, it } from "vitest";
import {
  arithmeticIntensity, attainableTFLOPS, attentionDecodeOp, expectedDistinctExperts, matmulOp, moeExpertsOp,
  ridgePoint, roofline,
} from "../../lib/hardware/roofline.js";
import { loadDeepSeekV3Serving } from "../../lib/hardware/serving.js";

const DEEPSEEK_V3_SERVING = await loadDeepSeekV3Serving();

const H800_BF16 = { peakTFLOPS: 989.5, bandwidthTBps: 3.35 };
const H800_FP8 = { peakTFLOPS: 1979, bandwidthTBps: 3.35 };

describe("roofline", () => {
  it("ridge point and attainable throughput by hand", () => {
    // 989.5 TFLOPS / 3.35 TB/s = 295.3731... FLOPs per byte
    expect(ridgePoint(H800_BF16)).toBeCloseTo(295.37313, 4);
    // below the ridge: 100 FLOP/B × 3.35 TB/s = 335 TFLOPS; above: capped at the 989.5 peak
    expect(attainableTFLOPS(100, H800_BF16)).toBeCloseTo(335, 9);
    expect(attainableTFLOPS(1000, H800_BF16)).toBe(989.5);
  });

  it("matmul FLOPs, bytes and verdict by hand", () => {
    // [128,256]·[256,512]: 2·128·256·512 = 33,554,432 FLOPs; (32,768 + 131,072 + 65,536)·2 B = 458,752 B
    const op = matmulOp(128, 256, 512);
    expect(op.flops).toBe(33_554_432);
    expect(op.bytes).toBe(458_752);
    expect(arithmeticIntensity(op)).toBeCloseTo(512 / 7, 9);  // 73.142857
    const p = roofline(op, H800_BF16);
    expect(p.bound).toBe("memory");
    expect(p.attainableTFLOPS).toBeCloseTo((512 / 7) * 3.35, 9);  // 245.0286 TFLOPS
    // time = max(flops/peak, bytes/bw) = max(3.391e-8, 1.3694e-7) s = 458,752 / 3.35e12
    expect(p.seconds).toBeCloseTo(458_752 / 3.35e12, 18);
    // a prefill matmul, 4096 tokens through a 7168×7168 weight: 2·4096·7168² = 420,906,795,008 FLOPs over
    // (4096·7168·2 + 7168²)·2 = 220,200,960 B → 1911.5 FLOP/B: compute-bound
    const pre = roofline(matmulOp(4096, 7168, 7168), H800_BF16);
    expect(pre.flops).toBe(420_906_795_008);
    expect(pre.bytes).toBe(220_200_960);
    expect(pre.bound).toBe("compute");
    expect(pre.fractionOfPeak).toBe(1);
  });

  it("decode attention: MHA reads every byte for ~1 FLOP; MLA's shared latent gives ~2·nHeads FLOPs per element", () => {
    const mha = attentionDecodeOp("mha", { nLayers: 2, nHeads: 4, headDim: 8 }, 10);
    // cache: 2·4·8 per layer · 2 layers = 128 numbers/token; 10 tokens · 128 · 2 B = 2,560 B
    // FLOPs: 2 layers · 2·4 heads·10 keys·(8 + 8) = 2 · 1,280 = 2,560
    expect(mha.bytes).toBe(2560);
    expect(mha.flops).toBe(2560);
    const mla = attentionDecodeOp("mla", { nLayers: 2, nHeads: 4, headDim: 8, kvLoraRank: 16, qkRopeHeadDim: 4 }, 10);
    // cache: (16 + 4) · 2 layers = 40 numbers/token; 10 · 40 · 2 B = 800 B
    // FLOPs: 2 layers · 2·4·10·(2·16 + 4) = 2 · 2,880 = 5,760
    expect(mla.bytes).toBe(800);
    expect(mla.flops).toBe(5760);
    // batching decode does not change attention's intensity: each sequence reads its own cache
    const mla8 = attentionDecodeOp("mla", { nLayers: 2, nHeads: 4, headDim: 8, kvLoraRank: 16, qkRopeHeadDim: 4 }, 10, { batch: 8 });
    expect(arithmeticIntensity(mla8)).toBeCloseTo(arithmeticIntensity(mla), 12);
  });

  it("DeepSeek-V3 decode attention on H800: MHA at 1 FLOP/B, MLA at 241.8 FLOP/B, both under the 295 ridge", () => {
    const s = DEEPSEEK_V3_SERVING.shape;
    // MHA: 2·128·L·256 FLOPs per layer over L·2·128·128·2 B per layer = 1 FLOP/B
    expect(arithmeticIntensity(attentionDecodeOp("mha", s, 4096))).toBeCloseTo(1, 12);
    // MLA: 2·128·L·(1024 + 64) FLOPs over L·576·2 B = 128·1088/576 = 241.777...
    expect(arithmeticIntensity(attentionDecodeOp("mla", s, 4096))).toBeCloseTo(128 * 1088 / 576, 9);
    expect(roofline(attentionDecodeOp("mla", s, 4096), H800_BF16).bound).toBe("memory");
  });

  it("MoE experts: distinct experts touched and intensity at batch 1 / 64 / 1024", () => {
    expect(expectedDistinctExperts(1, 256, 8)).toBeCloseTo(8, 12);
    // 4 experts, top-2, 2 tokens: 4·(1 − (1/2)²) = 3
    expect(expectedDistinctExperts(2, 4, 2)).toBeCloseTo(3, 12);
    // one token, 4 experts, top-2, dModel 8, hidden 16, FP8 weights, BF16 activations:
    // FLOPs 6·1·2·8·16 = 1,536; bytes: 2 experts·3·8·16·1 + 2·1·2·8·2 = 768 + 64 = 832
    const op = moeExpertsOp({ batchTokens: 1, nExperts: 4, topK: 2, dModel: 8, expertFfnHidden: 16 });
    expect(op.flops).toBe(1536);
    expect(op.bytes).toBeCloseTo(832, 9);
    const v3 = (b: number) => roofline(moeExpertsOp({ batchTokens: b, nExperts: 256, topK: 8, dModel: 7168, expertFfnHidden: 2048 }), H800_FP8);
    expect(v3(1).intensity).toBeCloseTo(2, 2);          // each weight byte (FP8) used for one multiply-add
    expect(v3(1).bound).toBe("memory");
    expect(v3(1024).intensity).toBeGreaterThan(v3(64).intensity);
    expect(v3(1024).bound).toBe("memory");             // ~63 FLOP/B, still far below FP8's 591 ridge
    expect(() => expectedDistinctExperts(1, 4, 8)).toThrow(/topK 8 > nExperts 4/);
  });

  it("refuses impossible inputs", () => {
    expect(() => matmulOp(-1, 2, 3)).toThrow(/matmulOp: m must be an integer >= 1; got -1/);
    expect(() => ridgePoint({ peakTFLOPS: 100, bandwidthTBps: 0 })).toThrow(/bandwidthTBps must be a finite number > 0/);
    expect(() => attentionDecodeOp("mla", { nLayers: 2, nHeads: 4, headDim: 8 }, 10)).toThrow(/MLA needs kvLoraRank/);
  });
});
