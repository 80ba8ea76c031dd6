// MLA against the NumPy reference (tests/reference/mla_reference.py → fixtures/mla_cases.json),
// and naive = absorbed = chunked prefill = token-by-token decode on random configs.
import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectNoLeaks, rtolFor, useTestBackend } from "../helpers/backend.js";
import { expectClose } from "../helpers/close.js";
import {
  createMLACache,
  initMLAWeights,
  mlaForward,
  type MLACache,
  type MLAConfig,
  type MLAMode,
  type MLAWeights,
} from "../../lib/attention/mla.js";
import { Rng } from "../../lib/random.js";

beforeAll(async () => {
  await useTestBackend();
});

type Nested = number | Nested[];
interface Case {
  name: string;
  config: MLAConfig;
  x: Nested;
  weights: Record<string, Nested>;
  out: Nested;
  cache: Record<string, Nested>;
}
const fixture = JSON.parse(
  readFileSync(new URL("../reference/fixtures/mla_cases.json", import.meta.url), "utf8"),
) as { cases: Case[] };

// float32 on the library side vs float64 in the reference.
const RTOL = 1e-5;
const ATOL = 1e-5;

function flat(a: Nested): number[] {
  return Array.isArray(a) ? a.flatMap(flat) : [a];
}
function shapeOf(a: Nested): number[] {
  return Array.isArray(a) ? [a.length, ...shapeOf(a[0]!)] : [];
}
function toTensor(a: Nested): tf.Tensor {
  return tf.tensor(flat(a), shapeOf(a), "float32");
}

/** Run x through a cache in chunks of the given sizes; returns the concatenated output. */
function runChunks(x: tf.Tensor, w: MLAWeights, cfg: MLAConfig, cache: MLACache, sizes: number[]): tf.Tensor {
  const outs: tf.Tensor[] = [];
  let pos = 0;
  for (const n of sizes) {
    const chunk = tf.slice(x, [0, pos], [-1, n]);
    outs.push(mlaForward(chunk, w, cfg, { cache, startPos: pos }));
    chunk.dispose();
    pos += n;
  }
  const out = tf.concat(outs, 1);
  outs.forEach((t) => t.dispose());
  return out;
}

describe("MLA vs the NumPy reference", () => {
  for (const c of fixture.cases) {
    describe(c.name, () => {
      const cfg = c.config;
      const load = () => ({
        x: toTensor(c.x),
        w: Object.fromEntries(Object.entries(c.weights).map(([k, v]) => [k, toTensor(v)])) as unknown as MLAWeights,
      });
      for (const mode of ["naive", "absorbed"] as MLAMode[]) {
        it(`${mode}: one-chunk prefill, no cache`, async () => {
          const { x, w } = load();
          await expectClose(mlaForward(x, w, cfg, { mode }), c.out, { what: `${mode} output`, rtol: rtolFor(RTOL), atol: ATOL });
        });
        // blockSize 2: chunks straddle block boundaries (one chunk fills a block and opens the next).
        for (const blockSize of [undefined, 2]) it(`${mode}: chunked prefill then decode through the cache (blockSize ${blockSize ?? "default"}), and the cache's contents`, async () => {
          const { x, w } = load();
          const seq = x.shape[1]!;
          const cache = createMLACache(cfg, x.shape[0]!, mode, { blockSize });
          const sizes = [3, 2, ...Array(seq - 5).fill(1)]; // prefill 3, then 2, then one token at a time
          await expectClose(runChunks(x, w, cfg, cache, sizes), c.out, { what: `${mode} chunked output`, rtol: rtolFor(RTOL), atol: ATOL });
          expect(cache.length).toBe(seq);
          const slots = mode === "naive" ? ["k", "v"] : ["kv", "pe"];
          for (const s of slots) await expectClose(cache.get(s)!, c.cache[s]!, { what: `${mode} cache.${s}`, rtol: rtolFor(RTOL), atol: ATOL });
          cache.dispose();
        });
      }
    });
  }
});

function randomConfig(rng: Rng): MLAConfig {
  const even = (lo: number, hi: number) => 2 * rng.intBetween(lo / 2, hi / 2);
  return {
    dModel: rng.intBetween(8, 24),
    nHeads: rng.intBetween(1, 4),
    qLoraRank: rng.pick([0, rng.intBetween(4, 12)]),
    kvLoraRank: rng.intBetween(4, 16),
    qkNopeHeadDim: rng.intBetween(2, 8),
    qkRopeHeadDim: even(2, 8),
    vHeadDim: rng.intBetween(2, 8),
    ropeTheta: rng.pick([10000, 500]),
    maxSeqLen: 16,
  };
}

