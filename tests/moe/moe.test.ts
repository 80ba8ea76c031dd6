/** Sparse dispatch = dense reference; capacity; empty experts; the differentiable path; leaks. */
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { useTestBackend, expectNoLeaks, rtolFor } from "../helpers/backend.js";
import { route, disposeRoute, type GateConfig } from "../../lib/moe/gate.js";
import {
  denseCombine, dispatchCombine, disposeMoEWeights, expertCapacity, initMoEWeights, moeForward,
  moeForwardDense, moeForwardWithStats, planDispatch,
} from "../../lib/moe/moe.js";
import { expectClose } from "../helpers/close.js";
import { Rng } from "../../lib/random.js";

beforeAll(async () => {
  await useTestBackend();
});

describe("planDispatch", () => {
  it("groups assignments by expert, token order within an expert", () => {
    // 3 tokens, top-2 over 4 experts.
    const p = planDispatch([1, 0, 1, 3, 0, 1], 2, 4);
    expect(p.tokens.map((t) => Array.from(t))).toEqual([[0, 2], [0, 1, 2], [], [1]]);
    expect(p.slots.map((s) => Array.from(s))).toEqual([[1, 0], [0, 0, 1], [], [1]]);
    expect(p.load).toEqual([2, 3, 0, 1]);
    expect(p.dropped).toBe(0);
    expect(p.droppedTokens).toBe(0);
  });

  it("with a capacity, places every first choice before any second choice", () => {
    // Expert 0 is token 2's first choice and tokens 0 and 1's second choice; capacity 1.
    const p = planDispatch([1, 0, 2, 0, 0, 3], 2, 4, 1);
    expect(Array.from(p.tokens[0]!)).toEqual([2]); // the first choice wins over earlier tokens' second choices
    expect(p.routed).toEqual([3, 1, 1, 1]);
    expect(p.load).toEqual([1, 1, 1, 1]);
    expect(p.dropped).toBe(2);
    expect(p.droppedTokens).toBe(0);
    const q = planDispatch([0, 0, 0, 0], 1, 2, 2);
    expect(q.droppedTokens).toBe(2);
    expect(expertCapacity(10, 2, 4, 1.25)).toBe(7);
  });

  it("equals the rule written out (choice-major capacity, token order per expert) on random routes", () => {
    const rng = new Rng(17);
    for (const [nTokens, topK, nExperts, capacity] of [[50, 3, 7, undefined], [64, 2, 4, 20], [30, 4, 16, 3], [9, 1, 3, 0]] as [number, number, number, number | undefined][]) {
      // distinct experts per token, as a top-k gives
      const idx = Array.from({ length: nTokens }, () => rng.shuffle(Array.from({ length: nExperts }, (_, e) => e)).slice(0, topK)).flat();
      const toks: number[][] = Array.from({ length: nExperts }, () => []);
      const slots: number[][] = Array.from({ length: nExperts }, () => []);
      for (let k = 0; k < topK; k++) {
        for (let t = 0; t < nTokens; t++) {
          const e = idx[t * topK + k]!;
          if (capacity !== undefined && toks[e]!.length >= capacity) continue;
          toks[e]!.push(t);
          slots[e]!.push(k);
        }
      }
      const order = toks.map((ts) => ts.map((_, i) => i).sort((a, b) => ts[a]! - ts[b]!));
      const p = planDispatch(idx, topK, nExperts, capacity);
      expect(p.tokens.map((t) => Array.from(t))).toEqual(toks.map((ts, e) => order[e]!.map((i) => ts[i]!)));
      expect(p.slots.map((t) => Array.from(t))).toEqual(slots.map((ss, e) => order[e]!.map((i) => ss[i]!)));
      expect(p.load).toEqual(toks.map((ts) => ts.length));
      expect(p.dropped).toBe(nTokens * topK - toks.reduce((a, ts) => a + ts.length, 0));
      expect(p.droppedTokens).toBe(Array.from({ length: nTokens }, (_, t) => toks.some((ts) => ts.includes(t))).filter((kept) => !kept).length);
    }
  });

  it("rejects bad input", () => {
    expect(() => planDispatch([0, 1, 2], 2, 4)).toThrow(/multiple of topK/);
    expect(() => planDispatch([0, 4], 1, 4)).toThrow(/outside/);
  });
});

