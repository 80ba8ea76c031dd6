// MHA / GQA / MQA: against hand-written attention (plain JavaScript loops), and cached decode = prefill.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectNoLeaks, rtolFor, useTestBackend } from "../helpers/backend.js";
import { createMHACache, initMHAWeights, mhaForward, type MHAConfig } from "../../lib/attention/mha.js";
import { KVCache } from "../../lib/attention/kvcache.js";
import { Rng } from "../../lib/random.js";
import { expectClose } from "../helpers/close.js";

beforeAll(async () => {
  await useTestBackend();
});

function matmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
}
function rows(data: ArrayLike<number>, cols: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < data.length; i += cols) out.push(Array.from(data).slice(i, i + cols));
  return out;
}

/** Causal multi-head attention without RoPE, written out by hand; kv head of query head h is ⌊h / group⌋. */
async function handAttention(x: tf.Tensor, w: Record<string, tf.Tensor>, cfg: MHAConfig): Promise<number[][]> {
  const X = rows(await x.data(), cfg.dModel); // [seq, dModel] (batch 1)
  const W = async (t: tf.Tensor) => rows(await t.data(), t.shape[1]!);
  const Q = matmul(X, await W(w.wq!));
  const K = matmul(X, await W(w.wk!));
  const V = matmul(X, await W(w.wv!));
  const d = cfg.headDim;
  const group = cfg.nHeads / (cfg.nKvHeads ?? cfg.nHeads);
  const heads = X.map(() => new Array<number>(cfg.nHeads * d).fill(0));
  for (let h = 0; h < cfg.nHeads; h++) {
    const g = Math.floor(h / group);
    for (let i = 0; i < X.length; i++) {
      const s: number[] = [];
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += Q[i]![h * d + c]! * K[j]![g * d + c]!;
        s.push(dot / Math.sqrt(d));
      }
      const m = Math.max(...s);
      const e = s.map((v) => Math.exp(v - m));
      const z = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < d; c++) heads[i]![h * d + c] = e.reduce((acc, p, j) => acc + (p / z) * V[j]![g * d + c]!, 0);
    }
  }
  return matmul(heads, await W(w.wo!));
}

describe("MHA / GQA / MQA", () => {
  for (const nKvHeads of [4, 2, 1]) {
    const cfg: MHAConfig = { dModel: 12, nHeads: 4, nKvHeads, headDim: 3, maxSeqLen: 16, rope: false };
    it(`nKvHeads=${nKvHeads} equals hand-written attention`, async () => {
      const w = initMHAWeights(cfg, 11);
      const x = tf.tensor(new Rng(12).normals(6 * 12), [1, 6, 12]);
      await expectClose(mhaForward(x, w, cfg), (await handAttention(x, w as never, cfg)).flat(), { rtol: rtolFor(1e-5), atol: 1e-5 });
    });
  }

  // blockSize 3: the chunks 4, 2, 1 straddle block boundaries of the paged cache.
  for (const blockSize of [undefined, 3]) it(`with RoPE and a cache (blockSize ${blockSize ?? "default"}): chunked prefill then decode equals one-shot prefill`, async () => {
    const cfg: MHAConfig = { dModel: 16, nHeads: 4, nKvHeads: 2, headDim: 4, maxSeqLen: 16 };
    const w = initMHAWeights(cfg, 5);
    const x = tf.tensor(new Rng(6).normals(2 * 7 * 16), [2, 7, 16]);
    const full = await mhaForward(x, w, cfg).data();
    const cache = createMHACache(cfg, 2, { blockSize });
    const outs = [
      mhaForward(x.slice([0, 0], [-1, 4]), w, cfg, { cache }),
      mhaForward(x.slice([0, 4], [-1, 2]), w, cfg, { cache, startPos: 4 }),
      mhaForward(x.slice([0, 6], [-1, 1]), w, cfg, { cache, startPos: 6 }),
    ];
    await expectClose(tf.concat(outs, 1), full, { rtol: rtolFor(1e-5), atol: 1e-5 });
    expect(cache.get("k")!.shape).toEqual([2, 7, 2, 4]);
    expect(cache.elementsPerToken).toBe(2 * 2 * 4);
    cache.dispose();
  });

  it("no leaks; bad input names what it expected", async () => {
    const cfg: MHAConfig = { dModel: 8, nHeads: 2, headDim: 4, maxSeqLen: 4 };
    const w = initMHAWeights(cfg, 1);
    const x = tf.zeros([1, 3, 8]);
    await expectNoLeaks(() => mhaForward(x, w, cfg).dispose());
    expect(() => mhaForward(tf.zeros([1, 3, 7]), w, cfg)).toThrow(/dModel=8.*\[1,3,7\]/);
    expect(() => initMHAWeights({ ...cfg, nKvHeads: 3 }, 1)).toThrow(/divisor of nHeads=2; got 3/);
    const cache = createMHACache(cfg, 1);
    expect(() => mhaForward(tf.zeros([1, 5, 8]), w, cfg, { cache })).toThrow(/maxSeqLen=4/);
    expect(() => mhaForward(tf.zeros([2, 1, 8]), w, cfg, { cache })).toThrow(/batch 2 is bigger/);
  });

  it("a paged KVCache keeps blocks of blockSize tokens, rewinds, and reads back what was written", async () => {
    const c = new KVCache(2, 10, { k: [2, 3], pe: [1] }, { blockSize: 3 });
    const k = tf.tensor(new Rng(9).normals(2 * 7 * 2 * 3), [2, 7, 2, 3]);
    const pe = tf.tensor(new Rng(10).normals(2 * 7), [2, 7, 1]);
    c.write(0, { k: k.slice([0, 0], [-1, 5]), pe: pe.slice([0, 0], [-1, 5]) });
    c.write(5, { k: k.slice([0, 5], [-1, 2]), pe: pe.slice([0, 5], [-1, 2]) });
    expect(c.blockLengths()).toEqual([3, 3, 1]);
    expect(c.heads("k")).toBe(2);
    // k's second block holds positions 3..5, head-major [batch, heads, tokens, width].
    await expectClose(c.blocks("k")[1]!, await k.slice([0, 3, 0, 0], [-1, 3, -1, -1]).transpose([0, 2, 1, 3]).data(), { what: "paged cache contents" });
    await expectClose(c.get("k")!, await k.data(), { what: "paged cache contents" });
    await expectClose(c.get("pe")!, await pe.data(), { what: "paged cache contents" });
    // Rewind to position 4 and write two other tokens: positions 0..3 stay, 4..5 are the new ones.
    const other = tf.zeros([2, 2, 2, 3]);
    c.write(4, { k: other, pe: tf.zeros([2, 2, 1]) });
    expect(c.length).toBe(6);
    expect(c.blockLengths()).toEqual([3, 3]);
    await expectClose(c.get("k")!, await tf.concat([k.slice([0, 0], [-1, 4]), other], 1).data(), { what: "paged cache contents" });
    expect(() => c.blocks("x")).toThrow(/no slot "x"/);
    c.dispose();
    expect(() => new KVCache(1, 4, { k: [1, 2, 3] })).toThrow(/slot "k" must have a per-token shape/);
  });

  it("KVCache.write checks slot shapes", () => {
    const c = new KVCache(1, 4, { k: [2], v: [3] });
    expect(() => c.write(0, { k: tf.zeros([1, 1, 2]), v: tf.zeros([1, 1, 2]) })).toThrow(/slot "v" must be \[1,1,3\]; got \[1,1,2\]/);
  });
});
