/** Edge cases of the gate: ties, degenerate configs, group masks, the bias, gradients, errors, leaks. */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { useTestBackend, expectNoLeaks } from "../helpers/backend.js";
import { route, disposeRoute, selectExperts, validateGateConfig, type GateConfig } from "../../lib/moe/gate.js";

beforeAll(async () => {
  await useTestBackend();
});

describe("route edge cases", () => {
  it("breaks ties toward the lower expert index (all scores equal)", async () => {
    const x = tf.zeros([3, 4]) as tf.Tensor2D;
    const g = tf.ones([4, 6]) as tf.Tensor2D;
    for (const scoreFunc of ["softmax", "sigmoid"] as const) {
      const r = route(x, g, { nExperts: 6, topK: 3, scoreFunc });
      expect(await r.indices.array()).toEqual([[0, 1, 2], [0, 1, 2], [0, 1, 2]]);
      const want = scoreFunc === "softmax" ? 1 / 6 : 1 / 3; // sigmoid weights renormalise
      for (const v of await r.weights.data()) expect(v).toBeCloseTo(want, 6);
      disposeRoute(r);
    }
    tf.dispose([x, g]);
  });

  it("breaks ties between groups toward the lower group index", async () => {
    // Two experts per group, every group identical: groups 0 and 1 win, so experts 0..3 are eligible.
    const s = tf.tensor2d([[0.9, 0.1, 0.9, 0.1, 0.9, 0.1, 0.9, 0.1]]);
    const idx = selectExperts(s, { nExperts: 8, topK: 3, scoreFunc: "sigmoid", nGroups: 4, topKGroups: 2 });
    expect(await idx.array()).toEqual([[0, 2, 1]]);
    tf.dispose([s, idx]);
  });

  it("topK = nExperts picks everyone, best first, and softmax weights sum to 1", async () => {
    const x = tf.tensor2d([[1, -2, 0.5]]);
    const g = tf.tensor2d([[1, 0, -1, 2], [0, 1, 0, -1], [3, 0, 1, 0]]);
    const r = route(x, g, { nExperts: 4, topK: 4, scoreFunc: "softmax" });
    const sc = Array.from(await r.scores.data());
    const order = [0, 1, 2, 3].sort((a, b) => sc[b]! - sc[a]!);
    expect(Array.from(await r.indices.data())).toEqual(order);
    expect(Array.from(await r.weights.data()).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    disposeRoute(r);
    tf.dispose([x, g]);
  });

  it("topKGroups = nGroups is the same as no group limit", async () => {
    const x = tf.randomNormal([20, 6], 0, 1, "float32", 11) as tf.Tensor2D;
    const g = tf.randomNormal([6, 12], 0, 1, "float32", 12) as tf.Tensor2D;
    const b = tf.randomNormal([12], 0, 0.3, "float32", 13) as tf.Tensor1D;
    const base: GateConfig = { nExperts: 12, topK: 4, scoreFunc: "sigmoid", routeScale: 2.5 };
    const a = route(x, g, base, b);
    const c = route(x, g, { ...base, nGroups: 4, topKGroups: 4 }, b);
    expect(await c.indices.array()).toEqual(await a.indices.array());
    expect(await c.weights.array()).toEqual(await a.weights.array());
    disposeRoute(a);
    disposeRoute(c);
    tf.dispose([x, g, b]);
  });

  it("never picks from a masked group, even its single best expert", async () => {
    // Group 0 holds the best expert (0.99) but its second is poor; with a bias, groups are scored
    // by their two best, so group 0 (0.99 + 0.0) loses to groups 1 (0.6 + 0.6) and 2 (0.5 + 0.5).
    const s = tf.tensor2d([[0.99, 0.0, 0.6, 0.6, 0.5, 0.5]]);
    const zero = tf.zeros([6]) as tf.Tensor1D;
    const cfg: GateConfig = { nExperts: 6, topK: 2, scoreFunc: "sigmoid", nGroups: 3, topKGroups: 2 };
    const withBias = selectExperts(s, cfg, zero);
    const picked = Array.from(await withBias.data());
    expect(picked).not.toContain(0);
    expect(picked).toEqual([2, 3]);
    // Without a bias a group is scored by its best expert: group 0 (0.99) wins and expert 0 is first.
    const noBias = selectExperts(s, cfg);
    expect(Array.from(await noBias.data())).toEqual([0, 2]);
    tf.dispose([s, zero, withBias, noBias]);
  });

  it("the bias changes the choice but not the weights (selection only)", async () => {
    const x = tf.tensor2d([[1, 0], [0, 1]]);
    const g = tf.tensor2d([[2, 1, 0], [0, 1, 2]]);
    const cfg: GateConfig = { nExperts: 3, topK: 1, scoreFunc: "sigmoid" };
    const push = tf.tensor1d([0, 5, 0]); // makes expert 1 win every selection
    const plain = route(x, g, { ...cfg, topK: 2 });
    const biased = route(x, g, { ...cfg, topK: 2 }, push);
    expect(await plain.indices.array()).toEqual([[0, 1], [2, 1]]);
    expect(await biased.indices.array()).toEqual([[1, 0], [1, 2]]);
    const s = (await biased.scores.array()) as number[][];
    const w = (await biased.weights.array()) as number[][];
    // Weights are the unbiased scores of the chosen experts, renormalised (sigmoid).
    expect(w[0]![0]).toBeCloseTo(s[0]![1]! / (s[0]![1]! + s[0]![0]!), 6);
    expect(w[1]![1]).toBeCloseTo(s[1]![2]! / (s[1]![1]! + s[1]![2]!), 6);
    [plain, biased].forEach(disposeRoute);
    tf.dispose([x, g, push]);
  });

  it("lets gradients reach the gate weight through the combine weights (no TopK gradient needed)", async () => {
    const x = tf.randomNormal([5, 4], 0, 1, "float32", 3) as tf.Tensor2D;
    const gv = tf.variable(tf.randomNormal([4, 6], 0, 1, "float32", 4));
    const target = tf.randomNormal([5, 2], 0, 1, "float32", 5);
    const { value, grads } = tf.variableGrads(() => {
      const r = route(x, gv as unknown as tf.Tensor2D, { nExperts: 6, topK: 2, scoreFunc: "sigmoid", nGroups: 2, topKGroups: 1 }, tf.zeros([6]) as tf.Tensor1D);
      return tf.sum(tf.square(tf.sub(r.weights, target))) as tf.Scalar;
    }, [gv]);
    const gsum = (await tf.abs(grads[gv.name]!).sum().data())[0]!;
    expect(Number.isFinite(gsum) && gsum > 0).toBe(true);
    tf.dispose([x, gv, target, value, grads[gv.name]!]);
  });

  it("rejects bad configs with clear messages", () => {
    expect(() => validateGateConfig({ nExperts: 4, topK: 5, scoreFunc: "softmax" })).toThrow(/topK \(5\) > nExperts \(4\)/);
    expect(() => validateGateConfig({ nExperts: 10, topK: 2, scoreFunc: "softmax", nGroups: 4, topKGroups: 2 })).toThrow(/% nGroups/);
    expect(() => validateGateConfig({ nExperts: 8, topK: 5, scoreFunc: "sigmoid", nGroups: 4, topKGroups: 2 })).toThrow(/topKGroups · expertsPerGroup/);
    expect(() => validateGateConfig({ nExperts: 8, topK: 2, scoreFunc: "sigmoid", nGroups: 4, topKGroups: 5 })).toThrow(/topKGroups/);
    expect(() => validateGateConfig({ nExperts: 8, topK: 0, scoreFunc: "sigmoid" })).toThrow(/topK/);
    expect(() => validateGateConfig({ nExperts: 8, topK: 2, scoreFunc: "relu" as "softmax" })).toThrow(/scoreFunc/);
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    const g = tf.zeros([3, 4]) as tf.Tensor2D;
    const badBias = tf.zeros([5]) as tf.Tensor1D;
    expect(() => route(x, g, { nExperts: 4, topK: 2, scoreFunc: "softmax" }, badBias)).toThrow(/bias must be/);
    expect(() => route(x, g, { nExperts: 5, topK: 2, scoreFunc: "softmax" })).toThrow(/nExperts/);
    tf.dispose([x, g, badBias]);
  });

  it("leaks no tensors, with and without groups and bias", async () => {
    const x = tf.randomNormal([8, 4], 0, 1, "float32", 1) as tf.Tensor2D;
    const g = tf.randomNormal([4, 8], 0, 1, "float32", 2) as tf.Tensor2D;
    const b = tf.zeros([8]) as tf.Tensor1D;
    await expectNoLeaks(() => disposeRoute(route(x, g, { nExperts: 8, topK: 2, scoreFunc: "softmax" })));
    await expectNoLeaks(() => disposeRoute(route(x, g, { nExperts: 8, topK: 3, scoreFunc: "sigmoid", nGroups: 4, topKGroups: 2 }, b)));
    tf.dispose([x, g, b]);
  });
});
