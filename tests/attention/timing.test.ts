// The measurement helpers behind the notebook's decode chart and bench/mla.mjs: they run, report
// the cache size, and free everything (never asserts speed).
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectNoLeaks, useTestBackend } from "../helpers/backend.js";
import { initMHAWeights } from "../../lib/attention/mha.js";
import { initMLAWeights, type MLAConfig } from "../../lib/attention/mla.js";
import { timeDecodeStep, timePrefill, type AttentionLayer } from "../../lib/attention/timing.js";

beforeAll(async () => {
  await useTestBackend();
});

describe("timeDecodeStep / timePrefill", () => {
  const cfg: MLAConfig = { dModel: 16, nHeads: 2, qLoraRank: 0, kvLoraRank: 8, qkNopeHeadDim: 4, qkRopeHeadDim: 2, vHeadDim: 4, maxSeqLen: 24 };
  const w = initMLAWeights(cfg, 1);
  const mhaCfg = { dModel: 16, nHeads: 2, headDim: 4, maxSeqLen: 24 };
  const layers: AttentionLayer[] = [
    { kind: "mla", mode: "naive", cfg, weights: w },
    { kind: "mla", mode: "absorbed", cfg, weights: w },
    { kind: "mha", cfg: mhaCfg, weights: initMHAWeights(mhaCfg, 2) },
  ];
  it("report times and cache sizes and leave nothing behind", async () => {
    const sizes: number[] = [];
    for (const layer of layers) {
      await expectNoLeaks(async () => {
        const t = await timeDecodeStep(layer, 12, { steps: 2, warmup: 1 });
        expect(t.runs).toBe(2);
        expect(t.medianMs).toBeGreaterThan(0);
        sizes.push(t.cacheElementsPerToken);
        const p = await timePrefill(layer, 8, { runs: 1, warmup: 0 });
        expect(p.tokensPerSecond).toBeGreaterThan(0);
      });
    }
    expect(sizes).toEqual([2 * (4 + 2) + 2 * 4, 8 + 2, 2 * 2 * 4]);
  });
  it("refuses a context the layer cannot hold", async () => {
    await expect(timeDecodeStep(layers[0]!, 20, { steps: 4, warmup: 1 })).rejects.toThrow(/maxSeqLen=24 is too short/);
    expect(tf.memory().numTensors).toBeGreaterThan(0);
  });
});
