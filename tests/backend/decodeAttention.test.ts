// The fused decode-attention kernel that initBackend installs on wasm (lib/backend/decodeAttention.ts):
// one op for softmax(Σ_j q_j·k_jᵀ · scale)·v over a paged cache's blocks. Checked against a plain
// float64 loop written here (the definition) and against lib/attention/paged.ts's composite ops
// (what every other backend runs), with no tensor left behind; bad input names the argument.
// wasm only: the kernel exists only there (the attention tests run the composite path everywhere).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/index.js";
import { decodeAttention, decodeAttentionFits, restoreDecodeAttention, useDecodeAttention, type DecodeAttentionInputs } from "../../lib/backend/decodeAttention.js";
import { mhaDecodeStep } from "../../lib/backend/mhaDecode.js";
import { pagedAttention } from "../../lib/attention/paged.js";
import { createMHACache, initMHAWeights, mhaForward, type MHAConfig } from "../../lib/attention/mha.js";
import { siluMul } from "../../lib/backend/decodeFfn.js";
import { mlaDecodeStep } from "../../lib/backend/mlaDecode.js";
import { createMLACache, initMLAWeights, mlaForward, type MLAConfig } from "../../lib/attention/mla.js";
import { initSwiGLUWeights, swiglu, swigluJoined } from "../../lib/nn/swiglu.js";
import { Rng } from "../../lib/random.js";
import { expectNoLeaks } from "../helpers/backend.js";
import { assertClose } from "../helpers/close.js";

// float32 sums over ≤ 300 products and a polynomial exponential (about 1 ulp) against float64.
const RTOL = 1e-5;
const ATOL = 1e-6;

function randn(shape: number[], rng: Rng, sd = 1): tf.Tensor4D {
  return tf.tensor4d(rng.normals(shape.reduce((p, d) => p * d, 1), 0, sd), shape as [number, number, number, number]);
}

/** Random queries and cache blocks: `terms` widths dk, blocks of the given token counts. */
function inputs(b: number, G: number, n: number, dks: number[], dv: number, tokens: number[], seed: number): DecodeAttentionInputs {
  const rng = new Rng(seed);
  return {
    queries: dks.map((dk) => randn([b, G, n, dk], rng)),
    keys: dks.map((dk) => tokens.map((t) => randn([b, G, t, dk], rng))),
    values: tokens.map((t) => randn([b, G, t, dv], rng)),
  };
}

function dispose(x: DecodeAttentionInputs): void {
  tf.dispose([...x.queries, ...x.keys.flat(), ...x.values]);
}

/** The definition, in float64: per group and query, softmax over every cached token, then Σ p·v. */
function plainLoop(x: DecodeAttentionInputs, scale: number): number[] {
  const [b, G, n] = x.queries[0]!.shape;
  const qs = x.queries.map((q) => q.dataSync());
  const ks = x.keys.map((blocks) => blocks.map((k) => k.dataSync()));
  const vs = x.values.map((v) => v.dataSync());
  const tokens = x.values.map((v) => v.shape[2]);
  const dv = x.values[0]!.shape[3];
  const out: number[] = [];
  for (let g = 0; g < b * G; g++) {
    for (let i = 0; i < n; i++) {
      const s: number[] = [];
      tokens.forEach((t, blk) => {
        for (let j = 0; j < t; j++) {
          let dot = 0;
          x.queries.forEach((q, term) => {
            const dk = q.shape[3];
            for (let d = 0; d < dk; d++) dot += qs[term]![(g * n + i) * dk + d]! * ks[term]![blk]![(g * t + j) * dk + d]!;
          });
          s.push(dot * scale);
        }
      });
      const m = Math.max(...s);
      const e = s.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, v) => a + v, 0);
      const o = new Array<number>(dv).fill(0);
      let col = 0;
      tokens.forEach((t, blk) => {
        for (let j = 0; j < t; j++, col++) for (let d = 0; d < dv; d++) o[d]! += (e[col]! / sum) * vs[blk]![(g * t + j) * dv + d]!;
      });
      out.push(...o);
    }
  }
  return out;
}

