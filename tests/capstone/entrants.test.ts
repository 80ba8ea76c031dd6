// lib/capstone/entrants.ts: dense and mini-V3 spend the same parameters on every token, and the
// counts agree with the built models and with the NumPy reference (tests/reference/capstone_reference.py).
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestBackend, expectNoLeaks } from "../helpers/backend.js";
import {
  DENSE_CONFIG, MINI_V3_CONFIG, STUDENT_CONFIG, activeParams, totalParams, kvElementsPerToken, paramBreakdown,
} from "../../lib/capstone/entrants.js";
import { TinyTransformer, resolveConfig } from "../../lib/model/transformer.js";
import { kvCacheElementsPerToken } from "../../lib/attention/memory.js";

const ref = JSON.parse(readFileSync(new URL("../reference/fixtures/capstone_reference.json", import.meta.url), "utf8"));

beforeAll(async () => {
  await useTestBackend();
});

/** Trained weights of a built model, and those a token uses (routed experts beyond top-k left out). */
function countBuilt(cfg: typeof DENSE_CONFIG): { total: number; active: number } {
  const m = new TinyTransformer(cfg, 0);
  try {
    const named = m.namedWeights().filter(([n]) => !n.endsWith(".bias"));
    const total = named.reduce((s, [, t]) => s + t.size, 0);
    const c = resolveConfig(cfg);
    // A token uses the shared expert and topK of the nExperts routed ones: leave out nExperts − topK.
    const expertSize = named.filter(([n]) => n.startsWith("layers.0.ffn.experts.0.")).reduce((s, [, t]) => s + t.size, 0);
    const unused = c.moe ? c.nLayers * (c.moe.nExperts - c.moe.topK) * expertSize : 0;
    return { total, active: total - unused };
  } finally {
    m.dispose();
  }
}

describe("capstone entrants", () => {
  it("dense and mini-V3 have exactly the same active parameters per token", () => {
    expect(activeParams(MINI_V3_CONFIG)).toBe(activeParams(DENSE_CONFIG));
    expect(activeParams(DENSE_CONFIG)).toBe(84416); // lesson 3's small model
    // mini-V3 stores more: 4 unused routed experts of 3·64·32 per layer, two layers.
    expect(totalParams(MINI_V3_CONFIG) - activeParams(MINI_V3_CONFIG)).toBe(2 * 4 * 3 * 64 * 32);
  });

  it("per layer: MLA + router = MHA, and the active experts = the dense FFN", () => {
    const d = paramBreakdown(DENSE_CONFIG);
    const v = paramBreakdown(MINI_V3_CONFIG);
    expect(v.attention + v.router).toBe(d.attention);
    expect(v.ffnAlways + v.topK * v.expert).toBe(d.ffnAlways);
  });

  it("the formulas count what the built models hold, and what NumPy counts", async () => {
    await expectNoLeaks(() => {
      for (const [key, cfg] of [["dense", DENSE_CONFIG], ["miniV3", MINI_V3_CONFIG], ["student", STUDENT_CONFIG]] as const) {
        const built = countBuilt(cfg);
        expect(totalParams(cfg), key).toBe(built.total);
        expect(activeParams(cfg), key).toBe(built.active);
        expect(totalParams(cfg), key).toBe(ref.params[key].total);
        expect(activeParams(cfg), key).toBe(ref.params[key].active);
      }
    });
  });

  it("KV elements per token equal kvCacheElementsPerToken (and the reference)", () => {
    expect(kvElementsPerToken(DENSE_CONFIG)).toBe(kvCacheElementsPerToken("mha", { nLayers: 2, nHeads: 4, headDim: 16 }));
    expect(kvElementsPerToken(MINI_V3_CONFIG)).toBe(kvCacheElementsPerToken("mla", { nLayers: 2, nHeads: 4, headDim: 16, kvLoraRank: 32, qkRopeHeadDim: 8 }));
    expect(kvElementsPerToken(DENSE_CONFIG)).toBe(ref.params.dense.kv); // 2 layers · 2 · 4 heads · 16
    expect(kvElementsPerToken(MINI_V3_CONFIG)).toBe(ref.params.miniV3.kv); // 2 layers · (32 + 8)
    expect(kvElementsPerToken(STUDENT_CONFIG)).toBe(ref.params.student.kv);
  });

  it("the models' own caches hold exactly that many numbers per token", async () => {
    await expectNoLeaks(() => {
      for (const cfg of [DENSE_CONFIG, MINI_V3_CONFIG]) {
        const m = new TinyTransformer(cfg, 0);
        const cache = m.createCache(1);
        try {
          expect(cache.layers.reduce((s, l) => s + l.elementsPerToken, 0)).toBe(kvElementsPerToken(cfg));
        } finally {
          cache.dispose();
          m.dispose();
        }
      }
    });
  });
});