describe("moeForward: sparse dispatch equals the dense masked reference", () => {
  const cases: [string, GateConfig, number][] = [
    ["softmax top-2", { nExperts: 8, topK: 2, scoreFunc: "softmax" }, 0],
    ["sigmoid top-3 with a shared expert", { nExperts: 8, topK: 3, scoreFunc: "sigmoid", routeScale: 2.5 }, 1],
    ["group-limited, two shared experts", { nExperts: 16, topK: 4, scoreFunc: "sigmoid", nGroups: 4, topKGroups: 2 }, 2],
    ["topK = nExperts", { nExperts: 4, topK: 4, scoreFunc: "softmax" }, 0],
  ];
  it.each(cases)("%s", async (_n, cfg, nShared) => {
    const w = initMoEWeights(8, 12, cfg.nExperts, 5, { nShared, withBias: cfg.scoreFunc === "sigmoid" });
    const x = tf.randomNormal([24, 8], 0, 1, "float32", 9) as tf.Tensor2D;
    const sparse = await moeForward(x, w, cfg);
    const dense = moeForwardDense(x, w, cfg);
    await expectClose(sparse, dense, { rtol: rtolFor(1e-5), atol: 1e-5 });
    tf.dispose([x, sparse, dense]);
    disposeMoEWeights(w);
  });

  it("handles an expert that receives no tokens", async () => {
    const cfg: GateConfig = { nExperts: 6, topK: 2, scoreFunc: "sigmoid" };
    const w = initMoEWeights(8, 12, 6, 3, { withBias: true });
    // A very negative bias on expert 4 means it is never selected.
    (w.bias as unknown as tf.Variable).assign(tf.tensor1d([0, 0, 0, 0, -100, 0]));
    const x = tf.randomNormal([16, 8], 0, 1, "float32", 4) as tf.Tensor2D;
    const out = await moeForwardWithStats(x, w, cfg);
    expect(out.plan.load[4]).toBe(0);
    const dense = moeForwardDense(x, w, cfg);
    await expectClose(out.y, dense, { rtol: rtolFor(1e-5), atol: 1e-5 });
    tf.dispose([x, out.y, out.weights, out.indices, out.scores, dense]);
    disposeMoEWeights(w);
  });

  it("with a capacity factor, drops overflow assignments (= dense with their weights zeroed)", async () => {
    const cfg: GateConfig = { nExperts: 4, topK: 2, scoreFunc: "softmax" };
    const w = initMoEWeights(8, 12, 4, 21);
    // Skew the gate toward expert 0 (x ≥ 0 below) so that it overflows.
    const skew = tf.tidy(() => tf.add(w.gate, tf.tensor2d([[1.5, 0, 0, 0]])));
    const ws = { ...w, gate: skew as tf.Tensor2D };
    const x = tf.randomNormal([32, 8], 0, 1, "float32", 22).abs() as tf.Tensor2D;
    const out = await moeForwardWithStats(x, ws, cfg, { capacityFactor: 1.0 });
    const cap = expertCapacity(32, 2, 4, 1.0);
    expect(out.plan.capacity).toBe(cap);
    expect(Math.max(...out.plan.load)).toBeLessThanOrEqual(cap);
    expect(out.plan.dropped).toBeGreaterThan(0);
    expect(out.plan.routed.reduce((a, b) => a + b, 0) - out.plan.load.reduce((a, b) => a + b, 0)).toBe(out.plan.dropped);
    // Reference: zero the weight of every assignment the plan did not keep, then combine densely.
    const keep = new Float32Array(32 * 2);
    out.plan.tokens.forEach((toks, e) => toks.forEach((t, i) => { keep[t * 2 + out.plan.slots[e]![i]!] = 1; }));
    const kept = tf.mul(out.weights, tf.tensor2d(keep, [32, 2])) as tf.Tensor2D;
    const ref = denseCombine(x, ws.experts, kept, out.indices);
    await expectClose(out.y, ref, { rtol: rtolFor(1e-5), atol: 1e-5 });
    tf.dispose([x, skew, out.y, out.weights, out.indices, out.scores, kept, ref]);
    disposeMoEWeights(w);
  });
});

describe("the differentiable dispatch path", () => {
  it("gives the same output and the same gradients as the dense reference", async () => {
    const cfg: GateConfig = { nExperts: 6, topK: 2, scoreFunc: "sigmoid" };
    const w = initMoEWeights(6, 8, 6, 31, { trainable: true });
    const x = tf.randomNormal([12, 6], 0, 1, "float32", 32) as tf.Tensor2D;
    const r0 = route(x, w.gate, cfg);
    const plan = planDispatch(await r0.indices.data(), cfg.topK, cfg.nExperts);
    const vars = [w.gate, ...w.experts.flatMap((e) => [e.w1, e.w2, e.w3])] as unknown as tf.Variable[];
    const lossWith = (combine: (r: ReturnType<typeof route>) => tf.Tensor2D) => () => {
      const r = route(x, w.gate, cfg);
      return tf.sum(tf.square(combine(r))) as tf.Scalar;
    };
    const a = tf.variableGrads(lossWith((r) => dispatchCombine(x, w.experts, r.weights, plan, { differentiable: true })), vars);
    const b = tf.variableGrads(lossWith((r) => denseCombine(x, w.experts, r.weights, r.indices)), vars);
    await expectClose(a.value, b.value, { rtol: rtolFor(1e-5), atol: 1e-5 });
    for (const v of vars) {
      // An expert with no tokens is not on the sparse path's tape at all; its dense gradient is 0.
      const ga = a.grads[v.name] ?? tf.zerosLike(v);
      await expectClose(ga, b.grads[v.name]!, { rtol: rtolFor(1e-4), atol: 1e-5 });
      if (!a.grads[v.name]) ga.dispose();
    }
    const inference = dispatchCombine(x, w.experts, r0.weights, plan);
    const diff = dispatchCombine(x, w.experts, r0.weights, plan, { differentiable: true });
    await expectClose(inference, diff, { rtol: rtolFor(1e-5), atol: 1e-5 });
    tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads), inference, diff, x]);
    disposeRoute(r0);
    disposeMoEWeights(w);
  });
});

describe("memory", () => {
  it("moeForward, moeForwardDense and the stats variant leak nothing", async () => {
    const cfg: GateConfig = { nExperts: 8, topK: 2, scoreFunc: "sigmoid", nGroups: 2, topKGroups: 1 };
    const w = initMoEWeights(8, 12, 8, 1, { nShared: 1, withBias: true });
    const x = tf.randomNormal([10, 8], 0, 1, "float32", 2) as tf.Tensor2D;
    await expectNoLeaks(async () => (await moeForward(x, w, cfg, { capacityFactor: 1 })).dispose());
    await expectNoLeaks(() => moeForwardDense(x, w, cfg).dispose());
    await expectNoLeaks(async () => {
      const o = await moeForwardWithStats(x, w, cfg);
      tf.dispose([o.y, o.weights, o.indices, o.scores]);
    });
    x.dispose();
    const before = tf.memory().numTensors;
    disposeMoEWeights(w);
    expect(tf.memory().numTensors).toBe(before - (1 + 1 + 8 * 3 + 3));
  });
});
