// Property: route and moeForward on random shapes and configs (groups, sigmoid or softmax, a
// bias or none, inputs large enough to saturate the gate): weights finite, summing to routeScale
// for sigmoid (≤ routeScale for softmax), experts distinct and inside the kept groups, outputs
// finite, and no tensor left behind (fast-check; fixed seed).
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import * as tf from "@tensorflow/tfjs";
import { useTestBackend, onGpuBackend } from "../helpers/backend.js";
import { route, disposeRoute, type GateConfig } from "../../lib/moe/gate.js";
import { initMoEWeights, moeForward, disposeMoEWeights } from "../../lib/moe/moe.js";

beforeAll(async () => {
  await useTestBackend();
});

const setup = fc
  .record({
    tokens: fc.integer({ min: 1, max: 6 }),
    dModel: fc.integer({ min: 1, max: 6 }),
    nGroups: fc.constantFrom(1, 2, 4),
    perGroup: fc.integer({ min: 1, max: 3 }),
    kg: fc.integer({ min: 1, max: 4 }),
    k: fc.integer({ min: 1, max: 12 }),
    scoreFunc: fc.constantFrom("softmax" as const, "sigmoid" as const),
    routeScale: fc.constantFrom(1, 2.5, 16),
    withBias: fc.boolean(),
    xScale: fc.constantFrom(0.1, 1, 30, 300),
    seed: fc.integer({ min: 0, max: 1000 }),
  })
  .map((s) => {
    const topKGroups = Math.min(s.kg, s.nGroups);
    const topK = Math.min(s.k, topKGroups * s.perGroup);
    const cfg: GateConfig = { nExperts: s.nGroups * s.perGroup, topK, scoreFunc: s.scoreFunc, nGroups: s.nGroups, topKGroups, routeScale: s.routeScale };
    return { ...s, cfg };
  });

describe("route and moeForward on random shapes (property)", () => {
  it("weights finite and summing as the config says; experts distinct and in kept groups; no leaks", async () => {
    await fc.assert(
      fc.asyncProperty(setup, async ({ tokens, dModel, cfg, withBias, xScale, seed, perGroup }) => {
        const before = tf.memory().numTensors;
        const x = tf.tidy(() => tf.mul(tf.randomNormal([tokens, dModel], 0, 1, "float32", seed), xScale)) as tf.Tensor2D;
        const g = tf.randomNormal([dModel, cfg.nExperts], 0, 1, "float32", seed + 1) as tf.Tensor2D;
        const bias = withBias ? (tf.randomNormal([cfg.nExperts], 0, 0.1, "float32", seed + 2) as tf.Tensor1D) : undefined;
        const r = route(x, g, cfg, bias);
        try {
          const w = (await r.weights.array()) as number[][];
          const idx = (await r.indices.array()) as number[][];
          for (let t = 0; t < tokens; t++) {
            for (const v of w[t]!) expect(Number.isFinite(v)).toBe(true);
            const sum = w[t]!.reduce((s, v) => s + v, 0);
            if (cfg.scoreFunc === "sigmoid") expect(sum).toBeCloseTo(cfg.routeScale!, onGpuBackend() ? 2 : 4);
            else expect(sum).toBeLessThanOrEqual(cfg.routeScale! * (1 + 1e-5));
            expect(new Set(idx[t]).size).toBe(cfg.topK);
            const groups = new Set(idx[t]!.map((e) => Math.floor(e / perGroup)));
            expect(groups.size).toBeLessThanOrEqual(cfg.topKGroups!);
          }
        } finally {
          disposeRoute(r);
          tf.dispose([x, g, ...(bias ? [bias] : [])]);
        }
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: onGpuBackend() ? 25 : 150, seed: 12 },
    );
  });

  it("moeForward: output [tokens, dModel], finite; no leaks", async () => {
    await fc.assert(
      fc.asyncProperty(setup, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 2 }), async ({ tokens, dModel, cfg, withBias, xScale, seed }, ffnHidden, nShared) => {
        const before = tf.memory().numTensors;
        const w = initMoEWeights(dModel, ffnHidden, cfg.nExperts, seed, { withBias, nShared });
        const x = tf.tidy(() => tf.mul(tf.randomNormal([tokens, dModel], 0, 1, "float32", seed), Math.min(xScale, 30))) as tf.Tensor2D;
        try {
          const y = await moeForward(x, w, cfg);
          expect(y.shape).toEqual([tokens, dModel]);
          const v = await y.data();
          y.dispose();
          for (const e of v) expect(Number.isFinite(e)).toBe(true);
        } finally {
          x.dispose();
          disposeMoEWeights(w);
        }
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: onGpuBackend() ? 15 : 80, seed: 12 },
    );
  });
});
