/** The balancing experiment machinery, on a tiny configuration (seconds, not minutes). */
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { onGpuBackend, useTestBackend } from "../helpers/backend.js";
import {
  arithmeticTable, runBalanceExperiment, trainBalanceRun,
} from "../../lib/moe/experiment.js";
import { loadBalanceExperiment, saveBalanceExperiment } from "../../lib/moe/balanceResults.js";

beforeAll(async () => {
  await useTestBackend();
});

const tiny = { p: 5, nFamilies: 2, dModel: 8, ffnHidden: 4, nExperts: 4, topK: 2, steps: 6, batch: 16, logEvery: 2, seeds: [3] };

describe("balance experiment", () => {
  it("builds the arithmetic table", () => {
    const t = arithmeticTable(5, 4);
    expect(t.length).toBe(100);
    expect(t.find((r) => r.fam === 1 && r.a === 1 && r.b === 3)!.y).toBe(3); // 1 − 3 ≡ 3 (mod 5)
    expect(t.find((r) => r.fam === 3 && r.a === 3 && r.b === 2)!.y).toBe(1); // 9 + 2 ≡ 1 (mod 5)
    expect(() => arithmeticTable(5, 9)).toThrow(/nFamilies/);
  });

  it("is reproducible from its seed and leaves no tensors behind (bias mode, 2 steps)", async () => {
    const before = tf.memory().numTensors;
    const a = await trainBalanceRun("biasFree", { ...tiny, steps: 2, seed: 5 });
    expect(tf.memory().numTensors).toBe(before);
    const b = await trainBalanceRun("biasFree", { ...tiny, steps: 2, seed: 5 });
    expect(b.loss).toEqual(a.loss);
    expect(b.final.bias).toEqual(a.final.bias);
    expect(a.final.bias).toHaveLength(4);
    // Every row of the 50-row table makes topK = 2 assignments.
    expect(a.final.familyExpert.flat().reduce((x, y) => x + y, 0)).toBe(100);
    expect(a.final.load.reduce((x, y) => x + y, 0)).toBe(100);
  });

  // Training makes many small ops of changing shapes; on WebGPU each new shape compiles a shader,
  // which on CI's software GPU takes minutes for this test, so it runs on the CPU backends only.
  it("runs every mode, records what it promises, and saves/loads its results", async ({ skip }) => {
    if (onGpuBackend()) skip();
    const before = tf.memory().numTensors;
    const r = await runBalanceExperiment(tiny);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.runs.map((x) => x.mode)).toEqual(["none", "auxLoss", "biasFree"]);
    for (const run of r.runs) {
      expect(run.steps).toEqual([1, 2, 4, 6]);
      expect(run.maxVio.length).toBe(4);
      expect(run.final.familyExpert.length).toBe(2);
      expect(run.final.accuracy).toBeGreaterThanOrEqual(0);
    }
    expect(r.runs[0]!.final.bias).toBeUndefined();
    const path = join(mkdtempSync(join(tmpdir(), "moe-exp-")), "r.json");
    await saveBalanceExperiment(r, path);
    const back = await loadBalanceExperiment(path);
    expect(back.runs.length).toBe(3);
    expect(back.runs[0]!.final.load).toEqual(r.runs[0]!.final.load);
  });

  it("the committed results load and cover all three modes", async () => {
    const r = await loadBalanceExperiment();
    expect(new Set(r.runs.map((x) => x.mode))).toEqual(new Set(["none", "auxLoss", "biasFree"]));
    for (const run of r.runs) expect(run.final.familyExpert.length).toBe(r.families.length);
  });
});