describe("fused decode attention (wasm)", () => {
  beforeAll(async () => {
    await initBackend("wasm", { quiet: true });
  });
  afterAll(() => useDecodeAttention());

  const cases: { what: string; b: number; G: number; n: number; dks: number[]; dv: number; tokens: number[] }[] = [
    { what: "lesson 3's MHA (4 heads of 16, one block, odd length)", b: 3, G: 4, n: 1, dks: [16], dv: 16, tokens: [21] },
    { what: "GQA (2 query heads per KV head), blocks 3+3+2", b: 2, G: 2, n: 2, dks: [8], dv: 12, tokens: [3, 3, 2] },
    { what: "MLA absorbed (two score terms, values = the latent blocks)", b: 1, G: 1, n: 16, dks: [32, 8], dv: 32, tokens: [16, 16, 5] },
    { what: "one cached token", b: 2, G: 3, n: 1, dks: [4], dv: 4, tokens: [1] },
  ];
  for (const c of cases) {
    it(`${c.what}: equals a plain loop and paged.ts's ops, and leaves no tensor behind`, async () => {
      const x = inputs(c.b, c.G, c.n, c.dks, c.dv, c.tokens, 7);
      if (c.what.startsWith("MLA")) x.values = x.keys[0]!; // absorbed: the values are the latent key blocks
      const scale = 1 / Math.sqrt(c.dks.reduce((a, d) => a + d, 0));
      expect(decodeAttentionFits(x)).toBe(true);
      const want = plainLoop(x, scale);
      let fused: number[] = [];
      await expectNoLeaks(async () => {
        const y = decodeAttention(x, scale);
        expect(y.shape).toEqual([c.b, c.G, c.n, c.dv]);
        fused = Array.from(await y.data());
        y.dispose();
      });
      assertClose(fused, want, { rtol: RTOL, atol: ATOL, what: "fused vs plain loop" });
      const t = c.tokens.reduce((a, v) => a + v, 0);
      const viaPaged = tf.tidy(() => pagedAttention(x, 1, scale, t - 1)); // the kernel, through paged.ts
      assertClose(await viaPaged.data(), fused, { what: "paged.ts on wasm uses the kernel" });
      restoreDecodeAttention();
      expect(decodeAttentionFits(x)).toBe(false);
      const composite = tf.tidy(() => pagedAttention(x, 1, scale, t - 1));
      useDecodeAttention();
      assertClose(await composite.data(), fused, { rtol: RTOL, atol: ATOL, what: "fused vs composite ops" });
      tf.dispose([viaPaged, composite]);
      dispose(c.what.startsWith("MLA") ? { ...x, values: [] } : x);
    });
  }

  it("large scores stay finite (the softmax subtracts the row's maximum)", async () => {
    const x = inputs(1, 1, 2, [4], 4, [6], 3);
    const big = x.queries[0]!.mul(1e3) as tf.Tensor4D;
    const y = decodeAttention({ ...x, queries: [big] }, 1);
    const got = await y.data();
    expect(got.every(Number.isFinite)).toBe(true);
    assertClose(got, plainLoop({ ...x, queries: [big] }, 1), { rtol: 1e-4, atol: 1e-4, what: "scores ~1e3" });
    tf.dispose([y, big]);
    dispose(x);
  });

  it("bad input: an error naming the argument, what was expected and what came in", () => {
    const x = inputs(2, 2, 1, [8], 8, [3, 2], 5);
    expect(() => decodeAttention({ ...x, keys: [] }, 1)).toThrow(/decodeAttention: keys must hold one list of blocks per score term \(1\); got 0/);
    expect(() => decodeAttention({ ...x, keys: [[x.keys[0]![0]!]] }, 1)).toThrow(/decodeAttention: keys\[0\] must hold 2 blocks/);
    expect(() => decodeAttention({ ...x, values: [x.values[1]!, x.values[0]!] }, 1)).toThrow(/decodeAttention: keys\[0\]\[0\] must be \[2,2,2,8\] float32; got \[2,2,3,8\]/);
    expect(() => decodeAttention(x, 0)).toThrow(/decodeAttention: scale must be a positive number; got 0/);
    const q3 = x.queries[0]!.reshape([2, 2, 8]) as unknown as tf.Tensor4D;
    expect(() => decodeAttention({ ...x, queries: [q3] }, 1)).toThrow(/decodeAttention: queries\[0\] must be \[batch, G, n, dk\] float32; got \[2,2,8\]/);
    const odd = inputs(1, 1, 1, [6], 4, [2], 1);
    expect(decodeAttentionFits(odd)).toBe(false); // widths not a multiple of 4: paged.ts keeps its ops
    expect(() => decodeAttention(odd, 1)).toThrow(/decodeAttention: needs the wasm backend/);
    tf.dispose(q3);
    dispose(x);
    dispose(odd);
  });

  // The whole MHA decode step (RoPE, cache append, attention) as one kernel, through mhaForward.
  for (const nKvHeads of [4, 2, 1]) {
    it(`MHA decode steps (${nKvHeads} KV heads of 4 query heads): the fused step equals the composite ops across block boundaries; the cache frees what it made`, async () => {
      const cfg: MHAConfig = { dModel: 32, nHeads: 4, nKvHeads, headDim: 8, maxSeqLen: 24 };
      const w = initMHAWeights(cfg, 3);
      const x = tf.tensor3d(new Rng(4).normals(2 * 20 * 32), [2, 20, 32]);
      const run = async (fused: boolean) => {
        if (fused) useDecodeAttention();
        else restoreDecodeAttention();
        const cache = createMHACache(cfg, 2, { blockSize: 4 });
        const outs: number[] = [];
        // prefill 3 tokens, then one at a time: steps start blocks (pos 4, 8, …) and extend them
        for (const [from, len] of [[0, 3], ...Array.from({ length: 17 }, (_, i) => [3 + i, 1])] as [number, number][]) {
          const y = tf.tidy(() => mhaForward(x.slice([0, from, 0], [-1, len, -1]), w, cfg, { cache, startPos: from }));
          outs.push(...(await y.data()));
          y.dispose();
        }
        const k = Array.from(await cache.get("k")!.data());
        cache.dispose();
        useDecodeAttention();
        return { outs, k };
      };
      const before = tf.memory().numTensors;
      const fused = await run(true);
      expect(tf.memory().numTensors).toBe(before);
      const composite = await run(false);
      assertClose(fused.outs, composite.outs, { rtol: RTOL, atol: ATOL, what: "decode outputs, fused vs composite" });
      assertClose(fused.k, composite.k, { what: "the cache's roped keys" }); // the same RoPE arithmetic
      tf.dispose([x, ...Object.values(w)]);
    });
  }

  it("mhaDecodeStep and KVCache.writeLastBlocks: bad input names the argument", () => {
    const before = tf.memory().numTensors;
    const qkv = tf.zeros([2, 1, 6 * 8]);
    const row = new Float32Array(8);
    const o = { pos: 5, blockSize: 4, nHeads: 4, nKvHeads: 1, scale: 1, cos: row, sin: row };
    const blocks = [tf.zeros([2, 1, 4, 8]), tf.zeros([2, 1, 1, 8])] as tf.Tensor4D[];
    expect(() => mhaDecodeStep(qkv, blocks, blocks, { ...o, nKvHeads: 3 })).toThrow(/mhaDecodeStep: nKvHeads must divide nHeads=4; got 3/);
    const bad = tf.zeros([2, 2, 48]);
    expect(() => mhaDecodeStep(bad, blocks, blocks, o)).toThrow(/mhaDecodeStep: qkv must be \[batch, 1, \(nHeads \+ 2·nKvHeads\)·headDim\] float32; got \[2,2,48\]/);
    expect(() => mhaDecodeStep(qkv, blocks.slice(0, 1), blocks, o)).toThrow(/mhaDecodeStep: kBlocks must hold 2 blocks for pos 5 and blockSize 4; got 1/);
    expect(() => mhaDecodeStep(qkv, blocks, [blocks[0]!, blocks[0]!], o)).toThrow(/mhaDecodeStep: vBlocks\[1\] must be \[2,1,1,8\] float32; got \[2,1,4,8\]/);
    expect(() => mhaDecodeStep(qkv, blocks, blocks, { ...o, cos: new Float32Array(4) })).toThrow(/mhaDecodeStep: cos and sin must be Float32Arrays of headDim=8 numbers; got 4 and 8/);
    expect(() => mhaDecodeStep(qkv, blocks, blocks, { ...o, pos: -1 })).toThrow(/mhaDecodeStep: pos must be a non-negative integer; got -1/);
    const step = mhaDecodeStep(qkv, blocks, blocks, o);
    expect([step.out.shape, step.k.shape, step.v.shape]).toEqual([[2, 1, 32], [2, 1, 2, 8], [2, 1, 2, 8]]);
    const cache = createMHACache({ dModel: 8, nHeads: 4, nKvHeads: 1, headDim: 8, maxSeqLen: 8 }, 2, { blockSize: 4 });
    expect(() => cache.writeLastBlocks(1, { k: step.k, v: step.v })).toThrow(/KVCache.writeLastBlocks: the cache holds 0 tokens, so startPos must be ≤ 0; got 1/);
    expect(() => cache.writeLastBlocks(0, { k: step.k, v: step.v })).toThrow(/KVCache.writeLastBlocks: slot "k" must be \[2,1,1,8\]; got \[2,1,2,8\]/);
    tf.dispose([qkv, bad, ...blocks, step.out, step.k, step.v]);
    cache.dispose();
    expect(tf.memory().numTensors).toBe(before); // a failed check leaves nothing behind
  });

  it("SwiGLU at decode: siluMul equals (g·sigmoid(g))·u by a plain loop, swigluJoined equals swiglu, no leaks; bad input named", async () => {
    const rng = new Rng(9);
    const gu = tf.tensor3d(rng.normals(3 * 2 * 16, 0, 4), [3, 2, 16]); // large |g| too: the exponential's clamp
    const data = gu.dataSync();
    const want: number[] = [];
    for (let r = 0; r < 6; r++) for (let i = 0; i < 8; i++) {
      const g = data[r * 16 + i]!, u = data[r * 16 + 8 + i]!;
      want.push((g / (1 + Math.exp(-g))) * u);
    }
    let got: number[] = [];
    await expectNoLeaks(async () => {
      const y = siluMul(gu);
      expect(y.shape).toEqual([3, 2, 8]);
      got = Array.from(await y.data());
      y.dispose();
    });
    assertClose(got, want, { rtol: RTOL, atol: ATOL, what: "silu(g)·u vs a plain loop" });
    const w = initSwiGLUWeights(16, 8, 2);
    const x = tf.tensor3d(rng.normals(4 * 16), [4, 1, 16]);
    const w13 = tf.concat([w.w1, w.w3], 1);
    const [a, b] = [swigluJoined(x, w13, w.w2), swiglu(x, w)];
    assertClose(await a.data(), await b.data(), { rtol: RTOL, atol: ATOL, what: "swigluJoined vs swiglu" });
    const odd = tf.zeros([2, 12]);
    expect(() => siluMul(odd)).toThrow(/siluMul: x must be \[..., 2h\] float32 with h a multiple of 4; got \[2,12\] float32/);
    tf.dispose([gu, x, w13, a, b, odd, ...Object.values(w)]);
  });

  // MLA's whole absorbed step between its projections as one kernel, through mlaForward.
  for (const qLoraRank of [0, 12]) {
    it(`MLA absorbed decode steps (qLoraRank ${qLoraRank}, batch 2): the fused step equals the composite ops across block boundaries and the naive mode; the cache frees what it made`, async () => {
      const cfg: MLAConfig = { dModel: 24, nHeads: 3, qLoraRank, kvLoraRank: 16, qkNopeHeadDim: 8, qkRopeHeadDim: 4, vHeadDim: 12, maxSeqLen: 24 };
      const w = initMLAWeights(cfg, 5);
      const x = tf.tensor3d(new Rng(6).normals(2 * 14 * 24), [2, 14, 24]);
      const run = async (fused: boolean, mode: "naive" | "absorbed") => {
        if (fused) useDecodeAttention();
        else restoreDecodeAttention();
        const cache = createMLACache(cfg, 2, mode, { blockSize: 4 });
        const outs: number[] = [];
        for (const [from, len] of [[0, 2], ...Array.from({ length: 12 }, (_, i) => [2 + i, 1])] as [number, number][]) {
          const y = tf.tidy(() => mlaForward(x.slice([0, from, 0], [-1, len, -1]), w, cfg, { cache, startPos: from }));
          outs.push(...(await y.data()));
          y.dispose();
        }
        const kv = mode === "absorbed" ? Array.from(await cache.get("kv")!.data()) : [];
        const pe = mode === "absorbed" ? Array.from(await cache.get("pe")!.data()) : [];
        cache.dispose();
        useDecodeAttention();
        return { outs, kv, pe };
      };
      const before = tf.memory().numTensors;
      const fused = await run(true, "absorbed");
      expect(tf.memory().numTensors).toBe(before);
      const composite = await run(false, "absorbed");
      const naive = await run(false, "naive");
      assertClose(fused.outs, composite.outs, { rtol: RTOL, atol: ATOL, what: "absorbed decode, fused vs composite" });
      assertClose(fused.outs, naive.outs, { rtol: 1e-4, atol: 1e-5, what: "absorbed (fused) vs naive (composite)" }); // mla.test.ts's tolerance between the modes
      assertClose(fused.kv, composite.kv, { what: "the cached normalised latent" }); // the same RMSNorm loop
      assertClose(fused.pe, composite.pe, { what: "the cached roped key" }); // the same RoPE arithmetic
      tf.dispose([x, ...Object.values(w)]);
    });
  }

  it("mlaDecodeStep: bad input names the argument", () => {
    const o = { pos: 1, blockSize: 4, nHeads: 2, qkNopeHeadDim: 4, qkRopeHeadDim: 4, eps: 1e-6, scale: 0.5, cos: new Float32Array(4), sin: new Float32Array(4) };
    const before = tf.memory().numTensors;
    const made: tf.Tensor[] = [];
    const t = (shape: number[]) => { const z = tf.zeros(shape); made.push(z); return z; };
    const [q, kvA, kvNorm, wUKt, wUV] = [t([1, 1, 16]), t([1, 1, 12]), t([8]), t([2, 4, 8]), t([2, 8, 4])];
    const kv = [t([1, 1, 1, 8])] as tf.Tensor4D[];
    const pe = [t([1, 1, 1, 4])] as tf.Tensor4D[];
    expect(() => mlaDecodeStep(q, t([1, 1, 10]), kvNorm, wUKt, wUV, kv, pe, o)).toThrow(/mlaDecodeStep: kvA must be \[1,1,12\] float32; got \[1,1,10\] float32/);
    expect(() => mlaDecodeStep(q, kvA, kvNorm, t([2, 8, 4]), wUV, kv, pe, o)).toThrow(/mlaDecodeStep: wUKt must be \[2,4,8\] float32; got \[2,8,4\]/);
    expect(() => mlaDecodeStep(q, kvA, kvNorm, wUKt, wUV, [], pe, o)).toThrow(/mlaDecodeStep: kvBlocks must hold 1 blocks for pos 1 and blockSize 4; got 0/);
    expect(() => mlaDecodeStep(q, kvA, kvNorm, wUKt, wUV, kv, [t([1, 1, 2, 4]) as tf.Tensor4D], o)).toThrow(/mlaDecodeStep: peBlocks\[0\] must be \[1,1,1,4\] float32; got \[1,1,2,4\]/);
    expect(() => mlaDecodeStep(q, kvA, kvNorm, wUKt, wUV, kv, pe, { ...o, sin: new Float32Array(2) })).toThrow(/mlaDecodeStep: cos and sin must be Float32Arrays of qkRopeHeadDim=4 numbers; got 4 and 2/);
    const step = mlaDecodeStep(q, kvA, kvNorm, wUKt, wUV, kv, pe, o);
    expect([step.heads.shape, step.kv.shape, step.pe.shape]).toEqual([[1, 1, 8], [1, 1, 2, 8], [1, 1, 2, 4]]);
    tf.dispose([...made, step.heads, step.kv, step.pe]);
    expect(tf.memory().numTensors).toBe(before); // a failed check leaves nothing behind
  });
});
