import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { useTestBackend } from "../helpers/backend.js";
import { datasetPath } from "../../lib/data.js";
import {
  evaluateArithmetic,
  heldOutProblems,
  trainTinyModel,
} from "../../lib/reasoning/experiments.js";
import { loadCotCheckpoint, loadCotResults } from "../../lib/reasoning/cotResults.js";
import { problemKey, problemStream } from "../../lib/reasoning/problems.js";
import { TinyLLM } from "../../lib/reasoning/tinyLLM.js";

beforeAll(async () => {
  await useTestBackend();
});

describe("held-out sets", () => {
  it("are fixed, unique, and never produced by the training stream", () => {
    const test = heldOutProblems({ task: "mul" });
    expect(test).toHaveLength(500);
    expect(heldOutProblems({ task: "mul" })).toEqual(test);
    const keys = new Set(test.map((p) => problemKey(p.a, p.b, p.op)));
    expect(keys.size).toBe(500);
    const s = problemStream("*", 8, { exclude: keys });
    for (let i = 0; i < 2000; i++) {
      const p = s.next();
      expect(keys.has(problemKey(p.a, p.b, p.op))).toBe(false);
    }
    expect(heldOutProblems({ task: "add" })[0]!.a).toBeGreaterThanOrEqual(100);
  });
});

describe("trainTinyModel", () => {
  it("turns a token budget into steps and reports a held-out evaluation", async () => {
    const before = tf.memory().numTensors;
    const run = await trainTinyModel({ task: "add", style: "direct", digits: 1, model: { dModel: 16, nLayers: 1, nHeads: 2, ffnHidden: 32 }, tokenBudget: 4 * 16 * 6, batchSize: 16, evalProblems: 20, logEvery: 1 });
    expect(run.train.steps).toBe(4); // "a+b=" + answer: 6 or 7 input tokens per example (<bos> included)
    expect(run.eval!.n).toBe(20);
    expect(run.params).toBe(run.model.paramCount);
    run.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("committed results and checkpoints (datasets/cot_*)", () => {
  it("the results file has every experiment, each with the command that made it", async () => {
    const r = await loadCotResults();
    expect(r.command).toMatch(/cot-experiments\.mjs all/);
    for (const task of ["mul", "add"]) for (const style of ["direct", "cot"]) expect(r.runs.some((x) => x.task === task && x.style === style)).toBe(true);
    for (const run of r.runs) {
      expect(run.eval.n).toBe(500);
      expect(run.eval.lo).toBeLessThanOrEqual(run.eval.accuracy + 1e-9);
      expect(run.eval.hi).toBeGreaterThanOrEqual(run.eval.accuracy - 1e-9);
      expect(run.command).toMatch(/cot-experiments\.mjs train/);
    }
    const c = r.consistency.small!;
    expect(c.curve.map((p) => p.k)).toContain(32);
    expect(r.rl.small!.grpo.length).toBeGreaterThan(0);
    expect(r.rl.small!.sft).not.toBeNull();
  });

  it("the committed CoT model still multiplies (greedy, 60 held-out problems)", async () => {
    const { model, tokenizer, meta } = await loadCotCheckpoint();
    expect(meta.style).toBe("cot");
    const e = await evaluateArithmetic(model, tokenizer, heldOutProblems({ task: "mul" }).slice(0, 60), "cot");
    expect(e.accuracy).toBeGreaterThan(0.4); // 68.8% on all 500 when committed
    const llm = new TinyLLM(model, tokenizer);
    await expect(llm.complete("What is 47 times 83?")).rejects.toThrow(/reads only/);
    model.dispose();
    expect(await datasetPath("cot_results.json")).toMatch(/datasets\/cot_results\.json$/);
  });
});