describe("MLA equivalences on random configs", () => {
  for (let trial = 0; trial < 4; trial++) {
    it(`trial ${trial}: naive = absorbed = chunked naive = chunked absorbed`, async () => {
      const rng = new Rng(100 + trial);
      const cfg = randomConfig(rng);
      const w = initMLAWeights(cfg, 7 + trial);
      const batch = rng.intBetween(1, 3);
      const seq = rng.intBetween(5, 10);
      const x = tf.tensor(rng.normals(batch * seq * cfg.dModel), [batch, seq, cfg.dModel]);
      const naive = mlaForward(x, w, cfg);
      await expectClose(mlaForward(x, w, cfg, { mode: "absorbed" }), naive, { what: `absorbed vs naive ${JSON.stringify(cfg)}`, rtol: rtolFor(RTOL), atol: ATOL });
      const sizes = [2, seq - 4, 1, 1];
      for (const mode of ["naive", "absorbed"] as MLAMode[]) {
        for (const blockSize of [undefined, 3]) {
          const cache = createMLACache(cfg, batch, mode, { blockSize });
          await expectClose(runChunks(x, w, cfg, cache, sizes), naive, { what: `chunked ${mode}, blockSize ${blockSize}`, rtol: rtolFor(RTOL), atol: ATOL });
          cache.dispose();
        }
      }
    });
  }

  it("the absorbed cache holds kvLoraRank + rope numbers per token, the naive one H·(nope+rope+v)", () => {
    const cfg: MLAConfig = { dModel: 8, nHeads: 4, qLoraRank: 0, kvLoraRank: 6, qkNopeHeadDim: 3, qkRopeHeadDim: 2, vHeadDim: 5, maxSeqLen: 4 };
    expect(createMLACache(cfg, 1, "absorbed").elementsPerToken).toBe(8);
    expect(createMLACache(cfg, 1, "naive").elementsPerToken).toBe(4 * (3 + 2 + 5));
  });

  it("an absorbed cache remakes its per-head up-projections when the weights change", async () => {
    const cfg: MLAConfig = { dModel: 8, nHeads: 2, qLoraRank: 0, kvLoraRank: 6, qkNopeHeadDim: 4, qkRopeHeadDim: 2, vHeadDim: 3, maxSeqLen: 8 };
    const w = initMLAWeights(cfg, 3);
    const wkvB = tf.variable(w.wkvB);
    const wv: MLAWeights = { ...w, wkvB };
    const x = tf.tensor(new Rng(8).normals(3 * 8), [1, 3, 8]);
    const cache = createMLACache(cfg, 1, "absorbed");
    mlaForward(tf.slice(x, [0, 0], [-1, 2]), wv, cfg, { cache });
    wkvB.assign(tf.mul(wkvB, 2)); // training step stand-in: the same Variable, new values
    const step = mlaForward(tf.slice(x, [0, 2], [-1, 1]), wv, cfg, { cache, startPos: 2 });
    const fresh = mlaForward(x, { ...w, wkvB: tf.mul(w.wkvB, 2) }, cfg, { mode: "naive" });
    // the cached latents don't depend on wkvB, so only stale up-projections could make these differ
    await expectClose(step, tf.slice(fresh, [0, 2], [-1, 1]), { what: "after wkvB changed", rtol: rtolFor(RTOL), atol: ATOL });
    cache.dispose();
  });

  it("rewinding the cache (writing at startPos < length) recomputes as if the tail never existed", async () => {
    const cfg: MLAConfig = { dModel: 8, nHeads: 2, qLoraRank: 0, kvLoraRank: 6, qkNopeHeadDim: 4, qkRopeHeadDim: 2, vHeadDim: 3, maxSeqLen: 8 };
    const w = initMLAWeights(cfg, 3);
    const x = tf.tensor(new Rng(5).normals(6 * 8), [1, 6, 8]);
    const full = mlaForward(x, w, cfg);
    const cache = createMLACache(cfg, 1, "absorbed");
    mlaForward(tf.randomNormal([1, 6, 8], 0, 1, "float32", 9), w, cfg, { cache }); // junk to be overwritten
    mlaForward(tf.slice(x, [0, 0], [-1, 4]), w, cfg, { cache, startPos: 0 });
    const tail = mlaForward(tf.slice(x, [0, 4], [-1, 2]), w, cfg, { cache, startPos: 4 });
    await expectClose(tail, tf.slice(full, [0, 4], [-1, 2]), { what: "after rewind", rtol: rtolFor(RTOL), atol: ATOL });
    cache.dispose();
  });
});

describe("MLA gradients (the tiny model trains through it)", () => {
  it("naive and absorbed give the same weight gradients, all finite", async () => {
    const cfg: MLAConfig = { dModel: 8, nHeads: 2, qLoraRank: 4, kvLoraRank: 6, qkNopeHeadDim: 4, qkRopeHeadDim: 2, vHeadDim: 3, maxSeqLen: 8 };
    const w = initMLAWeights(cfg, 4);
    const x = tf.tensor(new Rng(9).normals(2 * 5 * 8), [2, 5, 8]);
    const names = Object.keys(w) as (keyof MLAWeights)[];
    const grads = (mode: MLAMode) =>
      tf.grads((...ts: tf.Tensor[]) => {
        const ww = Object.fromEntries(names.map((n, i) => [n, ts[i]!])) as unknown as MLAWeights;
        return tf.sum(tf.square(mlaForward(x, ww, cfg, { mode })));
      })(names.map((n) => w[n]!));
    const gn = grads("naive");
    const ga = grads("absorbed");
    for (let i = 0; i < names.length; i++) {
      const v = await gn[i]!.data();
      expect(v.every((z) => Number.isFinite(z)), `${names[i]} finite`).toBe(true);
      expect(v.some((z) => z !== 0), `${names[i]} non-zero`).toBe(true);
      await expectClose(ga[i]!, gn[i]!, { what: `d loss / d ${names[i]}`, rtol: rtolFor(1e-4), atol: 1e-5 });
    }
  });
});

