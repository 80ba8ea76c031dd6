// KV-cache arithmetic against DeepSeek-V2's paper (arXiv 2405.04434, Table 1 and §2.1) and the
// published configs in datasets/deepseek_configs.json.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  kvCacheBytes,
  kvCacheBytesPerToken,
  kvCacheElementsPerToken,
  kvCacheElementsPerTokenPerLayer,
  tokensThatFit,
  type ModelShape,
} from "../../lib/attention/memory.js";

const v2: ModelShape = { nLayers: 60, nHeads: 128, headDim: 128, kvLoraRank: 512, qkRopeHeadDim: 64 };

describe("KV-cache size", () => {
  it("reproduces DeepSeek-V2 Table 1: 2·n_h·d_h = 32,768 vs d_c + d_h^R = 576 per layer", () => {
    expect(kvCacheElementsPerTokenPerLayer("mha", v2)).toBe(32768);
    expect(kvCacheElementsPerTokenPerLayer("mla", v2)).toBe(576);
    expect(kvCacheElementsPerTokenPerLayer("mqa", v2)).toBe(256);
    expect(kvCacheElementsPerTokenPerLayer("gqa", { ...v2, nKvHeads: 8 })).toBe(2048);
    // Table 1: MLA ≈ (9/2)·d_h·l, i.e. GQA with 2.25 groups
    expect(kvCacheElementsPerTokenPerLayer("mla", v2) / 128).toBe(4.5);
  });
  it("sums over layers and converts to bytes", () => {
    expect(kvCacheElementsPerToken("mla", v2)).toBe(576 * 60);
    expect(kvCacheBytesPerToken("mla", { ...v2, nLayers: 61 })).toBe(70272); // V3, BF16
    expect(kvCacheBytes("mha", v2, 10, 1)).toBe(32768 * 60 * 10);
    expect(tokensThatFit(1000, 300)).toBe(3);
    expect(tokensThatFit(-5, 300)).toBe(0);
  });
  it("names a missing field", () => {
    expect(() => kvCacheElementsPerToken("gqa", v2)).toThrow(/nKvHeads/);
    expect(() => kvCacheElementsPerToken("mla", { nLayers: 1, nHeads: 1, headDim: 1 })).toThrow(/kvLoraRank/);
    expect(() => kvCacheElementsPerToken("xyz" as never, v2)).toThrow(/kind must be/);
  });
});

describe("datasets/deepseek_configs.json", () => {
  const doc = JSON.parse(readFileSync(new URL("../../datasets/deepseek_configs.json", import.meta.url), "utf8")) as {
    models: Record<string, ModelShape & { source: string }>;
  };
  it("holds V2-Lite, V2 and V3 with their sources", () => {
    expect(Object.keys(doc.models)).toEqual(["DeepSeek-V2-Lite", "DeepSeek-V2", "DeepSeek-V3"]);
    for (const m of Object.values(doc.models)) expect(m.source).toMatch(/^https:\/\/huggingface.co\/deepseek-ai\//);
  });
  it("gives V2's Table 1 numbers and V3's 70,272 BF16 bytes per token", () => {
    const v2m = doc.models["DeepSeek-V2"]!;
    expect(kvCacheElementsPerTokenPerLayer("mha", v2m)).toBe(32768);
    expect(kvCacheElementsPerTokenPerLayer("mla", v2m)).toBe(576);
    expect(kvCacheBytesPerToken("mla", doc.models["DeepSeek-V3"]!)).toBe(70272);
    expect(kvCacheBytesPerToken("mha", doc.models["DeepSeek-V3"]!)).toBe(2 * 128 * 128 * 61 * 2);
  });
});

describe("loadDeepSeekConfigs", () => {
  it("finds and validates the committed file", async () => {
    const { loadDeepSeekConfigs } = await import("../../lib/attention/configs.js");
    const m = await loadDeepSeekConfigs();
    expect(m["DeepSeek-V3"]!.nLayers).toBe(61);
    expect(kvCacheElementsPerTokenPerLayer("mla", m["DeepSeek-V2-Lite"]!)).toBe(576);
  });
});
