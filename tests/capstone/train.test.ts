// lib/capstone/train.ts: supervised training with the auxiliary-loss-free routing bias.
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend, expectNoLeaks } from "../helpers/backend.js";
import { trainEntrant } from "../../lib/capstone/train.js";
import { DENSE_CONFIG, MINI_V3_CONFIG } from "../../lib/capstone/entrants.js";
import { TinyTransformer } from "../../lib/model/transformer.js";
import { CharTokenizer } from "../../lib/model/tokenizer.js";
import { problemStream } from "../../lib/reasoning/problems.js";
import type { MoEWeights } from "../../lib/moe/moe.js";

beforeAll(async () => {
  await useTestBackend();
});

const tok = new CharTokenizer();
function examples(seed: number) {
  const s = problemStream("*", seed, { digitsA: 2 });
  return () => {
    const p = s.next();
    return { prompt: p.question, completion: p.cot };
  };
}

describe("trainEntrant", () => {
  it("moves mini-V3's routing bias by ±γ per step against the load and records MaxVio, leaving no tensors", async () => {
    const small = { ...MINI_V3_CONFIG, maxSeqLen: 40 };
    const model = new TinyTransformer(small, 3);
    try {
      await expectNoLeaks(async () => {
        const res = await trainEntrant(model, tok, examples(1), { steps: 3, batchSize: 4, biasGamma: 0.01, balanceEvery: 1 });
        expect(res.steps).toBe(3);
        expect(res.balance.map((b) => b.step)).toEqual([1, 2, 3]);
        for (const b of res.balance) {
          expect(b.load.length).toBe(2); // one row per layer
          // top-3 of 7 for every token of the batch
          b.load.forEach((l) => expect(l.reduce((s, x) => s + x, 0) % 3).toBe(0));
          expect(b.maxVio).toBeGreaterThanOrEqual(0);
        }
        const bias = Array.from(await (model.layers[0]!.ffn as MoEWeights).bias!.data());
        // Three sign steps of 0.01: every entry is a multiple of 0.01 within ±0.03, and not all zero.
        bias.forEach((b) => {
          expect(Math.abs(b)).toBeLessThanOrEqual(0.03 + 1e-6);
          expect(Math.abs(b * 100 - Math.round(b * 100))).toBeLessThan(1e-4);
        });
        expect(bias.some((b) => b !== 0)).toBe(true);
      });
      expect(model.onRoute).toBeUndefined();
    } finally {
      model.dispose();
    }
  });

  it("a dense model trains as trainLM does, with no balance curve", async () => {
    const model = new TinyTransformer({ ...DENSE_CONFIG, dModel: 16, ffnHidden: 32, nHeads: 2 }, 1);
    try {
      await expectNoLeaks(async () => {
        const res = await trainEntrant(model, tok, examples(2), { steps: 2, batchSize: 4 });
        expect(res.balance).toEqual([]);
        expect(Number.isFinite(res.finalLoss)).toBe(true);
      });
    } finally {
      model.dispose();
    }
  });

  it("gamma 0 leaves the bias at zero; a negative gamma is an error", async () => {
    const model = new TinyTransformer({ ...MINI_V3_CONFIG, maxSeqLen: 40 }, 5);
    try {
      await trainEntrant(model, tok, examples(3), { steps: 1, batchSize: 2, biasGamma: 0 });
      expect(Array.from(await (model.layers[1]!.ffn as MoEWeights).bias!.data()).every((b) => b === 0)).toBe(true);
      await expect(trainEntrant(model, tok, examples(3), { steps: 1, biasGamma: -1 })).rejects.toThrow(/trainEntrant: biasGamma must be ≥ 0; got -1/);
      await expect(trainEntrant(model, tok, examples(3), { steps: 1, balanceEvery: 0 })).rejects.toThrow(/trainEntrant: balanceEvery must be an integer ≥ 1; got 0/);
    } finally {
      model.dispose();
    }
  });
});