describe("MLA memory hygiene", () => {
  const cfg: MLAConfig = { dModel: 12, nHeads: 2, qLoraRank: 6, kvLoraRank: 8, qkNopeHeadDim: 4, qkRopeHeadDim: 4, vHeadDim: 4, maxSeqLen: 32 };

  it("leaves no tensors behind without a cache", async () => {
    const w = initMLAWeights(cfg, 1);
    const x = tf.randomNormal([2, 5, 12]);
    for (const mode of ["naive", "absorbed"] as MLAMode[]) {
      await expectNoLeaks(() => {
        for (let i = 0; i < 3; i++) mlaForward(x, w, cfg, { mode }).dispose();
      });
    }
  });

  it("a decode loop inside the caller's tf.tidy keeps the cache and grows nothing but the cache", async () => {
    const w = initMLAWeights(cfg, 1);
    for (const mode of ["naive", "absorbed"] as MLAMode[]) {
      // Blocks of 4 tokens, so the loop crosses block boundaries: the cache grows by one block per
      // slot every 4 tokens (k and v, or kv and pe; plus the absorbed cache's 2·H per-head
      // up-projections and the same two stacked) and nothing else grows.
      const blockSize = 4;
      const cache = createMLACache(cfg, 1, mode, { blockSize });
      const held = (len: number) =>
        2 * Math.ceil(len / blockSize) + 1 /* tok */ + (mode === "naive" ? 0 : 2 * cfg.nHeads + 2);
      const before = tf.memory().numTensors;
      let tok = tf.tidy(() => mlaForward(tf.randomNormal([1, 4, 12], 0, 1, "float32", 2), w, cfg, { cache }).slice([0, 3], [-1, 1]));
      expect(tf.memory().numTensors - before).toBe(held(4));
      for (let p = 4; p < 10; p++) {
        const next = tf.tidy(() => mlaForward(tok, w, cfg, { cache, startPos: p }));
        tok.dispose();
        tok = next;
        expect(tf.memory().numTensors - before).toBe(held(p + 1));
      }
      expect(cache.length).toBe(10);
      expect(cache.get(mode === "naive" ? "k" : "kv")!.isDisposed).toBe(false);
      tok.dispose();
      cache.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});

describe("MLA bad input", () => {
  const cfg: MLAConfig = { dModel: 8, nHeads: 2, qLoraRank: 0, kvLoraRank: 4, qkNopeHeadDim: 2, qkRopeHeadDim: 2, vHeadDim: 2, maxSeqLen: 6 };
  const w = () => initMLAWeights(cfg, 1);

  it("wrong last dimension names dModel", () => {
    expect(() => mlaForward(tf.zeros([1, 2, 9]), w(), cfg)).toThrow(/\[batch, seq, dModel=8\]; got \[1,2,9\]/);
  });
  it("a cache too short for startPos + seq", () => {
    const cache = createMLACache(cfg, 1, "naive");
    mlaForward(tf.zeros([1, 4, 8]), w(), cfg, { cache });
    expect(() => mlaForward(tf.zeros([1, 3, 8]), w(), cfg, { cache, startPos: 4 })).toThrow(/maxSeqLen=6.*startPos 4 \+ seq 3 = 7/);
    expect(() => mlaForward(tf.zeros([1, 1, 8]), w(), cfg, { cache, startPos: 5 })).toThrow(/holds 4 tokens.*≤ 4; got 5/);
  });
  it("a batch bigger than the cache", () => {
    const cache = createMLACache(cfg, 2, "absorbed");
    expect(() => mlaForward(tf.zeros([3, 1, 8]), w(), cfg, { cache })).toThrow(/batch 3 is bigger than the cache's batch 2/);
  });
  it("a mode mismatch between cache and call", () => {
    const cache = createMLACache(cfg, 1, "naive");
    expect(() => mlaForward(tf.zeros([1, 1, 8]), w(), cfg, { cache, mode: "absorbed" })).toThrow(
      /created for mode "naive" but the call asks for mode "absorbed"/,
    );
    expect(() => createMLACache(cfg, 1, "fast" as MLAMode)).toThrow(/mode must be "naive" or "absorbed"; got "fast"/);
  });
  it("a weight of the wrong shape or missing", () => {
    const bad = { ...w(), wkvB: tf.zeros([4, 7]) };
    expect(() => mlaForward(tf.zeros([1, 1, 8]), bad, cfg)).toThrow(/wkvB must be \[4,8\]; got \[4,7\]/);
    expect(() => mlaForward(tf.zeros([1, 1, 8]), w(), { ...cfg, qLoraRank: 3 })).toThrow(/wqA \[8,3\] is missing/);
  });
});
